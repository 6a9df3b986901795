"""The demo's sale_automation chapter."""


def demo(database, out):
    """Three rules: a gift and express shipping for VIPs, big orders fulfilled from two warehouses, a rule waiting."""
    from decimal import Decimal

    with database.transaction() as env:
        Location, Product, Sale = env["stock.location"], env["product.product"], env["sale.sale"]
        Rule, Move = env["sale.automation.rule"], env["stock.move"]
        central, = Location.search([("code", "=", "WH")])
        second, = Location.search([("code", "=", "SHOP")])
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        mug, heater, kettle = Product.create([
            {"name": "Gift mug", "code": "MUG", "default_uom": unit, "list_price": Decimal("8")},
            {"name": "Patio heater", "code": "HEATER", "default_uom": unit, "list_price": Decimal("260")},
            {"name": "Copper kettle", "code": "KETTLE", "default_uom": unit, "list_price": Decimal("45")}])
        supplier = Location.by_type("supplier").id

        def receive(product, quantity, warehouse):
            Move.do(Move.create([{"product": product.id, "quantity": quantity, "from_location": supplier,
                                  "to_location": warehouse.storage_location.id}]))
        receive(mug, 10, central)
        receive(heater, 1, central)
        receive(heater, 5, second)
        vip, = env["party.tag"].create([{"name": "VIP"}])
        express, = env["sale.shipping_method"].create([{"name": "Express"}])
        ada, ben = env["party.party"].create([{"name": "Ada Lovelace", "tags": [vip.id]}, {"name": "Ben Okri"}])
        Rule.create([
            {"name": "VIP treat", "sequence": 1, "events": ["confirmed"], "conditions": [["party.tags.name", "=", "VIP"]],
             "actions": [{"sequence": 1, "type": "add_free_product", "product": mug.id},
                         {"sequence": 2, "type": "set_shipping_method", "shipping_method": express.id}]},
            {"name": "Big orders ship at once", "sequence": 2, "events": ["processed"],
             "conditions": [["untaxed_amount", ">", 500]],
             "actions": [{"type": "fulfil", "alternative_warehouse": second.id}]},
            {"name": "Kettles ship when in stock", "sequence": 3, "events": ["processed"],
             "conditions": [["lines.product.code", "=", "KETTLE"]], "actions": [{"type": "fulfil"}]}])
        out.write("rules: VIP customers get a free mug and express shipping; orders over 500 ship at once from "
                  f"{central.code}, or {second.code} for what {central.code} lacks; kettle orders ship when there are "
                  "kettles\n")

        def order(party, product, quantity):
            sale, = Sale.create([{"party": party.id, "lines": [{"product": product.id, "quantity": quantity}]}])
            Sale.quote([sale])
            Sale.confirm([sale])
            Sale.process([sale])
            return sale

        treat = order(ada, kettle, 1)
        big = order(ben, heater, 3)
        out.write(f"{treat.number} for {ada.name} (VIP): lines "
                  + ", ".join(f"{line.quantity:g} {line.product.name} at {line.unit_price:.2f}" for line in treat.lines)
                  + f", shipping {treat.shipping_method.name}\n")
        out.write(f"{big.number} for {ben.name}, {big.untaxed_amount} untaxed: {big.state}, shipped from "
                  + " and ".join(f"{s.warehouse.code}" for s in big.shipments if s.state == "done") + "\n")
        watch, = env["sale.automation.watch"].search([("sale", "=", treat.id)])
        out.write(f"watch list: {treat.number} waits for '{watch.rule.name}': {watch.reason}\n")
        receive(kettle, 4, central)
        for log in Rule.run():
            out.write(f"run after receiving 4 kettles: {log.outcome}: {log.sale.number}: {log.detail}\n")
        out.write(f"run again: {len(Rule.run())} new log entries (each rule applies once per sale)\n")
        out.write("log of " + treat.number + ":\n")
        for log in env["sale.automation.log"].search([("sale", "=", treat.id)], order=[("id", "ASC")]):
            out.write(f"  {log.outcome}: {log.detail}\n")
        if "account.payment" in env:
            ship_when_paid(env, out, order, receive, ben, mug, central)
    background(database, out)


def background(database, out):
    """No run by hand: a receipt queues a check of the sales waiting for its goods, run once it commits."""
    from decimal import Decimal

    with database.transaction() as env:
        Product, Sale = env["product.product"], env["sale.sale"]
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        lamp, = Product.create([{"name": "Brass lamp", "code": "LAMP-B", "default_uom": unit,
                                 "list_price": Decimal("70")}])
        customer, = env["party.party"].search([("name", "=", "Ada Lovelace")])
        env["sale.automation.rule"].create([{"name": "Lamps ship when in stock", "events": ["processed"],
                                             "conditions": [["lines.product.code", "=", "LAMP-B"]],
                                             "actions": [{"type": "fulfil"}]}])
        sale, = Sale.create([{"party": customer.id, "lines": [{"product": lamp.id, "quantity": 2}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        number, sale_id = sale.number, sale.id
        supplier, = env["party.party"].create([{"name": "Lamp maker"}])
        Purchase = env["purchase.purchase"]
        purchase, = Purchase.create([{"party": supplier.id, "lines": [{"product": lamp.id, "quantity": 5}]}])
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        out.write(f"background: {number} waits for brass lamps; receiving {purchase.number}…\n")
        env["stock.shipment.in"].receive(purchase.shipments)
        out.write(f"  in the receipt's transaction: {number} is {sale.state}; a sale_automation.check job is queued\n")
    # Committed: on SQLite the job has run in this process; on PostgreSQL a kitwork worker runs it.
    with database.transaction() as env:
        job, = env["queue.job"].search([("task", "=", "sale_automation.check")], order=[("id", "DESC")], limit=1)
        out.write(f"  after the commit: job {job.id} {job.task}({', '.join(f'{k}={v}' for k, v in job.args.items())})"
                  f" {job.state}; {number} is {env['sale.sale'].browse([sale_id])[0].state}, nobody ran "
                  f"kitwork automate\n")


def ship_when_paid(env, out, order, receive, party, product, warehouse):
    """Seed 003's most common rule: a sale ships once its invoice is paid (event ``paid``)."""
    Sale, Invoice, Payment = env["sale.sale"], env["account.invoice"], env["account.payment"]
    env["sale.automation.rule"].create([{"name": "Ship when paid", "sequence": 4, "events": ["paid"],
                                         "actions": [{"type": "fulfil"}]}])
    revenue, = env["account.account"].search([("code", "=", "4000")])
    env["product.product"].write([product], {"revenue_account": revenue.id})
    receive(product, 2, warehouse)
    sale = order(party, product, 1)
    invoice, = Sale.invoice([sale])
    Invoice.post([invoice])
    out.write(f"rule 'Ship when paid': {sale.number} invoiced ({invoice.number}, {invoice.total_amount}), "
              f"not paid: {sale.state}\n")
    payment, = Payment.create([{"party": party.id, "amount": invoice.total_amount,
                                "lines": [{"invoice": invoice.id, "amount": invoice.total_amount}]}])
    Payment.post([payment])
    out.write(f"payment of {payment.amount} posted: {invoice.number} {invoice.state}, {sale.number} payment "
              f"{sale.payment_state}, {sale.state} (shipped {sale.lines[0].quantity_shipped:g})\n")
