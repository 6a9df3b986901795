from core import hookimpl

# (category, [(name, symbol, factor, rounding)]): the reference unit comes first.
UNITS = [
    ("Units", [("Unit", "u", 1.0, 1.0), ("Dozen", "dz", 12.0, 0.01)]),
    ("Weight", [("Kilogram", "kg", 1.0, 0.001), ("Gram", "g", 0.001, 1.0)]),
]


@hookimpl
def core_modules_activated(env, modules):
    """Give a new database the units every deployment needs."""
    if "product" not in modules:
        return
    categories = env["product.uom.category"].create_unchecked([{"name": name} for name, _ in UNITS])
    env["product.uom"].create_unchecked([
        {"name": name, "symbol": symbol, "factor": factor, "rounding": rounding, "category": category.id}
        for category, (_, units) in zip(categories, UNITS)
        for name, symbol, factor, rounding in units])
