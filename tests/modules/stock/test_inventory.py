"""Physical inventories (§16): count, confirm, the stock becomes what was counted."""
import datetime
import os
import queue
import threading

import pytest

from core import errors

TODAY = datetime.date.today()


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "stock")


class World:
    def __init__(self, env):
        Location = env["stock.location"]
        self.warehouse = Location.warehouse()
        self.storage = self.warehouse.storage_location
        self.supplier, self.customer = Location.by_type("supplier"), Location.by_type("customer")
        units = {u.symbol: u for u in env["product.uom"].search([])}
        self.bulb, self.cable, self.fitting = env["product.product"].create([
            {"name": "Bulb", "default_uom": units["u"].id}, {"name": "Cable", "default_uom": units["kg"].id},
            {"name": "Fitting", "type": "service", "default_uom": units["u"].id}])
        self.party, = env["party.party"].create([{"name": "Ann"}])

    def receive(self, env, product, quantity, location=None):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity, "from_location": self.supplier.id,
                              "to_location": (location or self.storage).id}]))

    def on_hand(self, env, product, location=None):
        return env["stock.location"].quantities([product], location or self.warehouse)[product.id]

    def sale(self, env, product, quantity):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.party.id, "lines": [{"product": product.id, "quantity": quantity}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        return sale


def test_a_count_with_a_loss_and_a_gain(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 10)
        world.receive(env, world.cable, 2.5)
        Inventory = env["stock.inventory"]
        inventory, = Inventory.create([{"lines": [{"product": world.bulb.id, "quantity": 8},
                                                  {"product": world.cable.id, "quantity": 3}]}])
        assert (inventory.warehouse, inventory.date, inventory.state) == (world.warehouse, TODAY, "draft")
        Inventory.confirm([inventory])
        assert inventory.state == "done"
        assert [(l.product.name, l.expected_quantity, l.quantity) for l in inventory.lines] == [
            ("Bulb", 10.0, 8.0), ("Cable", 2.5, 3.0)]
        assert (world.on_hand(env, world.bulb), world.on_hand(env, world.cable)) == (8.0, 3.0)
        lost_found = world.warehouse.lost_found_location
        assert lost_found.type == "lost_found" and lost_found not in world.warehouse.children
        assert world.on_hand(env, world.bulb, lost_found) == 2.0      # the loss went there
        assert world.on_hand(env, world.cable, lost_found) == -0.5    # the gain came from there
        moves = env["stock.move"].search([("origin", "in", [f"stock.inventory.line,{l.id}" for l in inventory.lines])])
        assert sorted((m.product.name, m.quantity, m.state, m.effective_date) for m in moves) == [
            ("Bulb", 2.0, "done", TODAY), ("Cable", 0.5, "done", TODAY)]
        assert moves[0].cost_price is None   # the bulb's cost is unknown: recorded as such


def test_complete_lines_keeps_existing_counts_and_adds_the_rest(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 4)
        world.receive(env, world.cable, 1)
        Location = env["stock.location"]
        north, = Location.create([{"name": "North", "code": "N", "type": "warehouse"}])
        elsewhere, = env["product.product"].create([{"name": "Elsewhere", "default_uom": world.bulb.default_uom.id}])
        world.receive(env, elsewhere, 3, north.storage_location)
        Inventory = env["stock.inventory"]
        inventory, = Inventory.create([{"lines": [{"product": world.bulb.id, "quantity": 5}]}])
        Inventory.complete_lines([inventory])
        Inventory.complete_lines([inventory])   # twice: nothing more
        assert [(l.product.name, l.quantity) for l in inventory.lines] == [("Bulb", 5.0), ("Cable", None)]
        Inventory.confirm([inventory])
        assert (world.on_hand(env, world.bulb), world.on_hand(env, world.cable)) == (5.0, 1.0)   # uncounted: kept
        assert world.on_hand(env, elsewhere, north) == 3.0


def test_a_new_warehouse_gets_its_lost_and_found_and_is_counted_there(database):
    with database.transaction() as env:
        world = World(env)
        north, = env["stock.location"].create([{"name": "North", "code": "N", "type": "warehouse"}])
        assert (north.lost_found_location.code, north.lost_found_location.type) == ("N-LOST", "lost_found")
        world.receive(env, world.bulb, 6, north.storage_location)
        inventory, = env["stock.inventory"].create([{"warehouse": north.id, "lines": [
            {"product": world.bulb.id, "quantity": 1}]}])
        env["stock.inventory"].confirm([inventory])
        assert world.on_hand(env, world.bulb, north) == 1.0
        assert world.on_hand(env, world.bulb, north.lost_found_location) == 5.0
        assert world.on_hand(env, world.bulb, world.warehouse.lost_found_location) == 0.0


def test_reservations_the_count_no_longer_covers_are_released_and_said(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 10)
        first, second = world.sale(env, world.bulb, 4), world.sale(env, world.bulb, 5)
        Shipment = env["stock.shipment.out"]
        Shipment.assign(first.shipments + second.shipments)
        assert [s.state for s in first.shipments + second.shipments] == ["assigned", "assigned"]
        inventory, = env["stock.inventory"].create([{"lines": [{"product": world.bulb.id, "quantity": 6}]}])
        env["stock.inventory"].confirm([inventory])
        assert (first.shipments[0].state, second.shipments[0].state) == ("assigned", "waiting")
        warning, = [w for w in env.warnings if w.key == "stock.inventory.reservation_released"]
        assert warning.record == second.shipments[0].moves[0] and "waits for goods again" in warning.message
        assert world.on_hand(env, world.bulb) == 6.0


@pytest.mark.parametrize("case", ["negative", "service", "twice", "another inventory's line"])
def test_bad_counts_are_refused_and_nothing_changes(database, snapshot, case):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 3)
        Inventory = env["stock.inventory"]
        other, = Inventory.create([{"lines": [{"product": world.cable.id, "quantity": 1}]}])
        inventory, = Inventory.create([{"lines": [{"product": world.bulb.id, "quantity": 2}]}])
        before = snapshot(env)
        lines, message = {
            "negative": ([("write", [inventory.lines[0].id], {"quantity": -1})], "cannot be negative"),
            "service": ([("create", [{"product": world.fitting.id, "quantity": 1}])], "not stocked"),
            "twice": ([("create", [{"product": world.bulb.id, "quantity": 1}])], "counted twice"),
            "another inventory's line": ([("write", [other.lines[0].id], {"quantity": 5})], "do not belong"),
        }[case]
        with pytest.raises(errors.ValidationError, match=message):
            Inventory.write([inventory], {"lines": lines})
        assert snapshot(env) == before


