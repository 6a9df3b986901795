"""Module discovery and the dependency graph."""
import pytest

from core import errors, modules
from core.modules import Manifest


def graph(**depends):
    return {name: Manifest(name=name, version="1", package=f"pkg.{name}", depends=tuple(deps))
            for name, deps in depends.items()}


def test_dependencies_come_first_in_a_deterministic_order():
    available = graph(sale=["party", "product"], product=[], party=[], product_kit=["product"],
                      stock=["product"])
    # the order depends on the set of modules only, never on how they were asked for
    assert modules.resolve(["sale", "product_kit"], available) == ["party", "product", "product_kit", "sale"]
    assert modules.resolve(["product_kit", "sale"], available) == ["party", "product", "product_kit", "sale"]
    assert modules.resolve(sorted(available), available) == [
        "party", "product", "product_kit", "sale", "stock"]


def test_unknown_module_lists_those_available():
    with pytest.raises(errors.ModuleNotFound, match=r"unknown module 'nope'; available modules: a, b"):
        modules.resolve(["nope"], graph(a=[], b=[]))


def test_missing_dependency_names_both_modules():
    with pytest.raises(errors.MissingDependency, match="module 'a' depends on 'ghost', which is not available"):
        modules.resolve(["a"], graph(a=["ghost"]))


def test_dependency_cycle_is_named():
    with pytest.raises(errors.DependencyCycle) as info:
        modules.resolve(["a"], graph(a=["b"], b=["c"], c=["a"]))
    assert info.value.cycle == ["a", "b", "c", "a"]
    assert "a -> b -> c -> a" in str(info.value)
    assert isinstance(info.value, errors.ModuleError) and isinstance(info.value, errors.UserError)


def test_builtin_modules_are_discovered_with_their_manifest():
    found = modules.discover()
    assert {"party", "product"} <= set(found)
    assert found["product"].package == "modules.product"
    assert found["product"].version == "1.0.0"


def test_third_party_module_is_found_through_its_entry_point(example_package):
    found = modules.discover()
    assert found["example"].package == "kitwork_example"
    assert found["example"].depends == ("product",)
    assert found["example"].extras == ("party",)
    assert str(found["example"].migrations).startswith(str(example_package))


def test_database_reports_available_modules(db):
    available = db.available_modules()
    assert available["party"].name == "party"


def test_a_module_comes_after_its_active_extras():
    available = graph(kit=["product"], product=[], sale=["product"])
    available["kit"] = Manifest(name="kit", version="1", package="pkg.kit", depends=("product",), extras=("sale",))
    assert modules.resolve(["kit"], available) == ["product", "kit"]
    assert modules.resolve(["kit", "sale"], available) == ["product", "sale", "kit"]


def test_builtin_modules_come_through_the_entry_point_like_any_other():
    """core/ finds the built-in modules through kitwork's own entry points, never by importing ``modules``."""
    import ast
    import importlib.metadata
    from pathlib import Path

    declared = {ep.name: ep.value for ep in importlib.metadata.entry_points(group=modules.ENTRY_POINT_GROUP)
                if ep.dist is not None and ep.dist.name == modules.BUILTIN_DISTRIBUTION}
    found = modules.discover()
    builtin = {name: m.package for name, m in found.items() if m.builtin}
    assert builtin == declared
    assert {"party", "product", "product_kit", "purchase", "sale", "stock", "stock_reorder"} <= set(builtin)
    core = Path(modules.__file__).parent
    for path in core.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else []
            assert not [n for n in names if n == "modules" or n.startswith("modules.")], path
