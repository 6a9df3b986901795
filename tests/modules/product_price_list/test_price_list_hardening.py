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


def _priced(env, tax_included=False, taxes=(), **line):
    units = {u.symbol: u.id for u in env["product.uom"].search([])}
    taxes = env["account.tax"].create([dict(t) for t in taxes]) if taxes else []
    a, = env["product.product"].create([{"name": "A", "default_uom": units["u"], "list_price": D("100"),
                                         "customer_taxes": [t.id for t in taxes]}])
    price_list, = env["product.price_list"].create([{"name": "Trade", "tax_included": tax_included}])
    env["product.price_list.line"].create([{"price_list": price_list.id, "product": a.id, **line}])
    customer, = env["party.party"].create([{"name": "Customer", "sale_price_list": price_list.id}])
    return units, a, customer


def test_a_discount_takes_off_no_more_than_the_price(database):
    """An amount discount above the price leaves the price at zero, and says it took off the price only."""
    with database.transaction() as env:
        units, a, customer = _priced(env, price=D("10"), discounts=[
            {"sequence": 1, "type": "discount", "kind": "amount", "value": D("15")},
            {"sequence": 2, "type": "discount", "kind": "percentage", "value": D("10")},
            {"sequence": 3, "type": "charge", "kind": "amount", "value": D("2")}])
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [{"product": a.id, "quantity": 1}]}])
        line, = sale.lines
        assert [(d.value, d.amount) for d in line.discounts] == [(D("15"), D("10")), (D("10"), D("0")),
                                                                 (D("2"), D("2"))]
        assert (line.gross_price, line.unit_price) == (D("10"), D("2"))
        assert line.gross_price - sum(d.amount if d.type == "discount" else -d.amount
                                      for d in line.discounts) == line.unit_price


def test_a_tax_included_price_below_its_fixed_taxes_is_refused(database):
    with database.transaction() as env:
        units, a, customer = _priced(env, tax_included=True, price=D("10"), taxes=[
            {"name": "Eco fee", "type": "fixed", "amount": D("20")}, {"name": "VAT", "rate": D("0.2")}])
        sale, = env["sale.sale"].create([{"party": customer.id}])
        with pytest.raises(errors.ValidationError, match="fixed taxes") as info:
            env["sale.line"].create([{"sale": sale.id, "product": a.id, "quantity": 1}])
        assert "price" in info.value.errors
        assert env["sale.line"].search([]) == []
        line, = env["sale.line"].create([{"sale": sale.id, "product": a.id, "quantity": 1, "unit_price": D("1")}])
        with pytest.raises(errors.ValidationError, match="fixed taxes"):
            env["sale.sale"].write([sale], {"lines": [("create", [{"product": a.id, "quantity": 3}])]})
        assert [(l.quantity, l.unit_price) for l in env["sale.line"].search([])] == [(1.0, D("1"))]


def test_a_tax_included_price_per_dozen_takes_off_twelve_fixed_taxes(database):
    """(price − fixed taxes) / (1 + rates), the fixed taxes counted per unit of the product."""
    with database.transaction() as env:
        units, a, customer = _priced(env, tax_included=True, price=D("13.70"), taxes=[
            {"name": "Eco fee", "type": "fixed", "amount": D("0.50")}, {"name": "VAT", "rate": D("0.2")}])
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [
            {"product": a.id, "quantity": 12, "unit": units["u"]},
            {"product": a.id, "quantity": 1, "unit": units["dz"]}]}])
        by_unit, by_dozen = sale.lines
        assert by_unit.unit_price == D("11")            # (13.70 - 0.50) / 1.2
        assert by_dozen.unit_price == D("132")          # (164.40 - 6) / 1.2
        assert by_unit.tax_amount == by_dozen.tax_amount == D("32.40")   # 26.40 + 12 x 0.50
        assert sale.total_amount == 2 * D("164.40")


@pytest.mark.parametrize("change", ["price_list", "sale_date"])
def test_a_new_price_list_or_date_reprices_a_sale_with_free_lines(kitwork_database, change):
    """The free lines the old price gave go; the sale is checked (sale controls) on what is left."""
    with kitwork_database("product_price_list", "sale_control").transaction() as env:
        units, a, customer = _priced(env, price=D("90"), min_quantity=0,
                                     end_date=datetime.date.today() + datetime.timedelta(days=5))
        rule, = env["product.price_list.line"].search([])
        env["product.price_list.line"].write([rule], {"free_product": a.id, "free_quantity": 1, "free_per": 2})
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [{"product": a.id, "quantity": 4}]}])
        assert [(line.quantity, line.unit_price) for line in sale.lines] == [(4.0, D("90")), (2.0, D("0"))]
        if change == "price_list":
            env["sale.sale"].write([sale], {"price_list": None})
        else:
            env["sale.sale"].write([sale], {"sale_date": datetime.date.today() + datetime.timedelta(days=10)})
        line, = env["sale.line"].search([])
        assert (line.quantity, line.unit_price, line.price_reason) == (4.0, D("100"), "list price")


