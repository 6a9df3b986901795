"""Average cost on receipts, the cost of what leaves, and what the stock is worth (§16)."""
import datetime
import io
from decimal import Decimal as D

import pytest

from core import cli, errors

TODAY = datetime.date.today()


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "purchase", "stock")


class World:
    def __init__(self, env):
        Location = env["stock.location"]
        self.warehouse = Location.warehouse()
        self.supplier, self.customer = Location.by_type("supplier"), Location.by_type("customer")
        self.units = {u.symbol: u for u in env["product.uom"].search([])}
        self.bulb, self.lamp = env["product.product"].create([
            {"name": "Bulb", "default_uom": self.units["u"].id, "cost_price": D("2"), "cost_price_method": "average"},
            {"name": "Lamp", "default_uom": self.units["u"].id, "cost_price": D("20")}])
        self.vendor, self.customer_party = env["party.party"].create([{"name": "Vendor"}, {"name": "Ann"}])

    def receive(self, env, product, quantity, price, unit="u", warehouse=None):
        Purchase = env["purchase.purchase"]
        purchase, = Purchase.create([{"party": self.vendor.id, "warehouse": (warehouse or self.warehouse).id,
                                      "lines": [{"product": product.id, "quantity": quantity,
                                                 "unit": self.units[unit].id, "unit_price": D(price)}]}])
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)

    def ship(self, env, product, quantity, warehouse=None):
        """Goods leaving for a customer, stock or no stock (a negative on hand is possible)."""
        Move = env["stock.move"]
        move, = Move.create([{"product": product.id, "quantity": quantity, "to_location": self.customer.id,
                              "from_location": (warehouse or self.warehouse).storage_location.id}])
        Move.do([move])
        return move


def test_two_receipts_at_different_prices(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 10, "3")
        assert world.bulb.cost_price == D("3.0000")        # nothing on hand: the receipt's price
        world.receive(env, world.bulb, 10, "5")
        assert world.bulb.cost_price == D("4.0000")        # (10 x 3 + 10 x 5) / 20
        world.receive(env, world.bulb, 5, "4.50")
        assert world.bulb.cost_price == D("4.1000")        # (20 x 4 + 5 x 4.5) / 25


def test_a_receipt_in_dozens_of_a_product_counted_in_units(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 12, "2")
        world.receive(env, world.bulb, 2, "30", unit="dz")   # 24 bulbs at 2.50 each
        assert world.bulb.cost_price == D("2.3333")          # (12 x 2 + 24 x 2.5) / 36 = 84 / 36


def test_a_receipt_after_a_negative_on_hand_takes_its_price(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 5, "3")
        world.ship(env, world.bulb, 8)                       # 3 more than there were: -3 on hand
        world.receive(env, world.bulb, 10, "4")
        assert world.bulb.cost_price == D("4.0000")
        world.receive(env, world.bulb, 7, "5")               # 7 on hand at 4, 7 more at 5
        assert world.bulb.cost_price == D("4.5000")


def test_the_average_counts_the_receiving_warehouse_only(database):
    with database.transaction() as env:
        world = World(env)
        north, = env["stock.location"].create([{"name": "North", "code": "N", "type": "warehouse"}])
        world.receive(env, world.bulb, 30, "1", warehouse=north)   # nothing in WH: 1
        world.receive(env, world.bulb, 10, "3")                    # WH had none: the receipt's price
        assert world.bulb.cost_price == D("3.0000")
        world.receive(env, world.bulb, 10, "5")                    # WH: 10 at 3 and 10 at 5
        assert world.bulb.cost_price == D("4.0000")


def test_fixed_cost_does_not_follow_receipts(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.lamp, 4, "25")
        assert world.lamp.cost_price == D("20")


def test_receipts_done_together_apply_in_order(database):
    with database.transaction() as env:
        world = World(env)
        Purchase = env["purchase.purchase"]
        purchase, = Purchase.create([{"party": world.vendor.id, "lines": [
            {"product": world.bulb.id, "quantity": 10, "unit_price": D("3")},
            {"product": world.bulb.id, "quantity": 10, "unit_price": D("5")}]}])
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)
        assert world.bulb.cost_price == D("4.0000")


def test_outgoing_moves_record_the_cost_of_the_moment(database):
    with database.transaction() as env:
        world = World(env)
        world.receive(env, world.bulb, 10, "3")
        first = world.ship(env, world.bulb, 2)
        world.receive(env, world.bulb, 8, "6")
        second = world.ship(env, world.bulb, 1)
        assert (first.cost_price, second.cost_price) == (D("3.0000"), D("4.5000"))   # (8 x 3 + 8 x 6) / 16
        receipt, = env["stock.move"].search([("from_location", "=", world.supplier.id)], limit=1)
        assert receipt.cost_price is None   # recorded on what leaves only
        draft, = env["stock.move"].create([{"product": world.bulb.id, "quantity": 1, "to_location": world.customer.id,
                                             "from_location": world.warehouse.storage_location.id}])
        with pytest.raises(errors.ValidationError, match="cost_price"):
            env["stock.move"].write([draft], {"cost_price": D("1")})


def test_valuation_per_product_and_warehouse(database):
    with database.transaction() as env:
        world = World(env)
        Location = env["stock.location"]
        north, = Location.create([{"name": "North", "code": "N", "type": "warehouse"}])
        world.receive(env, world.bulb, 10, "3")
        world.receive(env, world.lamp, 2, "25")
        world.receive(env, world.lamp, 1, "25", warehouse=north)
        unknown, = env["product.product"].create([{"name": "Mystery", "default_uom": world.units["u"].id}])
        world.receive(env, unknown, 4, "1")
        world.ship(env, world.bulb, 4)
        rows = [(r["product"].name, r["warehouse"].code, r["quantity"], r["cost_price"], r["value"])
                for r in Location.valuation()]
        assert rows == [("Bulb", "WH", 6.0, D("3.0000"), D("18.00")), ("Lamp", "N", 1.0, D("20"), D("20.00")),
                        ("Lamp", "WH", 2.0, D("20"), D("40.00")), ("Mystery", "WH", 4.0, None, None)]
        assert [(r["product"].name, r["quantity"]) for r in Location.valuation(warehouse=north)] == [("Lamp", 1.0)]
        yesterday = TODAY - datetime.timedelta(days=1)
        assert Location.valuation(date=yesterday) == []
        with pytest.raises(errors.UserError, match="not a warehouse"):
            Location.valuation(warehouse=world.supplier)


def test_kitwork_stock_value(database, capsys):
    with database.transaction() as env:
        world = World(env)
        env["stock.location"].create([{"name": "North", "code": "N", "type": "warehouse"}])
        world.receive(env, world.bulb, 10, "3")
        world.receive(env, world.lamp, 2, "25")
    out = io.StringIO()
    assert cli.main(["stock", "value", "--db", database.url], out=out) == 0
    assert out.getvalue().splitlines() == [
        "product  quantity  value", "Bulb         10 u  30.00", "Lamp          2 u  40.00", "total value: 70.00"]
    out = io.StringIO()
    assert cli.main(["stock", "value", "--db", database.url, "--warehouse", "N"], out=out) == 0
    assert out.getvalue() == "no stock\n"
    assert cli.main(["stock", "value", "--db", database.url, "--warehouse", "XX"], out=io.StringIO()) == 1
    assert "no warehouse coded 'XX'" in capsys.readouterr().err
    assert cli.main(["stock", "value", "--db", database.url, "--date", "yesterday"], out=io.StringIO()) == 1
    assert "not a date" in capsys.readouterr().err
