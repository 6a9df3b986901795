"""Hostile input on price lists and the discounts of sale lines: refused with a UserError, nothing saved."""
import datetime
from decimal import Decimal

import pytest

from core import errors

D = Decimal


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("product_price_list")


def _shop(env):
    unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
    a, free = env["product.product"].create([{"name": "A", "default_uom": unit, "list_price": D("100")},
                                             {"name": "Gift", "default_uom": unit, "list_price": D("5")}])
    price_list, = env["product.price_list"].create([{"name": "Trade"}])
    env["product.price_list.line"].create([{
        "price_list": price_list.id, "product": a.id, "price": D("90"),
        "discounts": [{"type": "discount", "kind": "percentage", "value": D("10")}]}])
    customer, = env["party.party"].create([{"name": "Customer", "sale_price_list": price_list.id}])
    sale, = env["sale.sale"].create([{"party": customer.id, "lines": [{"product": a.id, "quantity": 2}]}])
    return sale


def _discounts(env):
    return sorted((d.line.id, d.value, d.amount) for d in env["sale.line.discount"].search([]))


@pytest.mark.parametrize("state", ["draft", "confirmed"])
@pytest.mark.parametrize("action", ["create", "write", "delete"])
def test_the_discounts_of_a_sale_line_are_not_edited_by_hand(database, state, action):
    with database.transaction() as env:
        sale = _shop(env)
        if state == "confirmed":
            env["sale.sale"].quote([sale])
            env["sale.sale"].confirm([sale])
        Discount = env["sale.line.discount"]
        line, = sale.lines
        before = _discounts(env)
        with pytest.raises(errors.AccessError, match="sale.line.discount"):
            if action == "create":
                Discount.create([{"line": line.id, "type": "discount", "kind": "amount", "value": D("50"),
                                  "amount": D("50")}])
            elif action == "write":
                Discount.write(Discount.search([]), {"value": D("50")})
            else:
                Discount.delete(Discount.search([]))
        assert _discounts(env) == before == [(line.id, D("10"), D("9"))]
        assert env["sale.line"].browse([line.id])[0].unit_price == D("81")
