"""Stock: locations, moves, shipments, quantities."""
import datetime

import pytest

from core import errors

DAY = datetime.timedelta(days=1)


@pytest.fixture
def stock_db(kitwork_database):
    return kitwork_database("stock")


class World:
    def __init__(self, env):
        Location = env["stock.location"]
        self.warehouse = Location.warehouse()
        self.storage = self.warehouse.storage_location
        self.input = self.warehouse.input_location
        self.supplier = Location.by_type("supplier")
        self.customer = Location.by_type("customer")
        units = {u.symbol: u for u in env["product.uom"].search([])}
        self.unit, self.dozen = units["u"], units["dz"]
        self.pen, self.ink = env["product.product"].create([
            {"name": "Pen", "default_uom": self.unit.id}, {"name": "Ink", "default_uom": units["kg"].id}])
        self.party, = env["party.party"].create([{"name": "Ann"}])

    def move(self, env, product, quantity, source, destination, **values):
        move, = env["stock.move"].create([{"product": product.id, "quantity": quantity, "from_location": source.id,
                                           "to_location": destination.id, **values}])
        return move

    def receive(self, env, product, quantity, location=None, **values):
        move = self.move(env, product, quantity, self.supplier, location or self.storage, **values)
        env["stock.move"].do([move])
        return move


def test_activation_creates_the_default_locations(stock_db):
    with stock_db.transaction() as env:
        Location = env["stock.location"]
        warehouse = Location.warehouse()
        assert (warehouse.code, warehouse.type) == ("WH", "warehouse")
        assert sorted(c.code for c in warehouse.children) == ["IN", "OUT", "STO"]
        assert (warehouse.storage_location.code, warehouse.input_location.code,
                warehouse.output_location.code) == ("STO", "IN", "OUT")
        assert sorted(l.type for l in Location.search([("parent", "=", None)])) == [
            "customer", "lost_found", "supplier", "warehouse"]


def test_quantities_in_nested_locations(stock_db):
    with stock_db.transaction() as env:
        world, Location = World(env), env["stock.location"]
        shelf, = Location.create([{"name": "Shelf 1", "type": "storage", "parent": world.storage.id}])
        world.receive(env, world.pen, 10, shelf)
        world.receive(env, world.pen, 5, world.input)
        world.receive(env, world.ink, 1.5)
        world.move(env, world.pen, 3, world.supplier, shelf)          # not done: not on hand
        inside = world.move(env, world.pen, 4, shelf, world.input)    # inside the warehouse
        env["stock.move"].do([inside])
        products = [world.pen, world.ink]
        assert Location.quantities(products, world.warehouse) == {world.pen.id: 15.0, world.ink.id: 1.5}
        assert Location.quantities(products, world.storage) == {world.pen.id: 6.0, world.ink.id: 1.5}
        assert Location.quantities([world.pen], shelf) == {world.pen.id: 6.0}
        assert Location.quantities([world.pen], world.input) == {world.pen.id: 9.0}
        assert Location.quantities([world.pen], world.customer) == {world.pen.id: 0.0}


def test_quantities_are_in_the_product_unit(stock_db):
    TODAY = datetime.date.today()   # per test: a run may cross midnight
    with stock_db.transaction() as env:
        world = World(env)
        world.receive(env, world.pen, 2, unit=world.dozen.id)
        world.move(env, world.pen, 1, world.storage, world.customer, unit=world.dozen.id, planned_date=TODAY)
        Location = env["stock.location"]
        assert Location.quantities([world.pen], world.warehouse) == {world.pen.id: 24.0}
        assert Location.quantities([world.pen], world.warehouse, forecast=True) == {world.pen.id: 12.0}


