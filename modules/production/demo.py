"""The demo's production chapter: a table made from four legs and a top."""


def demo(database, out):
    """A manufacture rule plans a table, the scheduler buys its legs and top, the production makes it."""
    from decimal import Decimal

    from modules.stock_reorder.cli import write_report

    with database.transaction() as env:
        Product, Production = env["product.product"], env["production.production"]
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        supplier, = env["party.party"].search([("code", "=", "S001")])
        leg, top = Product.create([
            {"name": "Table leg", "code": "LEG", "default_uom": unit, "cost_price": Decimal("6"),
             "product_suppliers": [{"party": supplier.id, "lead_time": 2, "unit_price": Decimal("6")}]},
            {"name": "Table top", "code": "TOP", "default_uom": unit, "cost_price": Decimal("45"),
             "product_suppliers": [{"party": supplier.id, "lead_time": 2, "unit_price": Decimal("45")}]}])
        table, = Product.create([{"name": "Dining table", "code": "TABLE", "default_uom": unit,
                                  "list_price": Decimal("180"), "cost_price_method": "average",
                                  "production_lead_time": 3}])
        bom, = env["production.bom"].create([{
            "name": "Table from legs and a top",
            "inputs": [{"product": leg.id, "quantity": 4}, {"product": top.id, "quantity": 1}],
            "outputs": [{"product": table.id, "quantity": 1}]}])
        Product.write([table], {"boms": [("create", [{"bom": bom.id}])]})
        Rule = env["stock.reorder.rule"]
        Rule.create([{"product": table.id, "route": "manufacture", "min_quantity": 1, "max_quantity": 2},
                     {"product": leg.id}, {"product": top.id}])
        out.write(f"BOM {bom.name!r}: 4 {leg.name} + 1 {top.name} -> 1 {table.name} (3 days to make); "
                  f"rules: keep 1 to 2 tables, made; legs and tops bought as productions need them\n")
        write_report(Rule.needs(), out)
        ordered = Rule.run_scheduler()
        production, = [r for r in ordered if r._name == "production.production"]
        lines = [r for r in ordered if r._name == "purchase.line"]
        out.write(f"scheduler: {production.number} makes {production.quantity:g} tables by "
                  f"{production.planned_date}; bought for it: "
                  + ", ".join(f"{line.quantity:g} {line.product.name}" for line in lines)
                  + f"; run again: {len(Rule.run_scheduler())} more\n")
        Purchase = env["purchase.purchase"]
        purchase = lines[0].purchase
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)
        Production.wait([production])
        Production.assign([production])
        out.write(f"received {purchase.number}; {production.number} is {production.state} (inputs reserved)\n")
        Production.run([production])
        Production.done([production])
        warehouse = production.warehouse
        stock = env["stock.location"].quantities([leg, top, table], warehouse)
        out.write(f"{production.number} {production.state}: {stock[table.id]:g} tables, {stock[leg.id]:g} legs and "
                  f"{stock[top.id]:g} tops in {warehouse.code}; a table costs {table.cost_price:.2f} "
                  f"(4 x {leg.cost_price:.2f} + {top.cost_price:.2f})\n")
