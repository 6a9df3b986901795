"""The demo's sale chapter."""


def demo(database, out):
    """A sale goes through its workflow; with stock, it ships and becomes done."""
    with database.transaction() as env:
        Sale = env["sale.sale"]
        customer, = env["party.party"].search([("code", "=", "C001")])
        lamp, = env["product.product"].search([("code", "=", "LAMP")])
        sale, = Sale.create([{"party": customer.id, "lines": [{"product": lamp.id, "quantity": 3}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        out.write(f"sale {sale.number} for {customer.name}: {sale.untaxed_amount} untaxed, {sale.state}\n")
        if "stock.shipment.out" in env:
            Sale.fulfil([sale])   # reserve and ship the whole sale
            out.write(f"shipped {sale.lines[0].quantity_shipped:g} {lamp.name}: the sale is {sale.state}\n")