def test_confirming_twice_or_changing_a_done_inventory_is_refused(database, snapshot):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 3)
        Inventory, Line = env["stock.inventory"], env["stock.inventory.line"]
        inventory, = Inventory.create([{"lines": [{"product": world.bulb.id, "quantity": 2}]}])
        Inventory.confirm([inventory])
        cancelled, = Inventory.create([{}])
        Inventory.cancel([cancelled])
        before = snapshot(env)
        for call, message in [
                (lambda: Inventory.confirm([inventory]), "confirm"),
                (lambda: Inventory.confirm([cancelled]), "confirm"),
                (lambda: Inventory.cancel([inventory]), "cancel"),
                (lambda: Line.write(inventory.lines, {"quantity": 1}), "done"),
                (lambda: Line.create([{"inventory": inventory.id, "product": world.cable.id, "quantity": 1}]), "done"),
                (lambda: Inventory.complete_lines([inventory]), "done"),
                (lambda: Inventory.delete([inventory]), "done")]:
            with pytest.raises(errors.WorkflowError, match=message):
                call()
            assert snapshot(env) == before
        draft, = Inventory.create([{"lines": [{"product": world.bulb.id, "quantity": 1}]}])
        with pytest.raises(errors.ValidationError, match="expected_quantity"):
            Line.write(draft.lines, {"expected_quantity": 9})   # read-only, even on a draft
        assert world.on_hand(env, world.bulb) == 2.0


