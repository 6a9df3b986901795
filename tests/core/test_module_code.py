"""Built-in modules use the public extension API only: no underscore name of the core's classes."""
import ast
from pathlib import Path

import modules as builtin
from core.environment import Environment
from core.model import Model, Prefetch
from core.workflow import Workflow

# What a model definition declares: underscore by Tryton's convention, public by documentation.
DECLARATIONS = {"_name", "_order", "_description", "_indexes", "_transitions"}
# The implementations an extension may override, reaching the next one with super().
OVERRIDABLE = {"_complete", "_create", "_write", "_delete", "_defaults", "_check_input"}
CORE_PRIVATE = {name for cls in (Model, Workflow, Environment, Prefetch) for name in dir(cls)
                if name.startswith("_") and not name.startswith("__")} - DECLARATIONS


def violations(source):
    """``(line, name)`` of each underscore name of the core a module's source uses."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Attribute) or node.attr not in CORE_PRIVATE:
            continue
        through_super = (isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)
                         and node.value.func.id == "super")
        if not (through_super and node.attr in OVERRIDABLE):
            found.append((node.lineno, node.attr))
    return found


def test_builtin_modules_use_only_the_public_extension_api():
    root = Path(builtin.__file__).parent
    found = {str(path.relative_to(root)): v for path in sorted(root.rglob("*.py"))
             if "migrations" not in path.parts and (v := violations(path.read_text()))}
    assert found == {}


def test_the_rule_catches_private_names():
    assert sorted(violations("cls._env['x']._create([])\nenv._invalidate()")) == [
        (1, "_create"), (1, "_env"), (2, "_invalidate")]
    assert violations("super()._create(vlist)\nrecord._name\nsuper()._where([])") == [(3, "_where")]
