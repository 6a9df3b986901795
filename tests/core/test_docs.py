"""The documentation: it builds without a warning, and nothing the reference lists is undocumented."""
import re
import subprocess
import sys
from pathlib import Path

from core import modules, reference
from core.model import Model
from core.pool import Pool

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_the_docs_build_without_warnings(tmp_path):
    result = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
                             "-d", str(tmp_path / "doctrees"), str(DOCS), str(tmp_path / "html")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    page = (tmp_path / "html" / "reference-modules.html").read_text()
    pool = reference.builtin_pool()
    for model_name, model_class in pool.models.items():   # the reference follows the code
        assert model_name in page
        assert all(f"<code class=\"docutils literal notranslate\"><span class=\"pre\">{name}</span>" in page
                   for name in model_class._fields)
    hooks = (tmp_path / "html" / "reference-hooks.html").read_text()
    assert all(function.__name__ in hooks for _, function in reference.hookspecs_of(pool))


def test_every_public_name_of_models_and_every_domain_operator_is_documented():
    pages = (DOCS / "model-api.rst").read_text() + (DOCS / "extending.rst").read_text()
    public = [name for name in dir(Model) if not name.startswith("_") and name != "OPERATORS"]
    literals = " ".join(re.findall(r"``([^`]+)``", pages))
    assert public and [name for name in public if not re.search(rf"\b{name}\b", literals)] == []
    operators = (DOCS / "model-api.rst").read_text()
    assert [op for op in Model.OPERATORS if f"``{op}``" not in operators] == []


def test_every_builtin_hookspec_model_and_field_is_documented():
    assert reference.undocumented(reference.builtin_pool()) == []


UNDOCUMENTED = '''
import sys
from core import Model, fields, hookspec


class Thing(Model):
    _name = "undocumented.thing"
    name = fields.Char()


@hookspec
def undocumented_happened(env, things):
    pass


def register(module):
    module.add_models(Thing)
    module.add_hookspecs(sys.modules[__name__])
'''


def test_what_lacks_documentation_is_named(module_factory):
    module_factory("undocumented", {"__init__.py": UNDOCUMENTED,
                                    "manifest.toml": 'name = "undocumented"\nversion = "1"\n'})
    pool = Pool([modules.discover()["undocumented"]])
    assert reference.undocumented(pool) == [
        "hookspec undocumented_happened (undocumented) has no docstring",
        "model undocumented.thing (undocumented) has no docstring",
        "field undocumented.thing.name (undocumented) has no string",
    ]


def test_the_fields_reference_lists_each_field_class_with_every_argument_it_takes():
    """docs/fields.rst writes each signature out (``**kwargs`` hides the common ones): they follow the code."""
    import inspect

    from core import fields
    documented = dict(re.findall(r"^\.\. autoclass:: core\.fields\.(\w+)\((.*)\)$",
                                 (DOCS / "fields.rst").read_text(), re.MULTILINE))
    classes = {name for name, value in vars(fields).items() if inspect.isclass(value)
               and issubclass(value, fields.Field) and value is not fields.Field}
    assert set(documented) == classes
    for name, signature in documented.items():
        takes = set()
        for klass in getattr(fields, name).__mro__:   # each __init__ up to the first not passing **kwargs on
            if "__init__" in vars(klass):
                parameters = inspect.signature(klass.__init__).parameters.values()
                takes.update(p.name for p in parameters if p.name != "self" and p.kind is not p.VAR_KEYWORD)
                if not any(p.kind is p.VAR_KEYWORD for p in parameters):
                    break
        written = {part.split("=")[0].strip() for part in signature.split(",")} - {"*"}
        assert written == takes, name


def test_the_docs_extra_brings_what_autodoc_imports():
    """autodoc imports ``core.testing`` (the pytest plugin's fixtures are documented), which imports pytest."""
    import configparser
    config = configparser.ConfigParser()
    config.read(DOCS.parent / "setup.cfg")
    docs = {line.split(">")[0].split("[")[0].strip().lower()
            for line in config["options.extras_require"]["docs"].split("\n") if line.strip()}
    imported = subprocess.run([sys.executable, "-c", "import sys, core.testing, docs.conf; print(' '.join(sys.modules))"],
                              cwd=DOCS.parent, capture_output=True, text=True)
    assert imported.returncode == 0, imported.stderr
    assert {"sphinx", "pytest"} <= docs and "pytest" in imported.stdout.split()