def test_forecast_in_the_past_present_and_future(stock_db):
    TODAY = datetime.date.today()   # per test: a run may cross midnight
    with stock_db.transaction() as env:
        world, Location, Move = World(env), env["stock.location"], env["stock.move"]
        old = world.receive(env, world.pen, 10)
        Move._write([old], {"effective_date": TODAY - 10 * DAY})
        recent = world.receive(env, world.pen, 5)
        Move._write([recent], {"effective_date": TODAY - 2 * DAY})
        world.move(env, world.pen, 4, world.storage, world.customer, planned_date=TODAY + 3 * DAY)
        world.move(env, world.pen, 20, world.supplier, world.storage, planned_date=TODAY + 7 * DAY)
        world.move(env, world.pen, 1, world.storage, world.customer, planned_date=TODAY - DAY)   # late
        cancelled = world.move(env, world.pen, 100, world.supplier, world.storage, planned_date=TODAY)
        Move.cancel([cancelled])
        at = lambda date, forecast: Location.quantities([world.pen], world.warehouse, date, forecast)[world.pen.id]
        assert at(TODAY - 20 * DAY, False) == 0.0
        assert at(TODAY - 5 * DAY, False) == 10.0
        assert at(TODAY - 5 * DAY, True) == 10.0       # the past has no forecast
        assert at(None, False) == 15.0
        assert at(TODAY, True) == 14.0                 # the late delivery is still expected
        assert at(TODAY + 3 * DAY, True) == 10.0
        assert at(TODAY + 7 * DAY, True) == 30.0


def test_one_query_for_many_products(stock_db, count_statements):
    with stock_db.transaction() as env:
        world = World(env)
        products = env["product.product"].create([{"name": f"P{i}", "default_uom": world.unit.id} for i in range(300)])
        env["stock.move"].do(env["stock.move"].create([
            {"product": p.id, "quantity": i + 1, "from_location": world.supplier.id, "to_location": world.storage.id}
            for i, p in enumerate(products)]))
    with stock_db.transaction() as env, count_statements(stock_db.engine) as counter:
        result = env["stock.location"].quantities([p.id for p in products], world.warehouse.id, forecast=True)
    assert counter.count == 2   # the locations inside the warehouse, then the sum
    assert result[products[41].id] == 42.0


def test_partial_assignment_and_backorder(stock_db):
    with stock_db.transaction() as env:
        world, Shipment = World(env), env["stock.shipment.out"]
        world.receive(env, world.pen, 7)
        shipment, = Shipment.create([{"party": world.party.id, "moves": [
            {"product": world.pen.id, "quantity": 10, "from_location": world.storage.id,
             "to_location": world.customer.id}]}])
        Shipment.assign([shipment])
        assert shipment.state == "waiting"
        assert sorted((m.quantity, m.state) for m in shipment.moves) == [(3.0, "waiting"), (7.0, "assigned")]
        other, = Shipment.create([{"party": world.party.id, "moves": [
            {"product": world.pen.id, "quantity": 1, "from_location": world.storage.id,
             "to_location": world.customer.id}]}])
        Shipment.assign([other])   # everything on hand is reserved already
        assert [m.state for m in other.moves] == ["waiting"]
        assigned = next(m for m in shipment.moves if m.state == "assigned")
        backorders = Shipment.ship([shipment], {assigned.id: 5})
        assert shipment.state == "done"
        assert [(m.quantity, m.state) for m in shipment.moves] == [(5.0, "done")]
        backorder, = backorders
        assert (backorder.state, backorder.party) == ("waiting", world.party)
        assert sorted(m.quantity for m in backorder.moves) == [2.0, 3.0]
        Location = env["stock.location"]
        assert Location.quantities([world.pen], world.warehouse)[world.pen.id] == 2.0
        Shipment.assign([backorder])   # first planned, first served: the older move gets the 2 left
        assert sorted((m.quantity, m.state) for m in backorder.moves) == [(1.0, "waiting"), (2.0, "assigned"),
                                                                       (2.0, "waiting")]


def test_receipt_with_backorder(stock_db):
    with stock_db.transaction() as env:
        world, Shipment = World(env), env["stock.shipment.in"]
        shipment, = Shipment.create([{"party": world.party.id, "moves": [
            {"product": world.pen.id, "quantity": 10, "from_location": world.supplier.id,
             "to_location": world.storage.id},
            {"product": world.ink.id, "quantity": 2, "from_location": world.supplier.id,
             "to_location": world.storage.id}]}])
        pens, ink = shipment.moves
        backorder, = Shipment.receive([shipment], {pens.id: 6, ink.id: 0})
        assert [(m.product.name, m.quantity, m.state) for m in shipment.moves] == [("Pen", 6.0, "done")]
        assert sorted((m.product.name, m.quantity) for m in backorder.moves) == [("Ink", 2.0), ("Pen", 4.0)]
        assert env["stock.location"].quantities([world.pen, world.ink], world.warehouse) == {
            world.pen.id: 6.0, world.ink.id: 0.0}
        with pytest.raises(errors.ValidationError, match="not a quantity"):
            Shipment.receive([backorder], {backorder.moves[0].id: 99})
        with pytest.raises(errors.WorkflowError):
            Shipment.receive([shipment])


