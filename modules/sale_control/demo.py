"""The demo's sale_control chapter."""


def demo(database, out):
    """A warned and a blocked control."""
    from decimal import Decimal

    from core import errors

    with database.transaction() as env:
        lamp, = env["product.product"].search([("code", "=", "LAMP")])
        env["product.product"].write([lamp], {"sale_min_quantity": 5, "threshold_price": Decimal("30"),
                                              "min_margin": Decimal("40")})
        customer, = env["party.party"].search([("code", "=", "C001")])
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [{"product": lamp.id, "quantity": 3}]}])
        out.write(f"limits of {lamp.name}: at least 5, at least 30.00, margin 40 %; a line of 3 at "
                  f"{sale.lines[0].unit_price:.2f} in warn mode is saved with warnings:\n")
        for warning in env.warnings:
            out.write(f"  warning [{warning.key}]: {warning.message}\n")
    try:
        with database.transaction(context={"control_mode": "block"}) as env:
            env["sale.line"].create([{"sale": sale.id, "product": lamp.id, "quantity": 2,
                                      "unit_price": Decimal("25")}])
    except errors.ValidationError as error:
        out.write(f"in block mode a line of 2 at 25.00 is refused, nothing saved: {error}\n")
