"""Price lists (seed 002): gross price and reason, discounts and charges, free products, tax-included prices."""
import datetime
from decimal import Decimal

import pytest

from core import errors

D = Decimal
TODAY = datetime.date.today()


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("product_price_list")


class Shop:
    def __init__(self, env, tax_included=False):
        self.env = env
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        self.unit, self.dozen = units["u"], units["dz"]
        self.vat, = env["account.tax"].create([{"name": "VAT 20%", "rate": D("0.2")}])
        self.a, self.b = env["product.product"].create([
            {"name": "A", "default_uom": self.unit, "list_price": D("100"), "cost_price": D("80"),
             "customer_taxes": [self.vat.id]},
            {"name": "B", "default_uom": self.unit, "list_price": D("5")}])
        self.price_list, = env["product.price_list"].create([{"name": "Trade", "tax_included": tax_included}])
        self.customer, = env["party.party"].create([{"name": "Customer", "sale_price_list": self.price_list.id}])

    def line(self, **values):
        line, = self.env["product.price_list.line"].create([{"price_list": self.price_list.id, **values}])
        return line

    def sale(self, *lines, **values):
        sale, = self.env["sale.sale"].create([{"party": self.customer.id, "lines": list(lines), **values}])
        return sale


def volume(shop):
    return shop.line(product=shop.a.id, min_quantity=10, price=D("90"), reason="volume price", discounts=[
        {"sequence": 1, "type": "discount", "kind": "percentage", "value": D("10"), "reason": "spring promotion"},
        {"sequence": 2, "type": "charge", "kind": "amount", "value": D("2"), "reason": "handling"}])


def test_volume_price_with_a_discount_and_a_charge(database):
    with database.transaction() as env:
        shop = Shop(env)
        volume(shop)
        sale = shop.sale({"product": shop.a.id, "quantity": 10}, {"product": shop.a.id, "quantity": 9})
        assert sale.price_list == shop.price_list
        big, small = sale.lines
        assert (big.gross_price, big.unit_price, big.price_reason) == (D("90"), D("83.00"), "volume price")
        assert [(d.type, d.kind, d.value, d.reason, d.amount) for d in big.discounts] == [
            ("discount", "percentage", D("10"), "spring promotion", D("9")),
            ("charge", "amount", D("2"), "handling", D("2"))]
        assert (small.gross_price, small.unit_price, small.price_reason, small.discounts) == (
            D("100"), D("100"), "list price", [])
        assert sale.untaxed_amount == D("830") + D("900")


