"""Hook specifications and the plugin manager of each pool."""
import inspect

import pytest
import sqlalchemy as sa

from core import Database, errors, hookspecs, modules
from core.pool import Pool


def all_hookspecs():
    """(owner, function) of every hook specification core and the modules declare."""
    namespaces = [("core", hookspecs)]
    available = modules.discover()
    for name, manifest in sorted(available.items()):
        registration = modules.load_registration(manifest)
        namespaces += [(name, namespace) for namespace, _ in registration.hookspecs]
    for owner, namespace in namespaces:
        for attr, function in vars(namespace).items():
            if inspect.isfunction(function) and hasattr(function, f"{hookspecs.PROJECT}_spec"):
                yield owner, function


def test_every_hookspec_is_documented_and_prefixed_by_its_owner():
    specs = list(all_hookspecs())
    assert specs, "core declares at least one hook"
    for owner, function in specs:
        doc = inspect.getdoc(function) or ""
        assert len(doc.split()) >= 20, f"hookspec {function.__name__} needs a docstring saying when, what, returns"
        assert function.__name__.startswith(f"{owner}_"), f"{function.__name__} should start with {owner}_"
        parameters = inspect.signature(function).parameters.values()
        assert all(p.default is p.empty for p in parameters), f"{function.__name__}: no default values"


MISSPELLED = '''
from core import hookimpl

@hookimpl
def core_module_activated(env, modules):   # the spec is core_modules_activated
    pass

def register(module):
    import sys
    module.add_hooks(sys.modules[__name__])
'''


def test_a_misspelled_hook_fails_at_start_up(module_factory, kitwork_database):
    """A ModuleError of one line naming the module, the hook and the likely one; nothing is activated."""
    module_factory("misspelled", {"__init__.py": MISSPELLED,
                                  "manifest.toml": 'name = "misspelled"\nversion = "1"\n'})
    manifest = modules.discover()["misspelled"]
    with pytest.raises(errors.ModuleError) as caught:
        Pool([manifest])
    message = str(caught.value)
    assert "\n" not in message
    assert "module 'misspelled' implements hook 'core_module_activated'" in message
    assert "did you mean 'core_modules_activated'?" in message
    database = kitwork_database("party")
    tables = sa.inspect(database.engine).get_table_names()
    with pytest.raises(errors.ModuleError) as caught:
        database.activate("misspelled")
    assert str(caught.value) == message
    assert Database(database.url).active_modules == ("party",)
    assert sa.inspect(database.engine).get_table_names() == tables


def test_each_pool_has_its_own_plugin_manager(kitwork_database, example_package):
    plain = kitwork_database("product")
    extended = kitwork_database("example")
    names = lambda database: sorted(name.split(":")[0] for name, _ in
                                    database.pool.hooks.list_name_plugin())
    assert names(plain) == ["product"]
    assert names(extended) == ["example", "product"]


def ordered_module(name, depends, marker=""):
    return {"manifest.toml": f'name = "{name}"\nversion = "1"\ndepends = {depends!r}\n'.replace("'", '"'),
            "__init__.py": f'''
import sys
from core import hookimpl

@hookimpl{marker}
def core_modules_activated(env, modules):
    return "{name}"

def register(module):
    module.add_hooks(sys.modules[__name__])
'''}


def test_hook_implementations_run_dependencies_first_unless_tryfirst_or_trylast(kitwork_database, module_factory):
    """The documented order: dependencies first; tryfirst before all, trylast after all."""
    module_factory("order_b", ordered_module("order_b", ["product"]))
    module_factory("order_a", ordered_module("order_a", ["order_b"]))        # a depends on b: runs after it
    module_factory("order_last", ordered_module("order_last", [], "(trylast=True)"))
    module_factory("order_first", ordered_module("order_first", ["order_a"], "(tryfirst=True)"))
    database = kitwork_database("order_first", "order_last")
    assert database.active_modules.index("order_b") < database.active_modules.index("order_a")
    with database.transaction() as env:
        results = env.hooks.core_modules_activated(env=env, modules=())
    # product's own implementation returns None, which pluggy leaves out.
    assert results == ["order_first", "order_b", "order_a", "order_last"]
