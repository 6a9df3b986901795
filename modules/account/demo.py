"""The demo's account chapter."""


def demo(database, out):
    """Nominal codes and taxes; a taxed sale's totals."""
    from decimal import Decimal

    with database.transaction() as env:
        env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"},
                                       {"code": "5000", "name": "Purchases", "type": "expense"}])
        vat, eco = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")},
                                              {"name": "Eco fee", "type": "fixed", "amount": Decimal("0.50")}])
        lamp, = env["product.product"].search([("code", "=", "LAMP")])
        env["product.product"].write([lamp], {"customer_taxes": [("set", [vat.id, eco.id])]})
        out.write(f"taxes: {vat.name}, {eco.name} (0.50 a unit) on {lamp.name}; nominal codes 4000 and 5000\n")
        if "sale.sale" in env:
            customer, = env["party.party"].search([("code", "=", "C001")])
            sale, = env["sale.sale"].create([{"party": customer.id, "lines": [{"product": lamp.id, "quantity": 2}]}])
            out.write(f"draft sale of 2 {lamp.name}: untaxed {sale.untaxed_amount}, tax {sale.tax_amount} "
                      f"(20 % of the amount + 0.50 a unit), total {sale.total_amount}\n")
