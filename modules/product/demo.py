"""The demo's product chapter."""


def demo(database, out):
    """The demo's chapter: units seeded at activation, conversions, a product, a refused input."""
    from decimal import Decimal

    from core import errors

    with database.transaction() as env:
        Uom, Product = env["product.uom"], env["product.product"]
        units = {u.symbol: u for u in Uom.search([])}
        out.write("units: " + ", ".join(f"{u.name} ({u.symbol}, {u.category.name})" for u in units.values()) + "\n")
        out.write(f"5 u = {Uom.compute_quantity(units['u'], 5, units['dz'])} dz; "
                  f"250 g = {Uom.compute_quantity(units['g'], 250, units['kg'])} kg\n")
        lamp, = Product.create([{"name": "Desk lamp", "code": "LAMP", "default_uom": units["u"],
                                 "list_price": Decimal("39.90"), "cost_price": Decimal("18.20")}])
        out.write(f"product: {Product.dump([lamp])[0]}\n")
    try:
        with database.transaction() as env:
            env["product.product"].create([{"name": "Mystery", "type": "gizmo", "default_uom": units["u"].id}])
    except errors.ValidationError as error:
        out.write(f"refused, nothing saved: {error}\n")
