"""Replenishment operations (§17): supplier prices and minimums in proposals, archive, snooze, order as edited."""
import datetime
import io
from decimal import Decimal

import pytest
from freezegun import freeze_time

from core import cli, errors

D = datetime.date
TODAY = D(2026, 3, 2)


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "stock_reorder")


class Shop:
    """A lamp bought from Lumen (first: 10.00, 8.00 from 20, lead time 2) or Volt (second: 9.00, lead time 5)."""

    def __init__(self, env):
        self.env = env
        self.unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        self.lumen, self.volt, self.customer = env["party.party"].create(
            [{"name": "Lumen"}, {"name": "Volt"}, {"name": "Customer"}])
        self.lamp = self.product("Lamp")
        self.warehouse = env["stock.location"].warehouse()
        self.Rule = env["stock.reorder.rule"]

    def product(self, name, **values):
        product, = self.env["product.product"].create([{
            "name": name, "default_uom": self.unit, "list_price": Decimal("30"), "cost_price": Decimal("7"),
            "product_suppliers": [
                {"party": self.lumen.id, "sequence": 1, "lead_time": 2, "unit_price": Decimal("10"),
                 "prices": [{"min_quantity": 20, "unit_price": Decimal("8")}]},
                {"party": self.volt.id, "sequence": 2, "lead_time": 5, "unit_price": Decimal("9"),
                 "prices": [{"min_quantity": 10, "unit_price": Decimal("8.50")}]}], **values}])
        return product

    def supplier(self, party, product=None):
        return self.env["purchase.product_supplier"].search([("product", "=", (product or self.lamp).id),
                                                             ("party", "=", party.id)])[0]

    def rule(self, product=None, **values):
        rule, = self.Rule.create([{"product": (product or self.lamp).id, "min_quantity": 5, "max_quantity": 12,
                                   "trigger": "manual", **values}])
        return rule

    def needs(self):
        return {row["rule"]: row for row in self.Rule.needs()}

    def sale(self, quantity, product=None):
        Sale = self.env["sale.sale"]
        sale, = Sale.create([{"party": self.customer.id, "delivery_date": TODAY, "lines": [
            {"product": (product or self.lamp).id, "quantity": quantity}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        return sale


@freeze_time(TODAY)
def test_a_row_carries_unit_min_max_and_the_suppliers_price_for_the_quantity(database):
    """12 lamps at Lumen's 10.00; with max 30, 30 lamps reach Lumen's break from 20: 8.00 each."""
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule()
        row = shop.needs()[rule]
        assert (row["to_order"], row["unit"].symbol, row["min_quantity"], row["max_quantity"]) == (12.0, "u", 5.0, 12.0)
        assert (row["vendor"], row["supplier"], row["unit_price"], row["price_reason"], row["amount"]) == (
            shop.lumen, shop.supplier(shop.lumen), Decimal("10"), "supplier price", Decimal("120.00"))
        assert row["explanation"].endswith("-> order 12 at 10.00 (supplier price)")
        shop.Rule.write([rule], {"max_quantity": 30})
        row = shop.needs()[rule]
        assert (row["to_order"], row["unit_price"], row["price_reason"], row["amount"]) == (
            30.0, Decimal("8"), "supplier price from 20", Decimal("240.00"))
        line, = shop.Rule.order([rule])
        assert (line.quantity, line.unit_price, line.price_reason, line.purchase.party) == (
            30.0, Decimal("8"), "supplier price from 20", shop.lumen)


@freeze_time(TODAY)
def test_a_proposal_is_raised_to_the_suppliers_minimum_and_says_so(database):
    with database.transaction() as env:
        shop = Shop(env)
        env["purchase.product_supplier"].write([shop.supplier(shop.lumen)], {"min_quantity": 25})
        rule = shop.rule(multiple=4)
        row = shop.needs()[rule]
        assert (row["to_order"], row["unit_price"], row["amount"]) == (28.0, Decimal("8"), Decimal("224.00"))
        assert "12, raised to Lumen's minimum order of 25 and up to a multiple of 4 -> order 28" in row["explanation"]
        line, = shop.Rule.order([rule])
        assert (line.quantity, line.unit_price) == (28.0, Decimal("8"))
        assert "minimum order of 25" in line.reorder_explanation


@freeze_time(TODAY)
def test_an_archived_rule_is_left_out_even_when_a_sale_needs_it(database):
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule(trigger="auto", active=False)
        shop.sale(3)
        assert shop.needs() == {} and shop.Rule.run_scheduler() == [] and shop.Rule.order([rule]) == []
        assert env["purchase.line"].search([]) == []
        assert [p["rule"] for p in shop.Rule.projection([rule])] == [rule]   # its chart still shows
        shop.Rule.write([rule], {"active": True})
        line, = shop.Rule.run_scheduler()
        assert line.quantity == 15.0   # max 12 - forecast -3


@freeze_time(TODAY)
def test_a_snoozed_rule_waits_until_its_date(database):
    with database.transaction() as env:
        shop = Shop(env)
        rule, other = shop.rule(trigger="auto"), shop.rule(product=shop.product("Shade"))
        shop.Rule.snooze([rule.id], TODAY + datetime.timedelta(days=7))
        assert rule.snoozed_until == D(2026, 3, 9) and list(shop.needs()) == [other]
        assert shop.Rule.run_scheduler() == [] and shop.Rule.order([rule]) == []
    with freeze_time(D(2026, 3, 8)), database.transaction() as env:
        assert [row["rule"].id for row in env["stock.reorder.rule"].needs()] == [other.id]
    with freeze_time(D(2026, 3, 9)), database.transaction() as env:
        Rule = env["stock.reorder.rule"]
        assert [row["rule"].id for row in Rule.needs()] == [rule.id, other.id]
        Rule.snooze([rule], D(2026, 3, 9))   # today: awake
        Rule.snooze([other], D(2026, 4, 1))
        Rule.snooze([other], None)           # woken up
        assert [row["rule"].id for row in Rule.needs()] == [rule.id, other.id]


@freeze_time(TODAY)
def test_a_snooze_date_in_the_past_is_refused_and_nothing_is_saved(database):
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule()
        yesterday = TODAY - datetime.timedelta(days=1)
        for refused, field in (
                (lambda: shop.Rule.snooze([rule], yesterday), "snoozed_until"),
                (lambda: shop.Rule.write([rule], {"max_quantity": 40, "snoozed_until": yesterday}), "snoozed_until"),
                (lambda: shop.Rule.create([{"product": shop.product("Shade").id, "snoozed_until": yesterday}]),
                 "snoozed_until"),
                (lambda: shop.Rule.snooze([rule], "next week"), "until")):   # the method's parameter
            with pytest.raises(errors.ValidationError) as info:
                refused()
            assert field in info.value.errors
        assert "stock.reorder.rule" in str(info.value)
        assert (rule.snoozed_until, rule.max_quantity, shop.Rule.search_count()) == (None, 12.0, 1)


@freeze_time(TODAY)
def test_order_takes_quantities_by_hand_and_another_vendor_at_its_prices(database):
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule()
        calm = shop.rule(product=shop.product("Shade"), min_quantity=0)   # nothing to propose
        env["purchase.product_supplier"].write([shop.supplier(shop.volt)], {"min_quantity": 50})
        lines = shop.Rule.order([rule, calm], quantities={rule.id: 10, calm.id: 3}, vendor=shop.volt)
        assert [(l.product.name, l.quantity, l.unit_price, l.price_reason, l.purchase.party, l.delivery_date)
                for l in lines] == [
            ("Lamp", 10.0, Decimal("8.5"), "supplier price from 10", shop.volt, D(2026, 3, 7)),
            ("Shade", 3.0, Decimal("9"), "supplier price", shop.volt, D(2026, 3, 7))]
        lamp, shade = lines
        assert "10 given by hand instead (below Volt's minimum order of 50)" in lamp.reorder_explanation
        assert "is not below min 0: nothing to propose; 3 given by hand instead" in shade.reorder_explanation
        shop.Rule.order([rule], quantities={rule.id: 5})       # Lumen's draft purchase
        again = shop.Rule.order([rule], quantities={rule.id: 15})
        assert [(l.id, l.quantity, l.unit_price, l.price_reason) for l in again] == [
            (again[0].id, 20.0, Decimal("8"), "supplier price from 20")]   # increased: priced for 20


@freeze_time(TODAY)
@pytest.mark.parametrize("quantities, vendor, field", [
    ({1: -2}, None, "quantities"), ({1: 0}, None, "quantities"), ({1: "ten"}, None, "quantities"),
    ({1: Decimal("NaN")}, None, "quantities"), ({1: float("inf")}, None, "quantities"), ({1: True}, None, "quantities"),
    ({999: 4}, None, "quantities"), ([4], None, "quantities"), ({}, "Lumen", "vendor"), ({}, 10 ** 6, "vendor"),
])
def test_bad_order_input_orders_nothing(database, quantities, vendor, field):
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule()
        if isinstance(quantities, dict):
            quantities = {rule.id if key == 1 else key: value for key, value in quantities.items()}
        with pytest.raises(errors.ValidationError) as info:
            shop.Rule.order([rule], quantities=quantities, vendor=vendor)
        assert field in info.value.errors
        assert env["purchase.line"].search([]) == [] and env["purchase.purchase"].search([]) == []


@freeze_time(TODAY)
def test_make_to_order_and_create_purchase_choose_and_price_as_a_purchase_line(database):
    """Lumen's record has ended: Volt, the first supplier valid today, is bought from at its break for 12."""
    with database.transaction() as env:
        shop = Shop(env)
        desk = shop.product("Desk", supply_on_sale=True)
        Supplier = env["purchase.product_supplier"]
        Supplier.write([shop.supplier(shop.lumen, desk), shop.supplier(shop.lumen)],
                       {"end_date": TODAY - datetime.timedelta(days=1)})
        sale = shop.sale(12, product=desk)
        line, = env["purchase.line"].search([("product", "=", desk.id)])
        assert (line.purchase.party, line.quantity, line.unit_price, line.price_reason, line.origin) == (
            shop.volt, 12.0, Decimal("8.5"), "supplier price from 10", sale.lines[0])
        assert line.delivery_date == TODAY + datetime.timedelta(days=5)
        Sale = env["sale.sale"]
        lamps = shop.sale(4)
        purchase, = Sale.create_purchase([lamps])
        assert [(l.product.name, l.quantity, l.unit_price, l.price_reason) for l in purchase.lines
                if l.product == shop.lamp] == [("Lamp", 4.0, Decimal("9"), "supplier price")]
        assert purchase.party == shop.volt
        Supplier.write([shop.supplier(shop.lumen)], {"end_date": None})   # Lumen again: its price for 20
        more = shop.sale(20)
        drop, = Sale.create_purchase([more], drop_ship=True)
        assert (drop.party, drop.lines[0].unit_price, drop.lines[0].price_reason) == (
            shop.lumen, Decimal("8"), "supplier price from 20")


@freeze_time(TODAY)
def test_a_vendor_without_a_supplier_record_buys_at_the_cost_price(database):
    with database.transaction() as env:
        shop = Shop(env)
        stranger, = env["party.party"].create([{"name": "Stranger"}])
        plain = shop.product("Plain")
        env["purchase.product_supplier"].delete(plain.product_suppliers)
        rule = shop.rule(product=plain, vendor=stranger.id)
        row = shop.needs()[rule]
        assert (row["vendor"], row["supplier"], row["lead_times"]["vendor"]) == (stranger, None, 0)
        assert (row["unit_price"], row["price_reason"], row["amount"]) == (Decimal("7"), "cost price",
                                                                             Decimal("84.00"))
        line, = shop.Rule.order([rule])
        assert (line.unit_price, line.price_reason, line.purchase.party) == (Decimal("7"), "cost price", stranger)


def test_the_replenish_command_prints_unit_price_and_amount(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.rule()
    out = io.StringIO()
    assert cli.main(["replenish", "--db", database.url, "--dry-run"], out=out) == 0
    header, row = out.getvalue().splitlines()[:2]
    assert "unit price" in header and "amount" in header
    assert "12 u" in row and "10.00" in row and "120.00" in row and "Lumen" in row
