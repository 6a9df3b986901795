"""Sale controls (seed 002): quantity, threshold price and margin; warn or block, by configuration and context."""
from decimal import Decimal

import pytest

from core import errors

D = Decimal


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale_control", "product_price_list", "product_kit")


class Shop:
    def __init__(self, env, **limits):
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        self.unit, self.dozen = units["u"], units["dz"]
        self.product, = env["product.product"].create([{
            "name": "Lamp", "default_uom": self.unit, "list_price": D("90"), "cost_price": D("80"), **limits}])
        self.customer, = env["party.party"].create([{"name": "Customer"}])
        self.env = env

    def sale(self, *lines):
        sale, = self.env["sale.sale"].create([{"party": self.customer.id, "lines": list(lines)}])
        return sale

    def configure(self, **values):
        Configuration = self.env["sale.configuration"]
        Configuration.write([Configuration.get()], values)


def test_minimum_quantity_warns_then_blocks(database):
    with database.transaction() as env:
        shop = Shop(env, sale_min_quantity=5)
        sale = shop.sale({"product": shop.product.id, "quantity": 3})
        line, = sale.lines
        warning, = env.warnings
        assert (warning.key, warning.record) == ("sale_control.quantity", line)
        assert "quantity 3 is below the minimum 5" in warning.message
        assert line.warnings == "quantity 3 is below the minimum 5"
        env["sale.line"].write([line], {"quantity": 5})
        assert line.warnings is None
        shop.configure(control_mode="block")
        with pytest.raises(errors.ValidationError, match=r"quantity 4 is below the minimum 5") as info:
            env["sale.line"].create([{"sale": sale.id, "product": shop.product.id, "quantity": 4}])
        assert "quantity" in info.value.errors
        assert len(sale.lines) == 1


def test_block_saves_nothing_even_when_the_caller_commits(database):
    with database.transaction() as env:
        shop = Shop(env, sale_max_quantity=10)
        sale = shop.sale()
    with database.transaction(context={"control_mode": "block"}) as env:
        with pytest.raises(errors.ValidationError, match="above the maximum 10"):
            env["sale.line"].create([{"sale": sale.id, "product": shop.product.id, "quantity": 1, "unit": shop.dozen}])
    with database.transaction() as env:
        assert env["sale.line"].search_count() == 0


def test_threshold_price_and_margin(database):
    """Threshold 50, net 45: breach; margin: cost 80, net 90 -> 11.1 % < 15 %: breach."""
    with database.transaction() as env:
        shop = Shop(env, threshold_price=D("50"), min_margin=D("15"))
        sale = shop.sale({"product": shop.product.id, "quantity": 1, "unit_price": D("45")},
                         {"product": shop.product.id, "quantity": 1})
        cheap, listed = sale.lines
        assert sorted(w.key for w in env.warnings if w.record == cheap) == ["sale_control.margin",
                                                                             "sale_control.threshold_price"]
        assert "net price 45.00 is below the threshold price 50.00" in cheap.warnings
        margin, = [w for w in env.warnings if w.record == listed]
        assert "margin 11.1 % is below the minimum 15 %" in margin.message


def test_each_control_may_set_its_own_mode(database):
    with database.transaction() as env:
        shop = Shop(env, threshold_price=D("50"), sale_min_quantity=5)
        shop.configure(control_mode="block", quantity_control="warn", threshold_price_control="off")
        sale = shop.sale({"product": shop.product.id, "quantity": 1, "unit_price": D("10")})
        assert [w.key for w in env.warnings] == ["sale_control.quantity"]
        shop.configure(quantity_control="default")
        with pytest.raises(errors.ValidationError, match="below the minimum"):
            env["sale.line"].write(list(sale.lines), {"quantity": 2})
        with env.with_context(control_mode="warn"):   # the context overrides the configured mode only
            env["sale.line"].write(list(sale.lines), {"quantity": 2})
        shop.configure(quantity_control="block")
        with env.with_context(control_mode="warn"), pytest.raises(errors.ValidationError):
            env["sale.line"].write(list(sale.lines), {"quantity": 3})


def test_unknown_cost_is_said_not_taken_as_zero(database):
    """odoo/odoo#24339: an unknown cost is not a cost of 0."""
    with database.transaction(context={"control_mode": "block"}) as env:
        shop = Shop(env, min_margin=D("15"))
        env["product.product"].write([shop.product], {"cost_price": None})
        line, = shop.sale({"product": shop.product.id, "quantity": 1}).lines
        assert line.warnings == "margin not checked: the product has no cost price"
        assert [w.key for w in env.warnings] == ["sale_control.margin_unknown"]


def test_free_lines_are_not_price_checked_and_quote_checks_every_line(database):
    with database.transaction() as env:
        shop = Shop(env, sale_min_quantity=2)
        gift, = env["product.product"].create([{"name": "Gift", "default_uom": shop.unit, "list_price": D("5"),
                                                "cost_price": D("4"), "threshold_price": D("1"),
                                                "min_margin": D("10")}])
        price_list, = env["product.price_list"].create([{"name": "Promo", "lines": [
            {"product": shop.product.id, "price": D("90"), "reason": "promo", "free_product": gift.id,
             "free_quantity": 1, "free_per": 2}]}])
        env["party.party"].write([shop.customer], {"sale_price_list": price_list.id})
        sale = shop.sale({"product": shop.product.id, "quantity": 4})
        assert env.warnings == []                      # the free gift at 0.00 is no breach
        shop.configure(control_mode="block")
        env["product.product"].write([shop.product], {"sale_min_quantity": 5})
        with pytest.raises(errors.ValidationError, match="below the minimum 5"):
            env["sale.sale"].quote([sale])
        assert sale.state == "draft" and sale.number is None


@pytest.mark.parametrize("values, field", [
    ({"sale_min_quantity": -1}, "sale_min_quantity"),
    ({"sale_min_quantity": 5, "sale_max_quantity": 2}, "sale_max_quantity"),
    ({"min_margin": D("100")}, "min_margin"),
])
def test_bad_limits_are_refused(database, values, field):
    with database.transaction() as env:
        with pytest.raises(errors.ValidationError) as info:
            Shop(env, **values)
        assert field in info.value.errors
        assert env["product.product"].search_count() == 0


def test_an_unknown_control_mode_is_refused(database):
    with database.transaction() as env:
        shop = Shop(env)
        with pytest.raises(errors.ValidationError, match="control_mode"):
            shop.configure(control_mode="loud")
    with database.transaction(context={"control_mode": "loud"}) as env:
        with pytest.raises(errors.UserError, match="unknown control mode 'loud'"):
            env["sale.sale"].create([{"party": shop.customer.id,
                                      "lines": [{"product": shop.product.id, "quantity": 1}]}])


def test_a_negative_price_breaches_the_minimum_margin(database):
    """(net − cost) / net of a negative net is positive, but nothing is earned: it is a breach."""
    with database.transaction(context={"control_mode": "block"}) as env:
        shop = Shop(env, min_margin=D("10"))
        sale, = env["sale.sale"].create([{"party": shop.customer.id}])
        with pytest.raises(errors.ValidationError, match=r"margin undefined \(net price -5.00\)"):
            env["sale.line"].create([{"sale": sale.id, "product": shop.product.id, "quantity": 1,
                                      "unit_price": D("-5")}])
        assert env["sale.line"].search([]) == []
