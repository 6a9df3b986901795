"""Make to order after the sale changes (§14): purchases follow while draft, exceptions once confirmed."""
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("stock_reorder", "sale", "product_kit")


class World:
    """A made-to-order lamp (Acme, 2 days) and a kit of 2 lamps + 1 shade (from stock), Ann."""

    def __init__(self, env):
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        Product, Party = env["product.product"], env["party.party"]
        self.ann, self.acme = Party.create([{"name": "Ann"}, {"name": "Acme"}])
        self.lamp, self.shade = Product.create([
            {"name": "Lamp", "default_uom": unit.id, "list_price": Decimal(20), "supply_on_sale": True,
             "product_suppliers": [{"party": self.acme.id, "lead_time": 2, "unit_price": Decimal(8)}]},
            {"name": "Shade", "default_uom": unit.id, "list_price": Decimal(5)}])
        self.kit, = Product.create([{"name": "Lamp kit", "type": "kit", "default_uom": unit.id,
                                     "list_price": Decimal(40), "components": [
                                         {"product": self.lamp.id, "quantity": 2},
                                         {"product": self.shade.id, "quantity": 1}]}])
        self.wh = env["stock.location"].warehouse()

    def sale(self, env, *lines, process=True):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.ann.id, "lines": [{"product": p.id, "quantity": q} for p, q in lines]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        if process:
            Sale.process([sale])
        return sale

    def stock(self, env, product, quantity):
        Move, Location = env["stock.move"], env["stock.location"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity,
                              "from_location": Location.by_type("supplier").id,
                              "to_location": self.wh.storage_location.id}]))


def amend(env, sale, *actions):
    Amendment = env["sale.amendment"]
    amendment, = Amendment.create([{"sale": sale.id, "lines": list(actions)}])
    Amendment.validate([amendment])


def bought(env, item):
    return [(l.purchase.state, l.quantity) for l in env["purchase.line"].search([("origin", "=", item)])]


def confirm(env, purchase):
    Purchase = env["purchase.purchase"]
    Purchase.quote([purchase])
    Purchase.confirm([purchase])


def test_draft_purchase_follows_raise_lower_and_remove(database):
    with database.transaction() as env:
        w = World(env)
        sale = w.sale(env, (w.lamp, 5), (w.kit, 1))
        lamps, kit = sale.lines
        component = kit.components[0]
        purchase, = sale.purchases
        assert bought(env, lamps) == [("draft", 5.0)] and bought(env, component) == [("draft", 2.0)]
        amend(env, sale, {"action": "quantity", "line": lamps.id, "quantity": 7},
              {"action": "quantity", "line": kit.id, "quantity": 3})
        assert bought(env, lamps) == [("draft", 7.0)] and bought(env, component) == [("draft", 6.0)]
        amend(env, sale, {"action": "quantity", "line": lamps.id, "quantity": 2})
        assert bought(env, lamps) == [("draft", 2.0)]
        amend(env, sale, {"action": "remove", "line": lamps.id}, {"action": "remove", "line": kit.id},
              {"action": "add", "product": w.shade.id, "quantity": 1})
        assert purchase.lines == [] and purchase.state == "cancelled"   # emptied: it stays, cancelled
        assert env["supply.exception"].search([]) == []


def test_confirmed_purchase_makes_exceptions_and_raises_buy_on_a_draft(database):
    with database.transaction() as env:
        w = World(env)
        sale = w.sale(env, (w.lamp, 5), (w.kit, 2))
        lamps, kit = sale.lines
        purchase, = sale.purchases
        confirm(env, purchase)
        amend(env, sale, {"action": "quantity", "line": lamps.id, "quantity": 2},
              {"action": "remove", "line": kit.id})
        decreased, cancelled = env["supply.exception"].search([])
        assert (decreased.kind, decreased.quantity, decreased.sale_line, decreased.purchase_line.purchase,
                decreased.state) == ("decreased", 3.0, lamps, purchase, "open")
        assert (cancelled.kind, cancelled.quantity, cancelled.sale, cancelled.product) == (
            "cancelled", 4.0, sale, w.lamp)
        assert "no longer needs 3 u of Lamp" in decreased.explanation
        assert [l.quantity for l in purchase.lines] == [5.0, 4.0]   # the supplier's order is not touched
        amend(env, sale, {"action": "quantity", "line": lamps.id, "quantity": 6})
        assert sorted(bought(env, lamps)) == [("confirmed", 5.0), ("draft", 4.0)]
        assert len(env["supply.exception"].search([])) == 2   # a raise makes no exception
        env["supply.exception"].done([decreased])
        assert decreased.state == "done"
        with pytest.raises(errors.WorkflowError):
            env["supply.exception"].done([decreased])


def test_cancelling_a_sale_follows_its_purchases(database):
    with database.transaction() as env:
        w = World(env)
        Sale = env["sale.sale"]
        draft_bought = w.sale(env, (w.lamp, 3), process=False)
        purchase, = draft_bought.purchases
        Sale.cancel([draft_bought])   # issue #23, point 9
        assert (purchase.state, purchase.lines) == ("cancelled", [])
        confirmed_bought = w.sale(env, (w.lamp, 4))
        other, = confirmed_bought.purchases
        confirm(env, other)
        Sale.cancel([confirmed_bought])
        exception, = env["supply.exception"].search([])
        assert (exception.kind, exception.quantity, exception.sale) == ("cancelled", 4.0, confirmed_bought)
        assert "was cancelled" in exception.explanation


def test_a_cancelled_make_to_order_purchase_frees_the_sale(database):
    with database.transaction() as env:
        w = World(env)
        w.stock(env, w.lamp, 10)
        sale = w.sale(env, (w.lamp, 4))
        purchase, = sale.purchases
        Shipment = env["stock.shipment.out"]
        shipment, = sale.shipments
        Shipment.assign([shipment])
        assert shipment.state == "waiting"   # waits for its purchase, not for stock
        env["purchase.purchase"].cancel([purchase])
        exception, = env["supply.exception"].search([])
        assert (exception.kind, exception.quantity, exception.purchase_line.purchase) == (
            "purchase_cancelled", 4.0, purchase)
        Shipment.assign([shipment])
        assert shipment.state == "assigned"   # reserved from free stock like any other
        assert env["sale.sale"].create_purchase([sale]) == []   # issue #23, point 10: allocated, nothing to buy


def test_create_purchase_buys_only_what_is_not_allocated_nor_bought(database):
    with database.transaction() as env:
        w = World(env)
        w.stock(env, w.shade, 3)
        Sale = env["sale.sale"]
        sale = w.sale(env, (w.shade, 5))
        env["stock.shipment.out"].assign(list(sale.shipments))
        purchase, = Sale.create_purchase([sale], vendor=w.acme)
        assert [(l.product, l.quantity) for l in purchase.lines] == [(w.shade, 2.0)]
        assert Sale.create_purchase([sale], vendor=w.acme) == []
