"""The demo's purchase chapter."""


def demo(database, out):
    """A supplier's price and lead time price and date a purchase; with stock, it is received."""
    from decimal import Decimal

    with database.transaction() as env:
        Purchase = env["purchase.purchase"]
        supplier, = env["party.party"].search([("code", "=", "S001")])
        lamp, = env["product.product"].search([("code", "=", "LAMP")])
        env["purchase.product_supplier"].create([{"product": lamp.id, "party": supplier.id, "lead_time": 3,
                                                  "unit_price": Decimal("17.50")}])
        purchase, = Purchase.create([{"party": supplier.id, "lines": [{"product": lamp.id, "quantity": 10}]}])
        line = purchase.lines[0]
        out.write(f"purchase of 10 {lamp.name} at {line.unit_price} (the supplier's price), "
                  f"expected {line.delivery_date} (lead time 3 days)\n")
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Amendment = env["purchase.amendment"]
        amendment, = Amendment.create([{"purchase": purchase.id, "lines": [
            {"action": "quantity", "line": line.id, "quantity": 12}]}])
        Amendment.validate([amendment])
        out.write(f"{purchase.number} confirmed, then amended to {line.quantity:g} (revision {purchase.revision})\n")
        Purchase.process([purchase])
        if "stock.shipment.in" in env:
            env["stock.shipment.in"].receive(purchase.shipments)
            out.write(f"{purchase.number} received: {line.quantity_received:g} in, the purchase is {purchase.state}\n")
            back, = Purchase.create_return([purchase], {line.id: 2})   # two came damaged: they go back
            Purchase.quote([back])
            Purchase.confirm([back])
            Purchase.process([back])
            env["stock.shipment.in.return"].ship(back.shipment_returns)
            out.write(f"{back.number} returns 2 to {supplier.name}: {-back.lines[0].quantity_received:g} sent back "
                      f"(return shipment {back.shipment_returns[0].state})\n")