def test_the_warehouse_must_be_a_warehouse(database):
    with database.transaction() as env:
        world = World(env)
        with pytest.raises(errors.ValidationError, match="is not a warehouse"):
            env["stock.inventory"].create([{"warehouse": world.storage.id}])
        assert env["stock.inventory"].search([]) == []


@pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="concurrent transactions: PostgreSQL")
@pytest.mark.parametrize("first", ["count", "shipment"])
def test_a_sale_shipping_while_an_inventory_is_confirmed(database, first):
    """Two real transactions: the shipment's goods are counted once, whichever commits first."""
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 10)
        sale = world.sale(env, world.bulb, 3)
        env["stock.shipment.out"].assign(sale.shipments)
        shipment_id = sale.shipments[0].id
        inventory, = env["stock.inventory"].create([{"lines": [{"product": world.bulb.id, "quantity": 10}]}])
        inventory_id = inventory.id
    steps = {name: (threading.Event(), threading.Event()) for name in ("count", "shipment")}   # (go, done)
    errors_seen = queue.Queue()

    def run(name, work):
        go, done = steps[name]
        try:
            with database.transaction() as env:
                work(env)
                done.set()
                assert go.wait(60)   # hold the transaction open until told to commit
        except BaseException as exc:
            errors_seen.put(exc)
            done.set()

    threads = {
        "count": threading.Thread(target=run, args=("count", lambda env: env["stock.inventory"].confirm(
            env["stock.inventory"].browse([inventory_id])))),
        "shipment": threading.Thread(target=run, args=("shipment", lambda env: env["stock.shipment.out"].ship(
            env["stock.shipment.out"].browse([shipment_id]))))}
    second = "shipment" if first == "count" else "count"
    threads[first].start()
    assert steps[first][1].wait(60)          # the first has done its work, uncommitted
    threads[second].start()
    steps[first][0].set()                    # the first commits (the second may have waited for it)
    threads[first].join(60)
    assert steps[second][1].wait(60)
    steps[second][0].set()
    threads[second].join(60)
    assert errors_seen.empty(), errors_seen.get()
    with database.transaction() as env:
        world_bulb, = env["product.product"].search([("name", "=", "Bulb")])
        inventory, = env["stock.inventory"].browse([inventory_id])
        on_hand = env["stock.location"].quantities([world_bulb], env["stock.location"].warehouse())[world_bulb.id]
        counted_before_shipping = inventory.lines[0].expected_quantity == 10.0
        # The count of 10 holds for the moment it was taken: a shipment after it leaves 7, one before it 10.
        assert on_hand == (7.0 if counted_before_shipping else 10.0)
        assert env["stock.shipment.out"].browse([shipment_id])[0].state == "done"


def test_upgrading_a_database_gives_its_warehouses_a_lost_and_found(kitwork_database):
    """stock_0004 on a database already holding warehouses (made at stock_0003)."""
    from alembic import command

    from core import migration

    database = kitwork_database("stock")
    with database.transaction() as env:
        env["stock.location"].create([{"name": "North", "code": "N", "type": "warehouse"},
                                      {"name": "Depot", "type": "warehouse"}])
    with database.engine.begin() as connection:   # back to the revision before, as an older database would be
        cfg = migration.config(connection, database.available_modules())
        command.downgrade(cfg, "stock@stock_0003")
        connection.exec_driver_sql("DELETE FROM stock_location WHERE type = 'lost_found' AND code != 'LOST'")
    database.upgrade()
    with database.transaction() as env:
        places = {w.name: w.lost_found_location for w in env["stock.location"].warehouses()}
        assert {name: (p.code, p.type) for name, p in places.items()} == {
            "Warehouse": ("LOST", "lost_found"), "North": ("N-LOST", "lost_found"), "Depot": (None, "lost_found")}
        assert places["Depot"].name == "Depot lost and found" and places["Depot"].parent is None
