"""``kitwork new-module``: the files of a new third-party module package.

The package installs with ``pip install -e .`` and its test passes with
``pytest`` as written; the tutorial of the documentation starts from it.
"""
import keyword
import re
from pathlib import Path

from . import errors, modules

PYPROJECT = '''\
[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "kitwork-{dist}"
version = "0.1.0"
description = "{description}"
requires-python = ">=3.11"
dependencies = ["kitwork"]

[project.optional-dependencies]
test = ["kitwork[test]"]

# How Kitwork finds the module: entry point name = manifest name.
[project.entry-points."kitwork.modules"]
{name} = "{name}"

[tool.setuptools]
packages = ["{name}"]

[tool.setuptools.package-data]
{name} = ["manifest.toml", "migrations/*.py"]

[tool.pytest.ini_options]
testpaths = ["tests"]
'''

MANIFEST = '''\
name = "{name}"
version = "0.1.0"
description = "{description}"
depends = [{depends}]
extras = []
'''

INIT = '''\
"""{description}"""


def register(module):
    """Declare what the module brings.

    ``module.add_models(SomeModel, SomeExtension)`` for models and
    extensions of the models of the modules it depends on,
    ``module.add_hooks(hooks)`` for ``@core.hookimpl`` implementations,
    ``module.add_hookspecs(hookspecs)`` for the events it owns.  After adding
    or changing fields, run ``kitwork revision {name} -m "what changed"``.
    """
'''

TEST = '''\
"""Tests of the {name} module, each on a throw-away database.

SQLite by default; set KITWORK_TEST_DATABASE_URL to a PostgreSQL URL to run
them there.
"""


def test_{name}_activates(kitwork_database):
    database = kitwork_database("{name}")
    assert "{name}" in database.active_modules
    assert database.active_modules[-1] == "{name}"   # after its dependencies
'''

README = '''\
# {name}

{description}

    pip install -e '.[test]'   # the module, Kitwork, pytest and Kitwork's pytest plugin
    pytest                     # its tests, on throw-away databases
    kitwork init --module {name}

After changing its models: `kitwork revision {name} -m "what changed"`.
'''


def write(name, depends=(), folder="."):
    """Write the package ``NAME/`` in ``folder``; return its path."""
    if not re.fullmatch(r"[a-z][a-z0-9_]*", name) or keyword.iskeyword(name):
        raise errors.UserError(
            f"invalid module name {name!r}: use lower-case letters, digits and underscores, "
            f"starting with a letter (it is a Python package name)")
    available = modules.discover()
    if name in available:
        raise errors.UserError(f"a module named {name!r} already exists ({available[name].package})")
    modules.resolve(list(depends), available)   # unknown dependencies are refused here
    root = Path(folder) / name
    if root.exists():
        raise errors.UserError(f"{root} already exists: choose another name or folder")
    values = {"name": name, "dist": name.replace("_", "-"),
              "description": f"The {name} Kitwork module.",
              "depends": ", ".join(f'"{d}"' for d in depends)}
    files = {
        "pyproject.toml": PYPROJECT,
        "README.md": README,
        f"{name}/manifest.toml": MANIFEST,
        f"{name}/__init__.py": INIT,
        f"{name}/migrations/README": "The module's alembic branch: files written by `kitwork revision {name}`.\n",
        f"tests/test_{name}.py": TEST,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values))
    return root
