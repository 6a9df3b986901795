"""Bills of materials and production orders (§20): workflow, stock at each step, bad input."""
import datetime
from decimal import Decimal as D

import pytest

from core import errors

TODAY = datetime.date.today()


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("production")


class World:
    """A table made of four legs and a top, in the default warehouse."""

    def __init__(self, env):
        Location = env["stock.location"]
        self.warehouse = Location.warehouse()
        self.storage = self.warehouse.storage_location
        self.supplier = Location.by_type("supplier")
        self.units = {u.symbol: u for u in env["product.uom"].search([])}
        u = self.units["u"].id
        Product = env["product.product"]
        self.leg, self.top, self.table, self.screw = Product.create([
            {"name": "Leg", "default_uom": u, "cost_price": D("3")},
            {"name": "Top", "default_uom": u, "cost_price": D("20")},
            {"name": "Table", "default_uom": u, "production_lead_time": 2, "cost_price_method": "average"},
            {"name": "Screw", "default_uom": self.units["kg"].id, "cost_price": D("4")}])
        self.bom, = env["production.bom"].create([{
            "name": "Table from legs and a top",
            "inputs": [{"product": self.leg.id, "quantity": 4}, {"product": self.top.id, "quantity": 1}],
            "outputs": [{"product": self.table.id, "quantity": 1}]}])
        Product.write([self.table], {"boms": [("create", [{"bom": self.bom.id}])]})

    def receive(self, env, product, quantity):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity, "from_location": self.supplier.id,
                              "to_location": self.storage.id}]))

    def on_hand(self, env, *products):
        found = env["stock.location"].quantities(products, self.warehouse)
        return [found[p.id] for p in products]

    @staticmethod
    def finish(env, production):
        """Confirm, reserve the inputs and finish ``production``."""
        Production = env["production.production"]
        Production.wait([production])
        Production.assign([production])
        Production.done([production])

    def produce(self, env, quantity, **values):
        production, = env["production.production"].create([{"product": self.table.id, "quantity": quantity,
                                                             **values}])
        return production


def test_a_production_takes_the_products_first_bom_and_makes_its_moves(database):
    with database.transaction() as env:
        world = World(env)
        other, = env["production.bom"].create([{"name": "Table, heavy", "inputs": [
            {"product": world.leg.id, "quantity": 8}], "outputs": [{"product": world.table.id, "quantity": 2}]}])
        env["product.product"].write([world.table], {"boms": [("create", [{"bom": other.id, "sequence": 5}])]})
        assert [link.bom for link in world.table.boms] == [world.bom, other]
        assert world.table.first_bom == world.bom
        production = world.produce(env, 3)
        assert production.number == "MO0001"
        assert (production.state, production.bom, production.unit) == ("draft", world.bom, world.units["u"])
        assert production.warehouse == world.warehouse
        assert production.planned_date == TODAY + datetime.timedelta(days=2)
        assert production.planned_start_date == TODAY
        place = world.warehouse.production_location
        assert place.type == "production" and place.parent is None
        assert sorted((m.product.name, m.quantity, m.from_location.id, m.to_location.id, m.planned_date, m.state)
                      for m in production.inputs) == [
            ("Leg", 12.0, world.storage.id, place.id, TODAY, "draft"),
            ("Top", 3.0, world.storage.id, place.id, TODAY, "draft")]
        assert [(m.product.name, m.quantity, m.from_location.id, m.to_location.id, m.planned_date)
                for m in production.outputs] == [("Table", 3.0, place.id, world.storage.id, production.planned_date)]
        second, = env["production.production"].create([{"product": world.table.id, "quantity": 1,
                                                        "bom": other.id, "planned_date": TODAY}])
        assert second.number == "MO0002"
        assert [(m.product.name, m.quantity) for m in second.inputs] == [("Leg", 4.0)]


def test_a_draft_follows_its_quantity_and_unit_and_forecasts_count_it(database):
    with database.transaction() as env:
        world = World(env)
        production = world.produce(env, 1, planned_date=TODAY + datetime.timedelta(days=5))
        env["production.production"].write([production], {"quantity": 2, "unit": world.units["dz"].id})
        assert sorted((m.product.name, m.quantity) for m in production.inputs) == [("Leg", 96.0), ("Top", 24.0)]
        assert [(m.product.name, m.quantity, m.unit.symbol) for m in production.outputs] == [("Table", 24.0, "u")]
        assert production.planned_start_date == TODAY + datetime.timedelta(days=3)
        Location = env["stock.location"]
        products = [world.leg, world.top, world.table]
        start, due = production.planned_start_date, production.planned_date
        assert [Location.quantities(products, world.warehouse, date=start, forecast=True)[p.id]
                for p in products] == [-96.0, -24.0, 0.0]
        assert [Location.quantities(products, world.warehouse, date=due, forecast=True)[p.id]
                for p in products] == [-96.0, -24.0, 24.0]
        assert world.on_hand(env, *products) == [0.0, 0.0, 0.0]