def _free_sale(env):
    units, a, customer = _priced(env, price=D("90"))
    rule, = env["product.price_list.line"].search([])
    env["product.price_list.line"].write([rule], {"free_product": a.id, "free_quantity": 1, "free_per": 2})
    sale, = env["sale.sale"].create([{"party": customer.id, "lines": [{"product": a.id, "quantity": 4}]}])
    return units, sale


def _sale_lines(env):
    return sorted((line.quantity, line.unit_price, line.free_of is not None) for line in env["sale.line"].search([]))


@pytest.mark.parametrize("values", [{"quantity": 99}, {"unit_price": D("5")}, {"product": None}, {"unit": "dz"}])
def test_a_free_line_is_not_changed_by_hand(database, values):
    with database.transaction() as env:
        units, sale = _free_sale(env)
        values = {k: units[v] if k == "unit" else v for k, v in values.items()}
        free = [line for line in sale.lines if line.free_of is not None]
        before = _sale_lines(env)
        assert before == [(2.0, D("0"), True), (4.0, D("90"), False)]
        with pytest.raises(errors.AccessError, match="is free with"):
            env["sale.line"].write(free, values)
        with pytest.raises(errors.AccessError, match="is free with"):
            env["sale.sale"].write([sale], {"lines": [("write", [free[0].id], values)]})
        assert _sale_lines(env) == before
        env["sale.line"].write(free, {"sequence": 5})   # its place in the sale is the user's


def test_a_free_line_goes_only_with_the_line_that_earned_it(database):
    with database.transaction() as env:
        units, sale = _free_sale(env)
        free = [line for line in sale.lines if line.free_of is not None]
        before = _sale_lines(env)
        with pytest.raises(errors.AccessError, match="cannot be deleted"):
            env["sale.line"].delete(free)
        with pytest.raises(errors.AccessError, match="cannot be deleted"):
            env["sale.sale"].write([sale], {"lines": [("delete", [free[0].id])]})
        assert _sale_lines(env) == before
        env["sale.line"].delete(list(sale.lines))   # together with its line: fine
        assert env["sale.line"].search([]) == []


@pytest.mark.parametrize("values, field", [({"free_per": 0}, "free_per"), ({"free_per": -2}, "free_per"),
                                           ({"free_quantity": -1}, "free_quantity")])
def test_free_per_and_quantity_are_checked_without_a_free_product_too(database, values, field):
    with database.transaction() as env:
        price_list, = env["product.price_list"].create([{"name": "Trade"}])
        Line = env["product.price_list.line"]
        with pytest.raises(errors.ValidationError) as info:
            Line.create([{"price_list": price_list.id, "price": D("1"), **values}])
        assert field in info.value.errors
        line, = Line.create([{"price_list": price_list.id, "price": D("1")}])
        with pytest.raises(errors.ValidationError):
            Line.write([line], values)
        assert [(l.free_per, l.free_quantity) for l in Line.search([])] == [(None, 0.0)]


def test_a_cost_price_line_skips_a_product_of_unknown_cost_and_says_so(database):
    """An unknown cost is never taken as 0 (as the margin control): the next line, else the list price, prices it."""
    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        bolt, nut = env["product.product"].create([
            {"name": "Bolt", "default_uom": unit, "list_price": D("10")},
            {"name": "Nut", "default_uom": unit, "list_price": D("10"), "cost_price": D("4")}])
        cost_plus, layered = env["product.price_list"].create([
            {"name": "Cost plus", "lines": [{"sequence": 1, "price_type": "cost_price", "price": D("2"),
                                            "reason": "cost plus 100%"}]},
            {"name": "Layered", "lines": [
                {"sequence": 1, "price_type": "cost_price", "price": D("2"), "reason": "cost plus 100%"},
                {"sequence": 2, "price_type": "list_price", "price": D("0.9"), "reason": "trade"}]}])
        customer, = env["party.party"].create([{"name": "Customer"}])
        Sale = env["sale.sale"]
        sale, other = Sale.create([
            {"party": customer.id, "price_list": cost_plus.id,
             "lines": [{"product": bolt.id, "quantity": 3}, {"product": nut.id, "quantity": 3}]},
            {"party": customer.id, "price_list": layered.id, "lines": [{"product": bolt.id, "quantity": 1}]}])
        bolts, nuts = sale.lines
        assert (bolts.unit_price, bolts.price_reason) == (D("10"), "list price")
        assert (nuts.unit_price, nuts.price_reason) == (D("8"), "cost plus 100%")
        assert (other.lines[0].unit_price, other.lines[0].price_reason) == (D("9"), "trade")
        warnings = [w for w in env.warnings if w.key == "product_price_list.unknown_cost"]
        assert [w.record for w in warnings] == [bolt, bolt]
        assert "Bolt has no cost price" in warnings[0].message and "cost plus 100%" in warnings[0].message
        assert "list price" in warnings[0].message and "trade" in warnings[1].message
        del env.warnings[:]
        env["sale.line"].write([bolts], {"quantity": 5})   # searched again: said again
        assert (bolts.unit_price, [w.key for w in env.warnings]) == (D("10"), ["product_price_list.unknown_cost"])
        Sale.quote([sale])
        assert sale.untaxed_amount == D("74.00")
