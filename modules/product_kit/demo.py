"""The demo's product_kit chapter."""


def demo(database, out):
    """A kit is quoted (exploded), reset to draft (components gone), quoted again, then shipped."""
    from decimal import Decimal

    with database.transaction() as env:
        Product, Sale = env["product.product"], env["sale.sale"]
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        lamp, = Product.search([("code", "=", "LAMP")])
        bulb, manual = Product.create([
            {"name": "Bulb", "code": "BULB", "default_uom": units["u"], "list_price": Decimal("4")},
            {"name": "Manual", "code": "MAN", "default_uom": units["u"], "list_price": Decimal("1")}])
        kit, = Product.create([{"name": "Reading kit", "code": "KIT", "type": "kit", "default_uom": units["u"],
                                "list_price": Decimal("49"), "components": [
                                    {"product": lamp.id, "quantity": 1},
                                    {"product": bulb.id, "quantity": 2},
                                    {"product": manual.id, "quantity": 1, "fixed": True}]}])
        customer, = env["party.party"].search([("code", "=", "C001")])
        sale, = Sale.create([{"party": customer.id, "invoice_method": "shipment",
                              "lines": [{"product": kit.id, "quantity": 2}]}])
        line = sale.lines[0]
        Sale.quote([sale])
        out.write(f"quoted {sale.number}: 2 {kit.name} -> "
                  + ", ".join(f"{c.quantity:g} {c.product.name}" for c in line.components) + "\n")
        Sale.draft([sale])
        out.write(f"reset to draft: {len(line.components)} line components left\n")
        env["sale.line"].write([line], {"quantity": 3})
        Sale.quote([sale])
        out.write("quantity changed to 3 and quoted again -> "
                  + ", ".join(f"{c.quantity:g} {c.product.name}" for c in line.components) + "\n")
        if "stock.shipment.out" not in env:
            return
        env["stock.move"].do(env["stock.move"].create([
            {"product": p.id, "quantity": 10, "from_location": env["stock.location"].by_type("supplier").id,
             "to_location": env["stock.location"].warehouse().storage_location.id} for p in (bulb, manual)]))
        available = env["stock.location"].quantities([kit], env["stock.location"].warehouse())[kit.id]
        out.write(f"whole kits the stock allows: {available:g}\n")
        Sale.confirm([sale])
        Sale.process([sale])
        Shipment = env["stock.shipment.out"]
        Shipment.assign(sale.shipments)
        shipment = sale.shipments[0]
        bulbs = next(m for m in shipment.moves if m.product == bulb)
        Shipment.ship([shipment], {bulbs.id: 3})
        out.write(f"shipped 3 of {bulbs.quantity + 3:g} bulbs: {line.quantity_to_invoice:g} kit(s) to invoice, "
                  f"sale {sale.state}; a backorder waits for the rest\n")
