"""Reordering rules (seed 004) and make to order (seed 000), with a frozen today."""
import datetime
import io
from decimal import Decimal

import pytest
from freezegun import freeze_time

from core import cli, errors
from tests.conftest import concurrently

D = datetime.date


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "stock_reorder")


class Shop:
    """Parties, a product bought from a vendor with a lead time, and helpers."""

    def __init__(self, env, lead_time=4, security_days=0, days_to_purchase=0):
        env["stock.reorder.configuration"]._write([env["stock.reorder.configuration"].get()],
                                                  {"security_days": security_days,
                                                   "days_to_purchase": days_to_purchase})
        self.unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        self.vendor, self.customer = [p.id for p in env["party.party"].create([{"name": "Vendor"},
                                                                               {"name": "Customer"}])]
        self.lamp = self.product(env, "Lamp", lead_time)
        Location = env["stock.location"]
        self.warehouse = Location.warehouse().id
        self.storage = Location.warehouse().storage_location.id
        self.supplier_location = Location.by_type("supplier").id

    def product(self, env, name, lead_time=4, vendor=True, **values):
        suppliers = [{"party": self.vendor, "lead_time": lead_time, "unit_price": Decimal("10")}] if vendor else []
        product, = env["product.product"].create([{"name": name, "default_uom": self.unit,
                                                   "list_price": Decimal("20"), "product_suppliers": suppliers,
                                                   **values}])
        return product.id

    def rule(self, env, product=None, **values):
        rule, = env["stock.reorder.rule"].create([{"product": product or self.lamp, **values}])
        return rule

    def confirmed_sale(self, env, quantity, delivery_date, product=None):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.customer, "delivery_date": delivery_date,
                              "lines": [{"product": product or self.lamp, "quantity": quantity}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        return sale

    def receive(self, env, product, quantity):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product, "quantity": quantity, "from_location": self.supplier_location,
                              "to_location": self.storage}]))


def needs(env):
    return {row["product"].name: row for row in env["stock.reorder.rule"].needs()}


@freeze_time("2026-11-26")
def test_demand_due_on_the_forecasted_date_appears(database):
    """Lead times 4 + 1 + 2 days: forecasted date December 3rd; a sale of 5 due that day shows."""
    with database.transaction() as env:
        shop = Shop(env, lead_time=4, security_days=1, days_to_purchase=2)
        shop.rule(env, trigger="manual")
        sale = shop.confirmed_sale(env, 5, D(2026, 12, 3))
        row = needs(env)["Lamp"]
        assert row["forecasted_date"] == D(2026, 12, 3)
        assert row["lead_times"] == {"vendor": 4, "security": 1, "purchase": 2, "horizon": 0}
        assert (row["on_hand"], row["forecast"], row["to_order"]) == (0.0, -5.0, 5.0)
        assert row["trigger"] == "manual" and row["vendor"].id == shop.vendor
        assert "forecast -5 on 2026-12-03" in row["explanation"]
        # the common confusion: a day later, it is not due yet
        env["sale.sale"]._write([sale], {"delivery_date": D(2026, 12, 4)})
        assert needs(env) == {}
        assert env["stock.location"].quantities([shop.lamp], shop.warehouse, D(2026, 12, 31), True) == {
            shop.lamp: 0.0}   # confirmed, not processed: the stock forecast itself has no move yet


@freeze_time("2026-11-04")
def test_visibility_days_group_the_near_future(database):
    with database.transaction() as env:
        shop = Shop(env, lead_time=30)
        shop.confirmed_sale(env, 1, D(2026, 12, 4))    # SO 1: due on the forecasted date
        shop.confirmed_sale(env, 2, D(2026, 12, 19))   # SO 2: within the 20 visibility days
        shop.confirmed_sale(env, 4, D(2026, 12, 25))   # SO 3: one day too late
        shop.rule(env, visibility_days=20)             # (made now, so that no confirmation ordered already)
        row = needs(env)["Lamp"]
        assert (row["forecasted_date"], row["forecast"], row["visibility_demand"], row["to_order"]) == (
            D(2026, 12, 4), -1.0, 2.0, 3.0)
        assert "+ 2 due in the 20 visibility days" in row["explanation"]
        line, = env["stock.reorder.rule"].run_scheduler()
        assert (line.quantity, line.delivery_date, line.purchase.state) == (3.0, D(2026, 12, 4), "draft")