def test_the_workflow_with_stock_checked_at_each_step(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        world.receive(env, world.leg, 10)
        world.receive(env, world.top, 5)
        production = world.produce(env, 2)
        Production.wait([production])
        assert production.state == "waiting"
        assert {m.state for m in production.inputs + production.outputs} == {"waiting"}
        with pytest.raises(errors.WorkflowError, match="inputs must be assigned first"):
            Production.done([production])
        assert production.state == "waiting"
        assert Production.assign([production]) == [production]
        assert production.state == "assigned"
        assert {m.state for m in production.inputs} == {"assigned"}
        assert world.on_hand(env, world.leg, world.top, world.table) == [10.0, 5.0, 0.0]
        Production.run([production])
        assert production.state == "running"
        assert world.on_hand(env, world.leg, world.top, world.table) == [2.0, 3.0, 0.0]
        Production.done([production])
        assert production.state == "done"
        assert world.on_hand(env, world.leg, world.top, world.table) == [2.0, 3.0, 2.0]
        assert {m.state for m in production.inputs + production.outputs} == {"done"}
        assert {m.effective_date for m in production.outputs} == {TODAY}
        with pytest.raises(errors.WorkflowError, match="is done: it cannot be changed"):
            Production.write([production], {"quantity": 5})
        with pytest.raises(errors.WorkflowError):
            Production.cancel([production])


def test_done_straight_from_assigned_consumes_and_makes(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        world.receive(env, world.leg, 4)
        world.receive(env, world.top, 1)
        production = world.produce(env, 1)
        world.finish(env, production)
        assert world.on_hand(env, world.leg, world.top, world.table) == [0.0, 0.0, 1.0]


def test_a_shortage_keeps_the_production_waiting_and_says_what_it_lacks(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        world.receive(env, world.leg, 5)
        world.receive(env, world.top, 2)
        production = world.produce(env, 2)
        Production.wait([production])
        assert Production.assign([production]) == []
        assert production.state == "waiting"
        assert any("waits: 3 u of Leg not available" in w.message for w in env.warnings)
        with pytest.raises(errors.WorkflowError, match="inputs must be assigned first"):
            Production.run([production])
        world.receive(env, world.leg, 3)
        assert Production.assign([production]) == [production]
        assert production.state == "assigned"
        assert sum(m.quantity for m in production.inputs if m.product == world.leg) == 8.0
        Production.done([production])
        assert world.on_hand(env, world.leg, world.top, world.table) == [0.0, 0.0, 2.0]


def test_done_is_refused_while_an_input_is_no_longer_reserved(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        world.receive(env, world.leg, 4)
        world.receive(env, world.top, 1)
        production = world.produce(env, 1)
        Production.wait([production])
        Production.assign([production])
        leg_move, = [m for m in production.inputs if m.product == world.leg]
        env["stock.move"].wait([leg_move])   # the reservation was released (a stock count, say)
        with pytest.raises(errors.WorkflowError, match="input Leg .* is waiting, not assigned"):
            Production.done([production])
        assert production.state == "assigned"
        assert world.on_hand(env, world.leg, world.top, world.table) == [4.0, 1.0, 0.0]


def test_cancel_releases_the_reservations(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        world.receive(env, world.leg, 4)
        world.receive(env, world.top, 1)
        first, second = world.produce(env, 1), world.produce(env, 1)
        Production.wait([first, second])
        assert Production.assign([first]) == [first]
        assert Production.assign([second]) == []
        Production.cancel([first])
        assert first.state == "cancelled"
        assert {m.state for m in first.inputs + first.outputs} == {"cancelled"}
        assert Production.assign([second]) == [second]
        Production.done([second])
        assert world.on_hand(env, world.leg, world.top, world.table) == [0.0, 0.0, 1.0]
        with pytest.raises(errors.WorkflowError, match="only a draft or cancelled"):
            Production.delete([second])
        Production.delete([first])


def test_outputs_cost_what_the_inputs_consumed_cost(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        world.receive(env, world.leg, 8)
        world.receive(env, world.top, 2)
        production = world.produce(env, 2)
        world.finish(env, production)
        assert [m.cost_price for m in production.inputs] == [D("3"), D("20")]
        output, = production.outputs
        assert output.unit_price == D("32")   # 4 × 3 + 20
        assert world.table.cost_price == D("32")
        env["product.product"].write([world.leg], {"cost_price": D("5.5")})
        again = world.produce(env, 2)
        world.receive(env, world.leg, 8)
        world.receive(env, world.top, 2)
        world.finish(env, again)
        assert again.outputs[0].unit_price == D("42")
        assert world.table.cost_price == D("37")   # (2 × 32 + 2 × 42) / 4


def test_several_outputs_share_the_cost_by_list_value_and_unknown_costs_are_said(database):
    with database.transaction() as env:
        world = World(env)
        Product, Production = env["product.product"], env["production.production"]
        u = world.units["u"].id
        plank, offcut = Product.create([
            {"name": "Plank", "default_uom": u, "list_price": D("9"), "cost_price_method": "average"},
            {"name": "Offcut", "default_uom": u, "list_price": D("1"), "cost_price_method": "average"}])
        saw, = env["production.bom"].create([{"name": "Saw", "inputs": [{"product": world.top.id, "quantity": 1}],
                                               "outputs": [{"product": plank.id, "quantity": 2},
                                                           {"product": offcut.id, "quantity": 2}]}])
        world.receive(env, world.top, 1)
        production, = Production.create([{"product": plank.id, "quantity": 2, "bom": saw.id}])
        world.finish(env, production)
        assert (plank.cost_price, offcut.cost_price) == (D("9"), D("1"))   # 20 shared 18 / 2
        mystery, = Product.create([{"name": "Mystery", "default_uom": u}])
        odd, = env["production.bom"].create([{"name": "Odd", "inputs": [{"product": mystery.id, "quantity": 1}],
                                              "outputs": [{"product": plank.id, "quantity": 1}]}])
        world.receive(env, mystery, 1)
        production, = Production.create([{"product": plank.id, "quantity": 1, "bom": odd.id}])
        world.finish(env, production)
        assert plank.cost_price == D("9")
        assert any("cost of its outputs is unknown" in w.message for w in env.warnings)


def count(env, model):
    return len(env[model].search([]))


@pytest.mark.parametrize("case, message, field", [
    ("no output", "needs at least one output", "outputs"),
    ("output is an input", "Table would be needed to make itself", "inputs"),
    ("zero", "quantity must be greater than zero", "quantity"),
    ("negative output", "quantity must be greater than zero", "quantity"),
    ("other unit category", "unit Kilogram does not measure Leg", "unit"),
])
def test_bad_boms_are_refused_and_nothing_is_saved(database, case, message, field):
    with database.transaction() as env:
        world = World(env)
        leg, table = world.leg.id, world.table.id
        kg = world.units["kg"].id
        bom = {"no output": {"inputs": [{"product": leg, "quantity": 1}]},
               "output is an input": {"inputs": [{"product": table, "quantity": 1}],
                                      "outputs": [{"product": table, "quantity": 1}]},
               "zero": {"inputs": [{"product": leg, "quantity": 0}], "outputs": [{"product": table, "quantity": 1}]},
               "negative output": {"inputs": [{"product": leg, "quantity": 1}],
                                   "outputs": [{"product": table, "quantity": -2}]},
               "other unit category": {"inputs": [{"product": leg, "quantity": 1, "unit": kg}],
                                       "outputs": [{"product": table, "quantity": 1}]}}[case]
        before = [count(env, m) for m in ("production.bom", "production.bom.input", "production.bom.output")]
        with pytest.raises(errors.ValidationError, match=message) as caught:
            env["production.bom"].create([{"name": "Bad", **bom}])
        assert field in caught.value.errors
        assert [count(env, m) for m in ("production.bom", "production.bom.input", "production.bom.output")] == before


def test_a_cycle_through_several_boms_is_refused(database):
    with database.transaction() as env:
        world = World(env)
        Bom = env["production.bom"]
        legs, = Bom.create([{"name": "Legs from screws", "inputs": [{"product": world.screw.id, "quantity": 1}],
                             "outputs": [{"product": world.leg.id, "quantity": 4}]}])
        with pytest.raises(errors.ValidationError, match=r"would be needed to make itself \((Screw|Table|Leg) -> "):
            Bom.create([{"name": "Screws from tables", "inputs": [{"product": world.table.id, "quantity": 1}],
                         "outputs": [{"product": world.screw.id, "quantity": 100}]}])
        assert [b.name for b in Bom.search([])] == ["Legs from screws", "Table from legs and a top"]
        with pytest.raises(errors.ValidationError, match="needed to make itself"):   # a line changed closes it too
            Bom.write([legs], {"inputs": [("write", [legs.inputs[0].id], {"product": world.table.id,
                                                                          "unit": world.units["u"].id})]})
        assert legs.inputs[0].product == world.screw
        with pytest.raises(errors.ValidationError, match="needed to make itself"):   # a line added to a BOM too
            env["production.bom.input"].create([{"bom": legs.id, "product": world.table.id, "quantity": 1}])
        assert len(legs.inputs) == 1
        with pytest.raises(errors.ValidationError, match="at least one output"):
            env["production.bom.output"].delete(list(world.bom.outputs))
        assert len(world.bom.outputs) == 1


def test_bad_productions_are_refused_and_nothing_is_saved(database):
    with database.transaction() as env:
        world = World(env)
        Production = env["production.production"]
        cases = [({"quantity": 0}, "quantity"), ({"quantity": -1}, "quantity"),
                 ({"quantity": 1, "unit": world.units["kg"].id}, "unit"),
                 ({"quantity": 1, "product": world.leg.id, "bom": world.bom.id}, "bom"),
                 ({"quantity": 1, "warehouse": world.storage.id}, "warehouse")]
        for values, field in cases:
            with pytest.raises(errors.ValidationError) as caught:
                Production.create([{"product": world.table.id, **values}])
            assert field in caught.value.errors, values
            assert "production.production" in str(caught.value)
        assert Production.search([]) == [] and env["stock.move"].search([]) == []
        with pytest.raises(errors.ValidationError, match="bill of materials .*Table from legs.* does not make Leg"):
            env["product.product"].write([world.leg], {"boms": [("create", [{"bom": world.bom.id}])]})
        assert world.leg.boms == []


def test_a_new_warehouse_gets_its_production_location(database):
    with database.transaction() as env:
        world = World(env)
        north, = env["stock.location"].create([{"name": "North", "code": "N", "type": "warehouse"}])
        place = north.production_location
        assert (place.name, place.code, place.type) == ("North production", "N-PROD", "production")
        world.receive(env, world.leg, 4)
        production = world.produce(env, 1, warehouse=north.id)
        assert {m.from_location for m in production.inputs} == {north.storage_location}
        assert {m.to_location for m in production.outputs} == {north.storage_location}


def test_activation_on_a_database_in_use_gives_each_warehouse_a_production_location(kitwork_database):
    database = kitwork_database("stock")
    with database.transaction() as env:
        Location, Move = env["stock.location"], env["stock.move"]
        north, = Location.create([{"name": "North", "code": "N", "type": "warehouse"}])
        leg, = env["product.product"].create([{"name": "Leg", "default_uom": env["product.uom"].search(
            [("symbol", "=", "u")])[0].id}])
        Move.do(Move.create([{"product": leg.id, "quantity": 4, "from_location": Location.by_type("supplier").id,
                              "to_location": north.storage_location.id}]))
    database.activate("production")
    with database.transaction() as env:
        Location = env["stock.location"]
        warehouses = Location.warehouses()
        assert sorted((w.code, w.production_location.code, w.production_location.type) for w in warehouses) == [
            ("N", "N-PROD", "production"), ("WH", "WH-PROD", "production")]
        north, = Location.search([("code", "=", "N")])
        leg, = env["product.product"].search([("name", "=", "Leg")])
        assert leg.production_lead_time == 0
        table, = env["product.product"].create([{"name": "Table", "default_uom": leg.default_uom.id}])
        bom, = env["production.bom"].create([{"name": "T", "inputs": [{"product": leg.id, "quantity": 4}],
                                              "outputs": [{"product": table.id, "quantity": 1}]}])
        Production = env["production.production"]
        production, = Production.create([{"product": table.id, "bom": bom.id, "quantity": 1,
                                          "warehouse": north.id}])
        World.finish(env, production)
        assert Location.quantities([leg, table], north) == {leg.id: 0.0, table.id: 1.0}
