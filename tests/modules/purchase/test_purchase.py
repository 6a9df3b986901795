"""Purchases: supplier prices, lead times, the workflow."""
import datetime
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def purchase_db(kitwork_database):
    return kitwork_database("purchase")


@pytest.fixture
def data(purchase_db):
    with purchase_db.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        acme, bolt_co = env["party.party"].create([{"name": "Acme"}, {"name": "Bolt Co"}])
        screw, nail = env["product.product"].create([
            {"name": "Screw", "default_uom": units["u"], "cost_price": Decimal("0.20"), "product_suppliers": [
                {"party": acme.id, "sequence": 1, "lead_time": 4, "unit_price": Decimal("0.10")},
                {"party": bolt_co.id, "sequence": 2, "lead_time": 2, "unit_price": Decimal("0.12")}]},
            {"name": "Nail", "default_uom": units["u"], "cost_price": Decimal("0.05")}])
        return {"units": units, "acme": acme.id, "bolt_co": bolt_co.id, "screw": screw.id, "nail": nail.id}


def new_purchase(env, party, lines, **values):
    purchase, = env["purchase.purchase"].create([{"party": party, "lines": lines, **values}])
    return purchase


def test_supplier_price_lead_time_and_cost_price(purchase_db, data):
    day = datetime.date(2026, 6, 1)
    with purchase_db.transaction() as env:
        from_acme = new_purchase(env, data["acme"], [
            {"product": data["screw"], "quantity": 100},
            {"product": data["screw"], "quantity": 2, "unit": data["units"]["dz"]},
            {"product": data["nail"], "quantity": 10}], purchase_date=day)
        screws, dozens, nails = from_acme.lines
        assert (screws.unit_price, screws.delivery_date) == (Decimal("0.1"), day + datetime.timedelta(days=4))
        assert dozens.unit_price == Decimal("1.2")
        assert (nails.unit_price, nails.delivery_date) == (Decimal("0.05"), day)   # no supplier: cost price
        assert from_acme.untaxed_amount == Decimal("10.00") + Decimal("2.40") + Decimal("0.50")
        from_bolt = new_purchase(env, data["bolt_co"], [{"product": data["screw"], "quantity": 1}],
                                 purchase_date=day)
        assert (from_bolt.lines[0].unit_price, from_bolt.lines[0].delivery_date) == (
            Decimal("0.12"), day + datetime.timedelta(days=2))


def test_first_supplier_by_sequence(purchase_db, data):
    with purchase_db.transaction() as env:
        Supplier = env["purchase.product_supplier"]
        screw = env["product.product"].browse([data["screw"]])[0]
        assert [s.party.name for s in screw.product_suppliers] == ["Acme", "Bolt Co"]
        stranger, = env["party.party"].create([{"name": "Stranger"}])
        assert Supplier.preferred([screw], [stranger])[0].party.name == "Acme"


def test_origin_references_any_record(purchase_db, data):
    with purchase_db.transaction() as env:
        purchase = new_purchase(env, data["acme"], [{"product": data["screw"], "quantity": 1}])
        supplier = env["purchase.product_supplier"].search([])[0]
        env["purchase.line"].write(purchase.lines, {"origin": supplier})
        line = purchase.lines[0]
        assert line.origin == supplier and line.origin.lead_time == 4
        assert env["purchase.line"].search([("origin", "=", supplier)]) == [line]
        assert env["purchase.line"].dump([line])[0]["origin"] == f"purchase.product_supplier,{supplier.id}"
        with pytest.raises(errors.ValidationError):
            env["purchase.line"].write([line], {"origin": "nonsense"})


def test_workflow(purchase_db, data):
    with purchase_db.transaction() as env:
        Purchase = env["purchase.purchase"]
        purchase = new_purchase(env, data["acme"], [{"product": data["screw"], "quantity": 1}])
        Purchase.quote([purchase])
        assert (purchase.state, purchase.number) == ("quotation", "P0001")
        with pytest.raises(errors.WorkflowError, match="P0001"):
            Purchase.process([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        assert purchase.state == "done"


def test_negative_lead_time_is_refused(purchase_db, data):
    with purchase_db.transaction() as env, pytest.raises(errors.ValidationError, match="lead_time"):
        env["purchase.product_supplier"].create([{"product": data["nail"], "party": data["acme"], "lead_time": -1}])


def test_a_bought_product_keeps_its_unit_category(purchase_db, data):
    """A purchase line counts screws in units: refused, nothing of the write stays; another unit of Units is fine."""
    units = data["units"]
    with purchase_db.transaction() as env:
        new_purchase(env, data["acme"], [{"product": data["screw"], "quantity": 100}])
        with pytest.raises(errors.ValidationError,
                           match=r"Screw.*Kilogram.*purchase\.line .* of purchase\.purchase .* counts it in Unit"):
            env["product.product"].write([data["screw"]], {"default_uom": units["kg"]})
        assert env["product.product"].browse([data["screw"]])[0].default_uom.id == units["u"]
        env["product.product"].write([data["screw"]], {"default_uom": units["dz"]})
        env["product.product"].write([data["nail"]], {"default_uom": units["g"]})   # not bought: fine


def test_a_line_says_why_it_has_its_price(purchase_db, data):
    """The supplier's price, else the cost price; a price given by hand, on creation or later, is manual."""
    with purchase_db.transaction() as env:
        purchase = new_purchase(env, data["acme"], [
            {"product": data["screw"], "quantity": 10}, {"product": data["nail"], "quantity": 10},
            {"product": data["nail"], "quantity": 5, "unit_price": Decimal("0.04")}])
        assert [line.price_reason for line in purchase.lines] == ["supplier price", "cost price", "manual"]
        env["purchase.line"].write([purchase.lines[0]], {"unit_price": Decimal("0.09")})
        env["purchase.line"].write([purchase.lines[1]], {"quantity": 20})
        assert [line.price_reason for line in purchase.lines] == ["manual", "cost price", "manual"]
        with pytest.raises(errors.ValidationError):
            env["purchase.line"].write([purchase.lines[1]], {"price_reason": "manual"})   # read-only