def test_visibility_days_alone_do_not_trigger(database):
    with freeze_time("2026-11-04"):
        with database.transaction() as env:
            shop = Shop(env, lead_time=30)
            shop.rule(env, visibility_days=20)
            shop.confirmed_sale(env, 2, D(2026, 12, 19))   # only SO 2
            assert needs(env) == {}
    with freeze_time("2026-11-05"), database.transaction() as env:
        assert needs(env) == {}
    with freeze_time("2026-11-19"), database.transaction() as env:   # its forecasted date has come
        row = needs(env)["Lamp"]
        assert (row["forecasted_date"], row["to_order"]) == (D(2026, 12, 19), 2.0)


@freeze_time("2026-03-02")
def test_zero_zero_one_reorders_what_the_sale_takes_below_zero(database):
    with database.transaction() as env:
        shop = Shop(env, lead_time=0)
        shop.rule(env, min_quantity=0, max_quantity=0, multiple=1)
        assert needs(env) == {}
        sale = shop.confirmed_sale(env, 1, D(2026, 3, 2))   # auto: ordered as soon as the sale is confirmed
        line, = env["purchase.line"].search([])
        assert (line.quantity, line.origin._name, line.purchase.state) == (1.0, "stock.reorder.rule", "draft")
        assert sale.purchases == []            # not make to order: not linked to the sale
        assert env["stock.reorder.rule"].run_scheduler() == []
        assert env["purchase.line"].search_count() == 1


@freeze_time("2026-03-02")
@pytest.mark.parametrize("minimum, maximum, multiple, on_hand, expected", [
    (5, 20, 4, 0, 20), (5, 20, 4, 2, 20), (5, 20, 4, 3, 20), (5, 20, 1, 3, 17), (0, 3, 5, -1, 5),
    (5, 20, 4, 5, None), (5, 20, 4, 30, None),
])
def test_min_max_and_multiples(database, minimum, maximum, multiple, on_hand, expected):
    with database.transaction() as env:
        shop = Shop(env, lead_time=0)
        shop.rule(env, min_quantity=minimum, max_quantity=maximum, multiple=multiple)
        if on_hand > 0:
            shop.receive(env, shop.lamp, on_hand)
        elif on_hand < 0:
            shop.confirmed_sale(env, -on_hand, D(2026, 3, 2))
            env["purchase.line"]._delete(env["purchase.line"].search([]))   # forget what confirming ordered
        row = needs(env).get("Lamp")
        assert (row["to_order"] if row else None) == expected


@freeze_time("2026-03-02")
def test_manual_rules_wait_for_the_order_action(database):
    with database.transaction() as env:
        shop = Shop(env)
        Rule = env["stock.reorder.rule"]
        manual = shop.rule(env, min_quantity=1, max_quantity=10, trigger="manual")
        chair = shop.product(env, "Chair")
        shop.rule(env, product=chair, min_quantity=1, max_quantity=4)
        assert sorted(needs(env)) == ["Chair", "Lamp"]
        assert [l.product.name for l in Rule.run_scheduler()] == ["Chair"]
        assert sorted(needs(env)) == ["Lamp"]
        line, = Rule.order([manual])
        assert (line.product.name, line.quantity, line.origin) == ("Lamp", 10.0, manual)
        assert "below min 1" in line.reorder_explanation
        assert needs(env) == {}


