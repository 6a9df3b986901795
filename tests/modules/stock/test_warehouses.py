"""Several warehouses: zones made on creation, stock by site, warehouse transfers."""
import datetime

import pytest

from core import errors

TODAY = datetime.date.today()
DAY = datetime.timedelta(days=1)


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("stock")


class Sites:
    """The default warehouse WH, a shop, a pen (units) and ink (kg)."""

    def __init__(self, env):
        Location = env["stock.location"]
        self.central = Location.warehouse()
        self.shop, = Location.create([{"name": "Shop", "code": "SHOP", "type": "warehouse"}])
        self.supplier = Location.by_type("supplier")
        self.customer = Location.by_type("customer")
        units = {u.symbol: u for u in env["product.uom"].search([])}
        self.pen, self.ink = env["product.product"].create([
            {"name": "Pen", "default_uom": units["u"].id}, {"name": "Ink", "default_uom": units["kg"].id}])

    def receive(self, env, product, quantity, warehouse):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity, "from_location": self.supplier.id,
                              "to_location": warehouse.storage_location.id}]))

    def transfer(self, env, moves, **values):
        shipment, = env["stock.shipment.internal"].create([{
            "from_location": self.central.id, "to_location": self.shop.id, "moves": moves, **values}])
        return shipment


def test_a_new_warehouse_gets_its_zones(database):
    with database.transaction() as env:
        Location = env["stock.location"]
        shop, = Location.create([{"name": "Shop", "code": "SHOP", "type": "warehouse"}])
        zones = (shop.storage_location, shop.input_location, shop.output_location)
        assert [(z.code, z.parent, z.type) for z in zones] == [
            ("SHOP-STO", shop, "storage"), ("SHOP-IN", shop, "storage"), ("SHOP-OUT", shop, "storage")]
        shelf, = Location.create([{"name": "Shelf", "type": "storage"}])
        depot, = Location.create([{"name": "Depot", "type": "warehouse", "storage_location": shelf.id}])
        assert depot.storage_location == shelf and depot.input_location.name == "Input"
        assert Location.warehouses() == [depot, shop, Location.warehouse()]


def test_stock_by_site(database, count_statements):
    with database.transaction() as env:
        sites = Sites(env)
        sites.receive(env, sites.pen, 10, sites.central)
        sites.receive(env, sites.pen, 4, sites.shop)
        sites.receive(env, sites.ink, 2.5, sites.shop)
        Move = env["stock.move"]
        Move.do(Move.create([{"product": sites.pen.id, "quantity": 3, "from_location": sites.shop.storage_location.id,
                              "to_location": sites.shop.output_location.id}]))   # inside the shop: no change
        Move.create([{"product": sites.pen.id, "quantity": 1, "from_location": sites.central.storage_location.id,
                      "to_location": sites.customer.id, "planned_date": TODAY + DAY}])
        Location = env["stock.location"]
        central, shop = sites.central.id, sites.shop.id
        with count_statements(database.engine) as counter:
            by_site = Location.quantities_by_warehouse([sites.pen, sites.ink])
        assert by_site == {sites.pen.id: {central: 10.0, shop: 4.0}, sites.ink.id: {central: 0.0, shop: 2.5}}
        assert counter.count == 2
        assert Location.quantities_by_warehouse([sites.pen], date=TODAY + DAY, forecast=True) == {
            sites.pen.id: {central: 9.0, shop: 4.0}}
        assert Location.quantities_by_warehouse([]) == {}


def test_transfer_between_warehouses(database):
    with database.transaction() as env:
        sites = Sites(env)
        sites.receive(env, sites.pen, 6, sites.central)
        Location, Shipment = env["stock.location"], env["stock.shipment.internal"]
        shipment = sites.transfer(env, [{"product": sites.pen.id, "quantity": 10}], planned_date=TODAY + 2 * DAY)
        move, = shipment.moves
        assert (move.from_location, move.to_location, move.planned_date, move.state) == (
            sites.central.storage_location, sites.shop.storage_location, TODAY + 2 * DAY, "draft")
        # planned: counts out of one warehouse and into the other on its date, not before
        forecast = lambda day: Location.quantities_by_warehouse([sites.pen], date=day, forecast=True)[sites.pen.id]
        assert forecast(TODAY + DAY) == {sites.central.id: 6.0, sites.shop.id: 0.0}
        assert forecast(TODAY + 2 * DAY) == {sites.central.id: -4.0, sites.shop.id: 10.0}
        Shipment.write([shipment], {"planned_date": TODAY + 3 * DAY})
        assert move.planned_date == TODAY + 3 * DAY
        Shipment.assign([shipment])                     # 6 of 10 available: split, 4 wait
        assert shipment.state == "waiting"
        assert sorted((m.quantity, m.state) for m in shipment.moves) == [(4.0, "waiting"), (6.0, "assigned")]
        assigned = next(m for m in shipment.moves if m.state == "assigned")
        backorder, = Shipment.done([shipment], {assigned.id: 5})
        assert shipment.state == "done" and backorder.state == "waiting"
        assert (backorder.from_location, backorder.to_location) == (sites.central, sites.shop)
        assert sorted(m.quantity for m in backorder.moves) == [1.0, 4.0]
        assert Location.quantities_by_warehouse([sites.pen])[sites.pen.id] == {sites.central.id: 1.0,
                                                                             sites.shop.id: 5.0}
        Shipment.cancel([backorder])
        assert {m.state for m in backorder.moves} == {"cancelled"}
        with pytest.raises(errors.WorkflowError, match="cannot do"):
            Shipment.done([backorder])


@pytest.mark.parametrize("values, field", [
    ({"to_location": "central"}, "to_location"),
    ({"to_location": "storage"}, "to_location"),
])
def test_a_transfer_goes_between_two_warehouses(database, values, field):
    with database.transaction() as env:
        sites = Sites(env)
        target = sites.central.id if values[field] == "central" else sites.shop.storage_location.id
        with pytest.raises(errors.ValidationError) as info:
            sites.transfer(env, [], **{field: target})
        assert field in info.value.errors
        assert env["stock.shipment.internal"].search([]) == []


def test_transfer_quantities_must_be_finite_numbers(database):
    with database.transaction() as env:
        sites = Sites(env)
        sites.receive(env, sites.ink, 5, sites.central)
        shipment = sites.transfer(env, [{"product": sites.ink.id, "quantity": 2}])
        env["stock.shipment.internal"].assign([shipment])
        with pytest.raises(errors.ValidationError, match="not a quantity"):
            env["stock.shipment.internal"].done([shipment], {shipment.moves[0].id: float("nan")})
        assert shipment.state == "assigned" and shipment.moves[0].state == "assigned"
