"""The demo's stock_reorder chapter: the order-to-supply flow."""


def demo(database, out):
    """Reordering rules and make to order, from the sale to the delivery; a price break, a snoozed rule."""
    import datetime
    from decimal import Decimal

    from .cli import write_report

    with database.transaction() as env:
        Product, Rule = env["product.product"], env["stock.reorder.rule"]
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        supplier, = env["party.party"].search([("code", "=", "S001")])
        customer, = env["party.party"].search([("code", "=", "C001")])
        desk, chair = Product.create([
            {"name": "Standing desk", "code": "DESK", "default_uom": unit, "list_price": Decimal("420"),
             "supply_on_sale": True, "product_suppliers": [
                 {"party": supplier.id, "lead_time": 5, "unit_price": Decimal("250")}]},
            {"name": "Chair", "code": "CHAIR", "default_uom": unit, "list_price": Decimal("90"),
             "product_suppliers": [{"party": supplier.id, "lead_time": 2, "unit_price": Decimal("40"),
                                    "prices": [{"min_quantity": 24, "unit_price": Decimal("36")}]}]}])
        Location = env["stock.location"]
        central, shop = Location.warehouse(), Location.search([("code", "=", "SHOP")])[0]
        Rule.create([{"product": chair.id, "min_quantity": 5, "max_quantity": 20, "multiple": 4},
                     {"product": chair.id, "warehouse": shop.id, "route": "transfer", "source_warehouse": central.id,
                      "transfer_lead_time": 1, "min_quantity": 2, "max_quantity": 6}])
        out.write(f"rules: keep 5 to 20 chairs in {central.code}, in multiples of 4, bought; keep 2 to 6 in "
                  f"{shop.code}, refilled from {central.code}; the desk is bought on order\n")
        rows = Rule.needs()
        write_report(rows, out)
        bought = next(row for row in rows if row["route"] == "buy")
        out.write(f"{supplier.name} sells a chair 40.00, 36.00 from 24: the proposal of {bought['to_order']:g} is "
                  f"priced {bought['unit_price']:.2f} ({bought['price_reason']}), {bought['amount']} in all\n")
        lamp, = Product.create([{"name": "Floor lamp", "code": "FLAMP", "default_uom": unit, "product_suppliers": [
            {"party": supplier.id, "lead_time": 3, "unit_price": Decimal("55")}]}])
        lamp_rule, = Rule.create([{"product": lamp.id, "min_quantity": 1, "max_quantity": 3, "trigger": "manual"}])
        before = len(Rule.needs())
        Rule.snooze([lamp_rule], datetime.date.today() + datetime.timedelta(days=7))
        out.write(f"a floor lamp rule would add a row ({before} rows); snoozed until {lamp_rule.snoozed_until}, "
                  f"the report is back to {len(Rule.needs())} rows and the scheduler leaves it alone\n")
        ordered = Rule.run_scheduler()
        out.write("scheduler: " + ", ".join(
            f"{r.quantity:g} {r.product.name} " + (f"bought for {r.purchase.warehouse.code}" if r._name == "purchase.line"
                                                   else f"to transfer {central.code} -> {shop.code}")
            for r in ordered) + f"; run again: {len(Rule.run_scheduler())} more\n")
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": customer.id, "lines": [{"product": desk.id, "quantity": 2}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        purchase, = sale.purchases
        out.write(f"confirmed {sale.number}: 2 desks bought on order, in the same draft purchase as the chairs "
                  f"({len(purchase.lines)} lines)\n")
        Amendment, desks = env["sale.amendment"], sale.lines[0]
        raised, = Amendment.create([{"sale": sale.id, "lines": [{"action": "quantity", "line": desks.id,
                                                                 "quantity": 3}]}])
        Amendment.validate([raised])
        bought = sum(line.quantity for line in purchase.lines if line.origin == desks)
        out.write(f"the customer wants 3 desks: {sale.number} amended (revision {sale.revision}), the draft "
                  f"purchase follows ({bought:g} desks bought)\n")
        Sale.process([sale])
        delivery = sale.shipments[0]
        out.write(f"delivery {delivery.id}: {delivery.state} (waiting for the purchase)\n")
        Purchase = env["purchase.purchase"]
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        lowered, = Amendment.create([{"sale": sale.id, "lines": [{"action": "quantity", "line": desks.id,
                                                                  "quantity": 2}]}])
        Amendment.validate([lowered])
        exception, = env["supply.exception"].search([("sale", "=", sale.id)])
        out.write(f"back to 2 desks after {purchase.number} was confirmed: the supplier's order stays, a supply "
                  f"exception ({exception.kind}, {exception.quantity:g}, {exception.state}) tells purchasing\n")
        Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)
        out.write(f"received {purchase.number}: delivery {delivery.state}, 2 desks are kept for {sale.number}\n")
        env["stock.shipment.out"].ship([delivery])
        out.write(f"delivered: {sale.number} is {sale.state}\n")
        chairs, = Sale.create([{"party": customer.id, "lines": [{"product": chair.id, "quantity": 3}]}])
        Sale.quote([chairs])
        Sale.confirm([chairs])
        Sale.process([chairs])
        drop, = Sale.create_purchase([chairs], drop_ship=True)
        Purchase.quote([drop])
        Purchase.confirm([drop])
        Purchase.process([drop])
        before = Location.quantities([chair], central)[chair.id]
        env["stock.shipment.in"].receive(drop.shipments)
        out.write(f"drop ship: {drop.number} brings 3 chairs from {drop.party.name} straight to {customer.name}; "
                  f"{chairs.number} is {chairs.state}, chairs in {central.code}: {before:g} before, "
                  f"{Location.quantities([chair], central)[chair.id]:g} after\n")