def test_done_moves_are_history(stock_db):
    TODAY = datetime.date.today()   # per test: a run may cross midnight
    with stock_db.transaction() as env:
        world, Move = World(env), env["stock.move"]
        move = world.receive(env, world.pen, 3)
        with pytest.raises(errors.WorkflowError, match="done"):
            Move.write([move], {"quantity": 4})
        with pytest.raises(errors.WorkflowError, match="done"):
            Move.delete([move])
        with pytest.raises(errors.WorkflowError):
            Move.cancel([move])
        assert (move.quantity, move.state, move.effective_date) == (3.0, "done", TODAY)


@pytest.mark.parametrize("values, field", [
    ({"quantity": 0}, "quantity"),
    ({"quantity": 1, "unit": "kg"}, "unit"),
    ({"quantity": 1, "to_location": "same"}, "to_location"),
    ({"quantity": 1, "state": "done"}, "state"),
])
def test_invalid_moves_persist_nothing(stock_db, values, field):
    with stock_db.transaction() as env:
        world = World(env)
        kg = env["product.uom"].search([("symbol", "=", "kg")])[0].id
    values = {**values, "unit": kg} if values.get("unit") == "kg" else values
    values = {**values, "to_location": world.storage.id} if values.get("to_location") == "same" else values
    with pytest.raises(errors.ValidationError) as info:
        with stock_db.transaction() as env:
            env["stock.move"].create([{"product": world.pen.id, "from_location": world.storage.id,
                                       "to_location": world.customer.id, **values}])
    assert field in info.value.errors
    with stock_db.transaction() as env:
        assert env["stock.move"].search([]) == []


def test_a_moved_product_keeps_its_unit_category(stock_db):
    """A done move counts pens in units; weighing them would turn stock of 5 units into 5 kg."""
    with stock_db.transaction() as env:
        world = World(env)
        move = world.receive(env, world.pen, 5)
        kg, = env["product.uom"].search([("symbol", "=", "kg")])
        with pytest.raises(errors.ValidationError, match=rf"Pen.*Kilogram.*stock\.move {move.id} counts it in Unit"):
            env["product.product"].write([world.pen], {"default_uom": kg.id})
        assert env["product.product"].browse([world.pen.id])[0].default_uom == world.unit
        env["product.product"].write([world.ink], {"default_uom": world.unit.id})   # never moved: fine


def test_assigning_an_assigned_shipment_does_nothing(stock_db):
    """As in Tryton and Odoo (contract §14): no error, no change; done or cancelled ones are still refused."""
    with stock_db.transaction() as env:
        world, Shipment = World(env), env["stock.shipment.out"]
        world.receive(env, world.pen, 10)
        shipment, waiting = Shipment.create([{"party": world.party.id, "moves": [
            {"product": world.pen.id, "quantity": quantity, "from_location": world.storage.id,
             "to_location": world.customer.id}]} for quantity in (4, 9)])
        Shipment.assign([shipment])
        assert shipment.state == "assigned"
        Shipment.assign([shipment])          # again: nothing to do
        Shipment.assign([shipment.id, waiting.id])   # with a waiting one: that one gets what is left
        assert (shipment.state, [(m.quantity, m.state) for m in shipment.moves]) == ("assigned", [(4.0, "assigned")])
        assert sorted((m.quantity, m.state) for m in waiting.moves) == [(3.0, "waiting"), (6.0, "assigned")]
        assert env["stock.location"].quantities([world.pen], world.warehouse)[world.pen.id] == 10.0
        Shipment.ship([shipment])
        with pytest.raises(errors.WorkflowError, match="it is done"):
            Shipment.assign([shipment])
        Shipment.cancel([waiting])
        with pytest.raises(errors.WorkflowError, match="it is cancelled"):
            Shipment.assign([waiting])