@freeze_time("2026-03-02")
def test_lines_group_into_the_vendors_draft_purchase(database):
    with database.transaction() as env:
        shop = Shop(env)
        Rule = env["stock.reorder.rule"]
        chair = shop.product(env, "Chair")
        lamp_rule = shop.rule(env, min_quantity=1, max_quantity=10, trigger="manual")
        Rule.order([lamp_rule])
        shop.rule(env, product=chair, min_quantity=1, max_quantity=4)
        Rule.run_scheduler()
        purchase, = env["purchase.purchase"].search([])
        assert sorted((l.product.name, l.quantity) for l in purchase.lines) == [("Chair", 4.0), ("Lamp", 10.0)]
        shop.confirmed_sale(env, 15, D(2026, 3, 6))   # lead time 4: due on the forecasted date
        # the lamp's rule is manual, so confirming did not order: order it from the report
        lamp_line = next(l for l in purchase.lines if l.product.name == "Lamp")
        lines = Rule.order([lamp_rule])   # forecast 10 incoming - 15 sold = -5: 10 - (-5) = 15 more
        assert [(l.id, l.quantity) for l in lines] == [(lamp_line.id, 25.0)]
        assert len(purchase.lines) == 2            # increased, not added
        assert env["purchase.purchase"].search_count() == 1


@freeze_time("2026-03-02")
def test_no_vendor_is_an_exception_not_a_silence(database, capsys):
    with database.transaction() as env:
        shop = Shop(env)
        orphan = shop.product(env, "Orphan", vendor=False)
        shop.rule(env, product=orphan, min_quantity=1, max_quantity=2)
        row = needs(env)["Orphan"]
        assert row["vendor"] is None and "no supplier" in row["exception"]
        assert env["stock.reorder.rule"].run_scheduler() == []


@pytest.mark.parametrize("values, field", [
    ({"min_quantity": 5, "max_quantity": 2}, "max_quantity"),
    ({"multiple": 0}, "multiple"),
    ({"visibility_days": -1}, "visibility_days"),
])
def test_invalid_rules_persist_nothing(database, values, field):
    with database.transaction() as env:
        shop = Shop(env)
    with pytest.raises(errors.ValidationError) as info:
        with database.transaction() as env:
            shop.rule(env, **values)
    assert field in info.value.errors
    with database.transaction() as env:
        assert env["stock.reorder.rule"].search([]) == []


