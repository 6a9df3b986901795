"""The demo's stock chapter."""


def demo(database, out):
    """Goods arrive from a supplier; on-hand and forecast quantities follow."""
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
