"""Price-list lines by product category (§17): a category and its descendants, never its ancestors."""
from decimal import Decimal as D

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("product_price_list")


class Shop:
    """Furniture > Seating > Chairs; a chair, a stool (Seating), a table (Furniture), a lamp (no category)."""

    def __init__(self, env):
        self.env = env
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        Category = env["product.category"]
        self.furniture, = Category.create([{"name": "Furniture"}])
        self.seating, = Category.create([{"name": "Seating", "parent": self.furniture.id}])
        self.chairs, = Category.create([{"name": "Chairs", "parent": self.seating.id}])
        self.chair, self.stool, self.table, self.lamp = env["product.product"].create([
            {"name": name, "default_uom": unit.id, "list_price": D("100"), **({"category": c.id} if c else {})}
            for name, c in (("Chair", self.chairs), ("Stool", self.seating), ("Table", self.furniture),
                            ("Lamp", None))])
        self.price_list, = env["product.price_list"].create([{"name": "Trade"}])
        self.customer, = env["party.party"].create([{"name": "Customer", "sale_price_list": self.price_list.id}])

    def line(self, **values):
        line, = self.env["product.price_list.line"].create([{"price_list": self.price_list.id, **values}])
        return line

    def prices(self, *products):
        sale, = self.env["sale.sale"].create([{"party": self.customer.id, "lines": [
            {"product": p.id, "quantity": 1} for p in products]}])
        return [(line.unit_price, line.price_reason) for line in sale.lines]


def test_a_category_line_prices_its_category_and_the_descendants_never_an_ancestor(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.line(category=shop.seating.id, price_type="list_price", price=D("0.9"), reason="seating -10 %",
                  discounts=[{"kind": "percentage", "value": D("5"), "reason": "trade discount"}])
        assert shop.prices(shop.chair, shop.stool, shop.table, shop.lamp) == [
            (D("85.5"), "seating -10 %"), (D("85.5"), "seating -10 %"), (D("100"), "list price"),
            (D("100"), "list price")]


def test_at_the_same_sequence_a_product_line_wins_then_a_category_line_then_any_product(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.line(sequence=10, price=D("70"), reason="any product")
        shop.line(sequence=10, category=shop.furniture.id, price=D("80"), reason="furniture")
        shop.line(sequence=10, product=shop.chair.id, price=D("60"), reason="the chair")
        assert shop.prices(shop.chair, shop.stool, shop.lamp) == [
            (D("60"), "the chair"), (D("80"), "furniture"), (D("70"), "any product")]
        shop.line(sequence=5, category=shop.chairs.id, price=D("90"), reason="chairs first")
        assert shop.prices(shop.chair) == [(D("90"), "chairs first")]   # the sequence comes first


def test_a_product_moved_to_another_category_is_priced_by_its_new_family(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.line(category=shop.chairs.id, price=D("75"), reason="chairs")
        env["product.product"].write([shop.lamp], {"category": shop.chairs.id})
        env["product.category"].write([shop.chairs], {"parent": None})
        assert shop.prices(shop.lamp, shop.chair) == [(D("75"), "chairs"), (D("75"), "chairs")]


def test_a_line_naming_a_product_and_a_category_is_refused(database):
    with database.transaction() as env:
        shop = Shop(env)
        with pytest.raises(errors.ValidationError) as info:
            shop.line(product=shop.chair.id, category=shop.chairs.id, price=D("1"))
        assert "category" in info.value.errors and "product or a category" in str(info.value)
        assert env["product.price_list.line"].search([]) == []
