"""The demo's stock chapter."""


def demo(database, out):
    """Goods arrive from a supplier; on-hand and forecast quantities follow; a count, an average cost, a value."""
    import datetime

    with database.transaction() as env:
        Location, Shipment = env["stock.location"], env["stock.shipment.in"]
        warehouse = Location.warehouse()
        lamp, = env["product.product"].search([("code", "=", "LAMP")])
        supplier, = env["party.party"].search([("code", "=", "S001")])
        shipment, = Shipment.create([{"party": supplier.id, "moves": [{
            "product": lamp.id, "quantity": 12, "from_location": Location.by_type("supplier").id,
            "to_location": warehouse.storage_location.id}]}])
        Shipment.receive([shipment])
        env["stock.move"].create([{"product": lamp.id, "quantity": 5, "from_location": warehouse.storage_location.id,
                                   "to_location": Location.by_type("customer").id,
                                   "planned_date": datetime.date.today() + datetime.timedelta(days=7)}])
        on_hand = Location.quantities([lamp], warehouse)[lamp.id]
        in_two_weeks = Location.quantities([lamp], warehouse, datetime.date.today() + datetime.timedelta(days=14),
                                           forecast=True)[lamp.id]
        out.write(f"received 12 {lamp.name}: {on_hand:g} on hand in {warehouse.code}, "
                  f"{in_two_weeks:g} forecast in two weeks (5 planned to leave)\n")
        shop, = Location.create([{"name": "City shop", "code": "SHOP", "type": "warehouse"}])
        Transfer = env["stock.shipment.internal"]
        transfer, = Transfer.create([{"from_location": warehouse.id, "to_location": shop.id,
                                      "moves": [{"product": lamp.id, "quantity": 4}]}])
        Transfer.assign([transfer])
        Transfer.done([transfer])
        by_site = Location.quantities_by_warehouse([lamp])[lamp.id]
        out.write(f"second warehouse {shop.code} (zones made with it); transfer {transfer.id} moved 4 "
                  f"{lamp.name}: stock by site "
                  + ", ".join(f"{w.code} {by_site[w.id]:g}" for w in Location.warehouses()) + "\n")
    _count_and_cost(database, out)


def _count_and_cost(database, out):
    """Receipts move an average cost; a count finds a loss and a gain; the stock's value."""
    from decimal import Decimal

    from .cli import write_valuation

    with database.transaction() as env:
        Location, Shipment = env["stock.location"], env["stock.shipment.in"]
        warehouse, shop = Location.warehouse(), Location.search([("code", "=", "SHOP")])[0]
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        supplier, = env["party.party"].search([("code", "=", "S001")])
        cord, = env["product.product"].create([{"name": "Extension cord", "code": "CORD", "default_uom": unit.id,
                                                "list_price": Decimal("9"), "cost_price_method": "average"}])
        for price in ("3", "4"):
            shipment, = Shipment.create([{"party": supplier.id, "moves": [{
                "product": cord.id, "quantity": 10, "unit_price": Decimal(price),
                "from_location": Location.by_type("supplier").id, "to_location": warehouse.storage_location.id}]}])
            Shipment.receive([shipment])
        out.write(f"{cord.name} at average cost: 10 received at 3.00, 10 more at 4.00 -> cost {cord.cost_price:.2f}\n")
        Inventory = env["stock.inventory"]
        counts = Inventory.create([{"warehouse": warehouse.id, "lines": [{"product": cord.id, "quantity": 18}]},
                                   {"warehouse": shop.id, "lines": [{"product": cord.id, "quantity": 2}]}])
        Inventory.confirm(counts)
        for count in counts:
            line = count.lines[0]
            lost = line.quantity < line.expected_quantity
            out.write(f"count of {count.warehouse.code}: {line.quantity:g} {cord.name} where the moves said "
                      f"{line.expected_quantity:g} -> {abs(line.quantity - line.expected_quantity):g} "
                      f"{'lost, moved to' if lost else 'found, moved from'} "
                      f"{count.warehouse.lost_found_location.name}\n")
        out.write("stock value (kitwork stock value):\n")
        write_valuation(Location.valuation(), _Indented(out))


class _Indented:
    def __init__(self, out):
        self.out = out

    def write(self, text):
        self.out.write("  " + text)
