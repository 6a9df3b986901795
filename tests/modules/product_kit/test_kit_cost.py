"""A kit's cost price is what its components cost (§16), and it is used where a cost is."""
from decimal import Decimal as D

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("product_kit", "sale_control", "purchase", "stock")


class Catalog:
    def __init__(self, env):
        self.env = env
        self.units = u = {x.symbol: x.id for x in env["product.uom"].search([])}
        Product = env["product.product"]
        self.pen, self.ink, self.card, self.oak, self.walnut, self.lamp = Product.create([
            {"name": "Pen", "default_uom": u["u"], "list_price": D("2"), "cost_price": D("1")},
            {"name": "Ink", "default_uom": u["g"], "list_price": D("0.01"), "cost_price": D("0.005")},
            {"name": "Card", "default_uom": u["u"], "list_price": D("1"), "cost_price": D("0.5")},
            {"name": "Oak top", "default_uom": u["u"], "cost_price": D("40")},
            {"name": "Walnut top", "default_uom": u["u"], "cost_price": D("60")},
            {"name": "Lamp", "default_uom": u["u"], "cost_price": D("15")}])
        # 1 pen + 0.05 kg of ink (50 g at 0.005) + 1 card (fixed: once per kit line) = 1 + 0.25 + 0.5
        self.writing_kit, = Product.create([{
            "name": "Writing kit", "type": "kit", "default_uom": u["u"], "list_price": D("10"), "components": [
                {"product": self.pen.id, "quantity": 1}, {"product": self.ink.id, "quantity": 0.05, "unit": u["kg"]},
                {"product": self.card.id, "quantity": 1, "fixed": True}]}])
        # half a dozen writing kits (6 x 1.75) and 2 pens
        self.gift_set, = Product.create([{
            "name": "Gift set", "type": "kit", "default_uom": u["u"], "list_price": D("50"), "components": [
                {"product": self.writing_kit.id, "quantity": 0.5, "unit": u["dz"]},
                {"product": self.pen.id, "quantity": 2}]}])

    def desk(self, **values):
        """A desk kit: 2 pens, a top chosen per line (variants), a lamp offered (option)."""
        desk, = self.env["product.product"].create([{
            "name": "Desk", "type": "kit", "default_uom": self.units["u"], "list_price": D("200"), "components": [
                {"product": self.pen.id, "quantity": 2},
                {"product": self.oak.id, "quantity": 1, "kind": "variant", "group": "top"},
                {"product": self.walnut.id, "quantity": 1, "kind": "variant", "group": "top"},
                {"product": self.lamp.id, "quantity": 1, "kind": "option", "group": "extras"}], **values}])
        return desk


def test_a_kit_costs_its_components_nested_and_in_their_units(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        assert catalog.writing_kit.cost_price == D("1.7500")
        assert catalog.gift_set.cost_price == D("12.5000")    # 6 x 1.75 + 2 x 1


def test_variants_and_options_do_not_count(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        assert catalog.desk().cost_price == D("2.0000")


def test_the_first_commercial_alternative_counts(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        chair, = env["product.product"].create([{
            "name": "Chair", "type": "kit", "default_uom": catalog.units["u"], "components": [
                {"product": catalog.oak.id, "quantity": 1, "bom": "STD"},
                {"product": catalog.walnut.id, "quantity": 1, "bom": "LUX"}]}])
        assert chair.cost_price == D("40.0000")


def test_an_unknown_component_cost_makes_the_kit_cost_unknown(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        env["product.product"].write([catalog.ink], {"cost_price": None})
        assert (catalog.writing_kit.cost_price, catalog.gift_set.cost_price) == (None, None)
        env["product.product"].write([catalog.ink], {"cost_price": D("0.01")})
        assert (catalog.writing_kit.cost_price, catalog.gift_set.cost_price) == (D("2.0000"), D("14.0000"))


def test_the_kit_cost_follows_its_components(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        Product, Component = env["product.product"], env["product.component"]
        Product.write([catalog.pen], {"cost_price": D("2")})
        assert (catalog.writing_kit.cost_price, catalog.gift_set.cost_price) == (D("2.7500"), D("20.5000"))
        pen_line, = [c for c in catalog.writing_kit.components if c.product == catalog.pen]
        Component.write([pen_line], {"quantity": 2})
        assert catalog.writing_kit.cost_price == D("4.7500")
        Product.write([catalog.writing_kit], {"components": [("delete", [pen_line.id])]})
        assert (catalog.writing_kit.cost_price, catalog.gift_set.cost_price) == (D("0.7500"), D("8.5000"))
        Product.write([catalog.writing_kit], {"components": [
            ("create", [{"product": catalog.lamp.id, "quantity": 1}])]})
        assert catalog.writing_kit.cost_price == D("15.7500")
        Product.write([catalog.writing_kit], {"cost_price": D("1")})   # a kit's cost is its components'
        assert catalog.writing_kit.cost_price == D("15.7500")


def test_an_average_cost_receipt_moves_the_kit_cost(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        env["product.product"].write([catalog.pen], {"cost_price_method": "average"})
        vendor, = env["party.party"].create([{"name": "Vendor"}])
        Purchase = env["purchase.purchase"]
        purchase, = Purchase.create([{"party": vendor.id, "lines": [
            {"product": catalog.pen.id, "quantity": 10, "unit_price": D("3")}]}])
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)
        assert catalog.pen.cost_price == D("3.0000")
        assert (catalog.writing_kit.cost_price, catalog.gift_set.cost_price) == (D("3.7500"), D("28.5000"))


def test_the_margin_control_checks_a_kit_by_its_cost(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        env["product.product"].write([catalog.writing_kit], {"min_margin": D("50")})
        customer, = env["party.party"].create([{"name": "Customer"}])
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [
            {"product": catalog.writing_kit.id, "quantity": 1, "unit_price": D("3")}]}])
        warning, = [w for w in env.warnings if w.key == "sale_control.margin"]
        assert "margin 41.7 % is below the minimum 50 %" in warning.message   # (3 - 1.75) / 3
        env["sale.line"].write(sale.lines, {"unit_price": D("4")})   # (4 - 1.75) / 4 = 56 %
        assert sale.lines[0].warnings is None
        with pytest.raises(errors.ValidationError, match="margin"):
            with env.with_context(control_mode="block"):
                env["sale.line"].write(sale.lines, {"unit_price": D("3")})


def test_a_purchase_kit_line_defaults_to_the_kit_cost(database):
    with database.transaction() as env:
        catalog = Catalog(env)
        vendor, = env["party.party"].create([{"name": "Vendor"}])
        purchase, = env["purchase.purchase"].create([{"party": vendor.id, "lines": [
            {"product": catalog.gift_set.id, "quantity": 2}]}])
        line, = purchase.lines
        assert (line.unit_price, line.price_reason, line.amount) == (D("12.5000"), "cost price", D("25.00"))
