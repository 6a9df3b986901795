"""Hostile input on commercial BOMs and their order lines: a clear UserError, nothing saved."""
from decimal import Decimal

import pytest

from core import errors

ORDERS = {"sale": ("sale.sale", "sale.line"), "purchase": ("purchase.purchase", "purchase.line")}


def _products(env):
    unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
    Product = env["product.product"]
    leg, top = Product.create([{"name": "Leg", "default_uom": unit, "list_price": Decimal("10")},
                               {"name": "Top", "default_uom": unit, "list_price": Decimal("100")}])
    table, = Product.create([{"name": "Table", "default_uom": unit, "list_price": Decimal("200"),
                              "component_lines": "independent",
                              "components": [{"product": leg.id, "quantity": 4}, {"product": top.id, "quantity": 1}]}])
    return unit, leg, top, table


def _lines(env, line_model):
    return sorted((line.product.name, line.quantity) for line in env[line_model].search([]))


@pytest.mark.parametrize("propagate", ["yes", 1, 0, [True], {"a": 1}])
def test_propagate_must_be_true_or_false(bom_db, kind, propagate):
    order_model, line_model = ORDERS[kind]
    with bom_db.transaction() as env:
        unit, leg, top, table = _products(env)
        party, = env["party.party"].create([{"name": "Ann"}])
        order, = env[order_model].create([{"party": party.id, "lines": [
            {"product": table.id, "quantity": 2}, {"product": leg.id, "quantity": 1}]}])
        Line = env[line_model]
        before = _lines(env, line_model)
        assert before == [("Leg", 1.0), ("Leg", 8.0), ("Table", 2.0), ("Top", 2.0)]
        plain = [line for line in order.lines if line.product == leg and line.component_parent is None]
        parent = [line for line in order.lines if line.product == table]
        for lines in (plain, parent):
            with pytest.raises(errors.ValidationError, match="propagate must be True, False"):
                Line.write(lines, {"quantity": 3}, propagate=propagate)
            with pytest.raises(errors.ValidationError, match="propagate must be True, False"):
                Line.delete(lines, propagate=propagate)
        assert _lines(env, line_model) == before


@pytest.mark.parametrize("field, code", [("bom", ""), ("bom", "  "), ("bom", " STD"), ("group", "top "),
                                         ("group", " ")])
def test_blank_or_padded_bom_and_group_codes_are_refused(bom_db, field, code):
    with bom_db.transaction() as env:
        unit, leg, top, table = _products(env)
        values = {"parent_product": table.id, "product": leg.id, "quantity": 1, field: code}
        if field == "group":
            values["kind"] = "option"
        with pytest.raises(errors.ValidationError, match="blank or has spaces") as info:
            env["product.component"].create([values])
        assert field in info.value.errors
        assert len(env["product.component"].search([])) == 2


def test_a_component_s_product_keeps_the_category_it_is_counted_in(bom_db):
    with bom_db.transaction() as env:
        unit, leg, top, table = _products(env)
        kg = env["product.uom"].search([("symbol", "=", "kg")])[0]
        with pytest.raises(errors.ValidationError, match="component of .*Table") as info:
            env["product.product"].write([leg], {"default_uom": kg.id})
        assert "default_uom" in info.value.errors
        assert env["product.product"].browse([leg.id])[0].default_uom.id == unit
        dozen = env["product.uom"].search([("symbol", "=", "dz")])[0]
        env["product.product"].write([leg], {"default_uom": dozen.id})   # same category: fine


def test_a_product_on_quoted_line_components_keeps_its_category(bom_db, kind):
    """The top left the kit after quoting, but the quoted kit line still counts it in units."""
    order_model, line_model = ORDERS[kind]
    with bom_db.transaction() as env:
        unit, leg, top, table = _products(env)
        Product = env["product.product"]
        box, = Product.create([{"name": "Box", "type": "kit", "default_uom": unit, "components": [
            {"product": leg.id, "quantity": 4}, {"product": top.id, "quantity": 1}]}])
        party, = env["party.party"].create([{"name": "Ann"}])
        order, = env[order_model].create([{"party": party.id, "lines": [{"product": box.id, "quantity": 1}]}])
        env[order_model].quote([order])
        env["product.component"].delete([c for c in box.components if c.product == top])
        env["product.component"].delete([c for c in table.components if c.product == top])
        kg = env["product.uom"].search([("symbol", "=", "kg")])[0]
        with pytest.raises(errors.ValidationError,
                           match=rf"Top.*Kilogram.*{kind}\.line\.component .* of {kind}\.line .* counts it in Unit"):
            Product.write([top], {"default_uom": kg.id})
        assert Product.browse([top.id])[0].default_uom.id == unit


def test_the_order_s_lines_actions_keep_the_rules_of_component_lines(bom_db, kind):
    """Through the order's ``lines`` actions as through the line model: a component line keeps its unit."""
    order_model, line_model = ORDERS[kind]
    with bom_db.transaction() as env:
        unit, leg, top, table = _products(env)
        dozen = env["product.uom"].search([("symbol", "=", "dz")])[0].id
        party, = env["party.party"].create([{"name": "Ann"}])
        order, = env[order_model].create([{"party": party.id, "lines": [{"product": table.id, "quantity": 2}]}])
        legs, = [line for line in order.lines if line.product == leg]
        with pytest.raises(errors.AccessError, match="the unit of a component line cannot change"):
            env[line_model].write([legs], {"unit": dozen})
        with pytest.raises(errors.AccessError, match="the unit of a component line cannot change"):
            env[order_model].write([order], {"lines": [("write", [legs.id], {"unit": dozen})]})
        assert (legs.unit.id, legs.quantity) == (unit, 8.0)
        env[order_model].write([order], {"lines": [("write", [legs.id], {"quantity": 9})]})   # its quantity may
        assert legs.quantity == 9.0