def test_one_rule_per_product_and_warehouse_goods_only(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.rule(env)
        with pytest.raises(errors.ValidationError, match="one rule per product and warehouse"):
            shop.rule(env)
        service = shop.product(env, "Fitting", type="service")
        with pytest.raises(errors.ValidationError, match="Only goods"):
            shop.rule(env, product=service)


def test_make_to_order_end_to_end(database):
    """Seed 000: sale -> purchase (grouped with a second sale's) -> receipt -> available -> delivered."""
    with database.transaction() as env:
        shop = Shop(env, lead_time=3)
        desk = shop.product(env, "Desk", lead_time=3, supply_on_sale=True)
        shop.receive(env, desk, 10)   # stock of the same product elsewhere must not be taken
        Sale, Purchase = env["sale.sale"], env["purchase.purchase"]
        first = shop.confirmed_sale(env, 2, datetime.date.today(), product=desk)
        second = shop.confirmed_sale(env, 3, datetime.date.today(), product=desk)
        purchase, = first.purchases
        assert second.purchases == [purchase]
        assert sorted((l.quantity, l.origin) for l in purchase.lines) == [
            (2.0, first.lines[0]), (3.0, second.lines[0])]
        Sale.process([first])
        delivery, = first.shipments
        env["stock.shipment.out"].assign([delivery])
        assert (delivery.state, delivery.moves[0].state) == ("waiting", "waiting")   # waits for the purchase
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        receipt, = purchase.shipments
        first_move = next(m for m in receipt.moves if m.origin == purchase.lines[0])
        env["stock.shipment.in"].receive([receipt], {first_move.id: 2, receipt.moves[1].id: 0})
        assert (delivery.state, delivery.moves[0].state) == ("assigned", "assigned")
        env["stock.shipment.out"].ship([delivery])
        assert first.state == "done"
        # the second sale's goods arrive on the backorder, after its delivery was made
        Sale.process([second])
        second_delivery, = second.shipments
        assert second_delivery.moves[0].state == "waiting"
        backorder = next(s for s in purchase.shipments if s.state == "waiting")
        env["stock.shipment.in"].receive([backorder])
        assert second_delivery.state == "assigned"


def test_make_to_order_needs_a_supplier(database):
    with database.transaction() as env:
        shop = Shop(env)
        orphan = shop.product(env, "Orphan", vendor=False, supply_on_sale=True)
        with pytest.raises(errors.UserError, match="no supplier"):
            shop.confirmed_sale(env, 1, datetime.date.today(), product=orphan)


def test_make_to_order_kits_buy_their_components(kitwork_database):
    database = kitwork_database("sale", "stock_reorder", "product_kit")
    with database.transaction() as env:
        shop = Shop(env)
        leg = shop.product(env, "Leg", supply_on_sale=True)
        top = shop.product(env, "Top")
        table, = env["product.product"].create([{"name": "Table", "type": "kit", "default_uom": shop.unit,
                                                 "components": [{"product": leg, "quantity": 4},
                                                                {"product": top, "quantity": 1}]}])
        sale = shop.confirmed_sale(env, 2, datetime.date.today(), product=table.id)
        line, = env["purchase.line"].search([])
        assert (line.product.name, line.quantity, line.origin) == ("Leg", 8.0, sale.lines[0].components[0])
        assert sale.purchases == [line.purchase]


def test_rerunning_and_concurrent_schedulers_order_once(database):
    with database.transaction() as env:
        shop = Shop(env)
        for i in range(20):
            shop.rule(env, product=shop.product(env, f"P{i}"), min_quantity=1, max_quantity=5)
    assert concurrently(database.url, lambda env: env["stock.reorder.rule"].run_scheduler()) == []
    with database.transaction() as env:
        lines = env["purchase.line"].search([])
        assert len(lines) == 20 and all(l.quantity == 5.0 for l in lines)
        assert env["stock.reorder.rule"].run_scheduler() == []


def test_replenish_command(database, capsys):
    with database.transaction() as env:
        shop = Shop(env)
        shop.rule(env, min_quantity=2, max_quantity=6)
    out = io.StringIO()
    assert cli.main(["replenish", "--db", database.url, "--dry-run"], out=out) == 0
    assert "Lamp" in out.getvalue() and "dry run: nothing ordered" in out.getvalue()
    assert "to order" in out.getvalue().splitlines()[0]
    with database.transaction() as env:
        assert env["purchase.line"].search([]) == []
    out = io.StringIO()
    assert cli.main(["replenish", "--db", database.url], out=out) == 0
    assert "1 purchase line(s) and 0 transfer move(s) created or increased" in out.getvalue()
    out = io.StringIO()
    assert cli.main(["replenish", "--db", database.url], out=out) == 0
    assert "nothing to reorder now" in out.getvalue()


def test_a_product_with_a_rule_keeps_its_unit_category(database):
    """A rule's minimum and maximum are in the lamp's unit: weighing the lamp would read them as kilograms."""
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule(env, min_quantity=5, max_quantity=10)
        kg, = env["product.uom"].search([("symbol", "=", "kg")])
        with pytest.raises(errors.ValidationError,
                           match=rf"Lamp.*Kilogram.*stock\.reorder\.rule {rule.id} in .* counts it in its former unit"):
            env["product.product"].write([shop.lamp], {"default_uom": kg.id})
        assert env["product.product"].browse([shop.lamp])[0].default_uom.id == shop.unit
        dozen, = env["product.uom"].search([("symbol", "=", "dz")])
        env["product.product"].write([shop.lamp], {"default_uom": dozen.id})   # same category: fine
        lone = shop.product(env, "Shade")
        env["product.product"].write([lone], {"default_uom": kg.id})   # no rule: fine
