"""Hook specifications and the plugin manager of each pool."""
import inspect

import pluggy
import pytest

from core import hookspecs, modules
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


def test_a_misspelled_hook_fails_at_start_up(module_factory):
    module_factory("misspelled", {"__init__.py": MISSPELLED,
                                  "manifest.toml": 'name = "misspelled"\nversion = "1"\n'})
    manifest = modules.discover()["misspelled"]
    with pytest.raises(pluggy.PluginValidationError, match="core_module_activated"):
        Pool([manifest])


def test_each_pool_has_its_own_plugin_manager(kitwork_database, example_package):
    plain = kitwork_database("product")
    extended = kitwork_database("example")
    names = lambda database: sorted(name.split(":")[0] for name, _ in
                                    database.pool.hooks.list_name_plugin())
    assert names(plain) == ["product"]
    assert names(extended) == ["example", "product"]
