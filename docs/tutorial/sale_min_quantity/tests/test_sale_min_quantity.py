"""Tests of the sale_min_quantity module, each on a throw-away database.

SQLite by default; set KITWORK_TEST_DATABASE_URL to a PostgreSQL URL to run
them there.
"""
import pytest

from core import errors


@pytest.fixture
def env(kitwork_database):
    database = kitwork_database("sale_min_quantity", "product_kit")   # with kits too
    with database.transaction() as env:
        yield env


@pytest.fixture
def products(env):
    units = {u.symbol: u for u in env["product.uom"].search([])}
    Product = env["product.product"]
    pen, = Product.create([{"name": "Pen", "default_uom": units["u"], "sale_minimum": 6, "sale_multiple": 6}])
    kit, = Product.create([{"name": "Pen kit", "type": "kit", "default_uom": units["u"], "sale_multiple": 2,
                            "components": [{"product": pen.id, "quantity": 1}]}])
    return {"pen": pen, "kit": kit, "dozen": units["dz"]}


def new_sale(env, product, quantity, **line):
    customer, = env["party.party"].create([{"name": "Ann"}])
    sale, = env["sale.sale"].create([{"party": customer.id, "lines": [
        {"product": product.id, "quantity": quantity, **line}]}])
    return sale


def test_a_line_below_the_minimum_is_refused(env, products):
    with pytest.raises(errors.ValidationError, match="at least 6"):
        new_sale(env, products["pen"], 4)
    sale = new_sale(env, products["pen"], 1, unit=products["dozen"].id)   # 12 units
    assert sale.lines[0].quantity == 1


def test_quote_refuses_what_is_not_a_multiple(env, products):
    Sale = env["sale.sale"]
    sale = new_sale(env, products["pen"], 8)
    with pytest.raises(errors.UserError, match="multiples of 6"):
        Sale.quote([sale])
    assert (sale.state, sale.number) == ("draft", None)
    Sale.write([sale], {"lines": [("write", [sale.lines[0].id], {"quantity": 12})]})
    Sale.quote([sale])
    assert sale.state == "quotation"


def test_kits_are_checked_before_they_are_exploded(env, products):
    Sale = env["sale.sale"]
    sale = new_sale(env, products["kit"], 3)
    with pytest.raises(errors.UserError, match="multiples of 2"):
        Sale.quote([sale])
    assert sale.lines[0].components == []
    Sale.write([sale], {"lines": [("write", [sale.lines[0].id], {"quantity": 4})]})
    Sale.quote([sale])
    assert [c.quantity for c in sale.lines[0].components] == [4]