def test_free_products_follow_the_line_that_earned_them(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.line(product=shop.a.id, price=D("100"), reason="catalogue", free_product=shop.b.id, free_quantity=1,
                  free_per=10)
        sale = shop.sale({"product": shop.a.id, "quantity": 25})
        line, = [l for l in sale.lines if l.free_of is None]
        free, = line.free_lines
        assert (free.product, free.quantity, free.unit_price, free.amount, free.free_of) == (
            shop.b, 2.0, D("0"), D("0.00"), line)
        Line = env["sale.line"]
        Line.write([line], {"quantity": 35})
        free, = line.free_lines
        assert free.quantity == 3.0 and len(sale.lines) == 2          # replaced, never duplicated
        Line.write([line], {"quantity": 5})
        assert line.free_lines == [] and len(sale.lines) == 1
        Line.write([line], {"quantity": 20})
        Line.write([line], {"product": shop.b.id})                    # another product: its own price, no free B
        assert (line.free_lines, line.price_reason, line.unit_price) == ([], "list price", D("5"))
        Line.write([line], {"product": shop.a.id})
        assert len(line.free_lines) == 1
        Line.delete([line])
        assert sale.lines == []


def test_a_price_by_hand_is_kept(database):
    """odoo/odoo#25166: a manual price is not overwritten when the quantity changes."""
    with database.transaction() as env:
        shop = Shop(env)
        volume(shop)
        sale = shop.sale({"product": shop.a.id, "quantity": 10, "unit_price": D("70")})
        line, = sale.lines
        assert (line.unit_price, line.gross_price, line.price_reason, line.discounts) == (D("70"), D("70"), "manual",
                                                                                        [])
        env["sale.line"].write([line], {"quantity": 20})
        assert (line.unit_price, line.price_reason) == (D("70"), "manual")
        searched, = env["sale.line"].create([{"sale": sale.id, "product": shop.a.id, "quantity": 12}])
        env["sale.line"].write([searched], {"unit_price": D("60")})
        assert (searched.unit_price, searched.price_reason, searched.discounts) == (D("60"), "manual", [])


def test_quantity_breaks_compare_in_the_product_unit_and_prices_convert(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.line(product=shop.a.id, min_quantity=12, price=D("90"), reason="by the dozen")
        sale = shop.sale({"product": shop.a.id, "quantity": 1, "unit": shop.dozen},
                         {"product": shop.a.id, "quantity": 11})
        dozen, eleven = sale.lines
        assert (dozen.price_reason, dozen.gross_price, dozen.unit_price) == ("by the dozen", D("1080"), D("1080"))
        assert eleven.price_reason == "list price"


def test_dates_factors_and_any_product(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.line(sequence=1, product=shop.a.id, price=D("50"), reason="last year",
                  end_date=TODAY - datetime.timedelta(days=1))
        shop.line(sequence=2, price_type="cost_price", price=D("1.25"), reason="cost plus")
        sale = shop.sale({"product": shop.a.id, "quantity": 1}, {"product": shop.b.id, "quantity": 1})
        a, b = sale.lines
        assert (a.unit_price, a.price_reason) == (D("100"), "cost plus")     # 80 x 1.25
        assert (b.unit_price, b.price_reason) == (D("5"), "list price")     # B has no cost: never 0
        assert [w.key for w in env.warnings] == ["product_price_list.unknown_cost"]
        env["sale.sale"].write([sale], {"sale_date": TODAY - datetime.timedelta(days=3)})
        assert (a.unit_price, a.price_reason) == (D("50"), "last year")      # re-priced with the sale date


def test_nothing_reprices_once_the_sale_left_draft(database):
    """frappe/erpnext#41372: prices do not change after the order."""
    with database.transaction() as env:
        shop = Shop(env)
        line = volume(shop)
        sale = shop.sale({"product": shop.a.id, "quantity": 10})
        env["sale.sale"].quote([sale])
        env["product.price_list.line"].write([line], {"price": D("10")})
        assert sale.lines[0].unit_price == D("83.00")
        with pytest.raises(errors.WorkflowError):
            env["sale.line"].write(list(sale.lines), {"quantity": 11})


@pytest.mark.parametrize("taxes, expected", [("vat", D("100.0000")), ("vat+fixed", D("99.5833"))])
def test_tax_included_prices_become_tax_excluded(database, taxes, expected):
    with database.transaction() as env:
        shop = Shop(env, tax_included=True)
        shop.line(product=shop.a.id, price=D("120"), reason="shelf price")
        if taxes == "vat+fixed":
            fee, = env["account.tax"].create([{"name": "Fee", "type": "fixed", "amount": D("0.50")}])
            env["product.product"].write([shop.a], {"customer_taxes": [("add", [fee.id])]})
        line, = shop.sale({"product": shop.a.id, "quantity": 1}).lines
        assert (line.gross_price, line.unit_price, line.price_reason) == (expected, expected, "shelf price")


@pytest.mark.parametrize("values, field", [
    ({"free_product": "b", "free_quantity": -1, "free_per": 10}, "free_quantity"),
    ({"free_product": "b", "free_quantity": 1, "free_per": 0}, "free_per"),
    ({"discounts": [{"kind": "percentage", "value": D("101"), "reason": "too much"}]}, "value"),
    ({"discounts": [{"kind": "amount", "type": "charge", "value": D("-1")}]}, "value"),
    ({"min_quantity": -1}, "min_quantity"),
])
def test_bad_price_list_lines_are_refused(database, values, field):
    with database.transaction() as env:
        shop = Shop(env)
        if values.get("free_product") == "b":
            values = {**values, "free_product": shop.b.id}
        with pytest.raises(errors.ValidationError) as info:
            env["product.price_list.line"].create([{"price_list": shop.price_list.id, "price": D("1"), **values}])
        assert field in info.value.errors
        assert env["product.price_list.line"].search_count() == 0
        assert env["product.price_list.discount"].search_count() == 0


def test_price_search_is_set_based(database, count_statements):
    with database.transaction() as env:
        shop = Shop(env)
        volume(shop)
        shop.line(price_type="list_price", price=D("0.9"), reason="ten off")
        sale = shop.sale()
        counts = []
        for size in (10, 100, 400):   # the first primes what the transaction caches
            with count_statements(database.engine) as counter:
                env["sale.line"].create([{"sale": sale.id, "product": (shop.a if i % 2 else shop.b).id,
                                          "quantity": 10 + i % 3} for i in range(size)])
            counts.append(counter.count)
        assert counts[1] == counts[2]


def test_draft_lines_follow_the_price_list_line_that_priced_them(database):
    """The free line belongs to the price-list line too: changing or deleting that line re-prices drafts."""
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.line(product=shop.a.id, price=D("90"), reason="promo", free_product=shop.b.id,
                         free_quantity=1, free_per=10)
        draft = shop.sale({"product": shop.a.id, "quantity": 20})
        quoted = shop.sale({"product": shop.a.id, "quantity": 20})
        env["sale.sale"].quote([quoted])
        line, = [l for l in draft.lines if l.free_of is None]
        assert (line.price_list_line, line.unit_price, len(line.free_lines)) == (rule, D("90"), 1)
        Rule = env["product.price_list.line"]
        Rule.write([rule], {"price": D("80"), "free_quantity": 2})
        assert (line.unit_price, [f.quantity for f in line.free_lines]) == (D("80"), [4.0])
        Rule.delete([rule])
        assert (line.unit_price, line.price_reason, line.price_list_line, line.free_lines) == (
            D("100"), "list price", None, [])
        kept, = [l for l in quoted.lines if l.free_of is None]      # a quoted sale keeps its prices
        assert (kept.unit_price, len(quoted.lines)) == (D("90"), 2)
