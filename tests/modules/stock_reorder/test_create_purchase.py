"""Buying for a sale: to the warehouse, or drop-shipped from the supplier straight to the customer."""
import datetime
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("stock_reorder", "sale", "product_kit")


class World:
    """WH and SHOP, products A (supplier Acme at 2.00, 3 days) and B (no supplier), a kit K = 2 A, Ann."""

    def __init__(self, env):
        Location, Product, Party = env["stock.location"], env["product.product"], env["party.party"]
        self.wh = Location.warehouse()
        self.shop, = Location.create([{"name": "Shop", "code": "SHOP", "type": "warehouse"}])
        self.supplier = Location.by_type("supplier")
        self.ann, self.acme, self.bolt = Party.create([{"name": "Ann"}, {"name": "Acme"}, {"name": "Bolt"}])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        self.a, self.b, self.service = Product.create([
            {"name": "A", "default_uom": unit.id, "list_price": Decimal(5), "cost_price": Decimal(1)},
            {"name": "B", "default_uom": unit.id, "list_price": Decimal(5), "cost_price": Decimal("1.50")},
            {"name": "Fitting", "type": "service", "default_uom": unit.id, "list_price": Decimal(9)}])
        self.kit, = Product.create([{"name": "K", "type": "kit", "default_uom": unit.id, "list_price": Decimal(9),
                                     "components": [{"product": self.a.id, "quantity": 2}]}])
        env["purchase.product_supplier"].create([{"product": self.a.id, "party": self.acme.id, "lead_time": 3,
                                                  "unit_price": Decimal(2)}])

    def receive(self, env, product, quantity):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity, "from_location": self.supplier.id,
                              "to_location": self.wh.storage_location.id}]))

    def sale(self, env, *lines, process=True, **values):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.ann.id, **values,
                              "lines": [{"product": p.id, "quantity": q} for p, q in lines]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        if process:
            Sale.process([sale])
        return sale

    def on_hand(self, env, *products):
        return env["stock.location"].quantities(products, self.wh)


def test_purchase_to_the_warehouse_grouped_per_vendor_and_warehouse(database):
    with database.transaction() as env:
        w = World(env)
        Sale = env["sale.sale"]
        first = w.sale(env, (w.a, 4), (w.service, 1), (w.kit, 2))
        second = w.sale(env, (w.a, 1), warehouse=w.shop.id)
        third = w.sale(env, (w.a, 2), (w.b, 3), process=False)
        purchases = Sale.create_purchase([first, second])
        assert [(p.party, p.warehouse, p.state, p.drop_ship) for p in purchases] == [
            (w.acme, w.wh, "draft", False), (w.acme, w.shop, "draft", False)]
        lines = [(l.product.name, l.quantity, l.unit_price, l.origin) for l in purchases[0].lines]
        assert lines == [("A", 4.0, Decimal(2), first.lines[0]), ("A", 4.0, Decimal(2), first.lines[2].components[0])]
        assert purchases[0].lines[0].delivery_date == datetime.date.today() + datetime.timedelta(days=3)
        assert [(l.quantity, l.origin) for l in purchases[1].lines] == [(1.0, second.lines[0])]
        assert Sale.create_purchase([first, second]) == []   # already bought
        assert set(first.purchases) == {purchases[0]}
        assert Sale.create_purchase([third], vendor=w.bolt) != []   # a vendor given buys what has no supplier
        bolt, = [p for p in third.purchases]
        assert bolt.party == w.bolt and [(l.product.name, l.unit_price) for l in bolt.lines] == [
            ("A", Decimal(2)), ("B", Decimal("1.50"))]   # the first supplier's price, else the cost price
        assert [s.state for s in first.shipments] == ["waiting"]   # the sale still ships from stock


def test_a_product_without_supplier_and_no_vendor_buys_nothing(database):
    with database.transaction() as env:
        w = World(env)
        Sale = env["sale.sale"]
        sale = w.sale(env, (w.a, 2), (w.b, 3))
        for drop_ship in (False, True):
            with pytest.raises(errors.UserError, match=r"cannot buy B for sale.sale .*: the product has no supplier"):
                Sale.create_purchase([sale], drop_ship=drop_ship)
        assert env["purchase.purchase"].search([]) == [] and env["purchase.line"].search([]) == []
        assert [m.state for s in sale.shipments for m in s.moves] == ["waiting", "waiting"]


@pytest.mark.parametrize("call, error, message", [
    (lambda S, w, sale: S.create_purchase([sale], vendor=w.a), errors.UserError, "vendor must be a party|vendor: (Not a valid|no party)"),
    (lambda S, w, sale: S.create_purchase([sale], vendor=10 ** 6), errors.UserError, "vendor must be a party|vendor: (Not a valid|no party)"),
    (lambda S, w, sale: S.create_purchase([sale], drop_ship="yes"), errors.UserError, "drop_ship:? must be True"),
    (lambda S, w, sale: S.create_purchase(sale), errors.UserError, "expected a list of (sales|records or ids)"),
    (lambda S, w, sale: S.create_purchase([w.draft]), errors.WorkflowError,
     "cannot buy for sale.sale .*: it is draft; only confirmed or processing"),
    (lambda S, w, sale: S.create_purchase([sale.id, 2 ** 70]), errors.UserError, "expected a (sale|record of sale.sale) or its id"),
    (lambda S, w, sale: S.create_purchase([sale], vendor=2 ** 63), errors.UserError, "vendor must be a party|vendor: (Not a valid|no party)"),
])
def test_bad_input_buys_nothing(database, call, error, message):
    with database.transaction() as env:
        w = World(env)
        Sale = env["sale.sale"]
        sale = w.sale(env, (w.a, 2))
        w.draft, = Sale.create([{"party": w.ann.id, "lines": [{"product": w.a.id, "quantity": 1}]}])
        with pytest.raises(error, match=message):
            call(Sale, w, sale)
        assert env["purchase.purchase"].search([]) == []


def test_drop_ship_delivers_to_the_customer_and_leaves_stock_alone(database):
    with database.transaction() as env:
        w = World(env)
        w.receive(env, w.a, 50)
        Sale, Purchase = env["sale.sale"], env["purchase.purchase"]
        sale = w.sale(env, (w.a, 4), (w.kit, 3))
        before = w.on_hand(env, w.a)
        purchase, = Sale.create_purchase([sale], drop_ship=True)
        assert (purchase.party, purchase.drop_ship, purchase.customer, purchase.state) == (w.acme, True, w.ann, "draft")
        assert [(l.product.name, l.quantity, l.origin) for l in purchase.lines] == [
            ("A", 4.0, sale.lines[0]), ("A", 6.0, sale.lines[1].components[0])]
        assert [s.state for s in sale.shipments] == ["cancelled"]   # its outgoing moves are replaced
        assert sale.state == "processing"   # waiting for the drop shipment
        assert Sale.create_purchase([sale], drop_ship=True) == [] == Sale.create_purchase([sale])   # bought once
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        customer = env["stock.location"].by_type("customer")
        moves = [m for s in purchase.shipments for m in s.moves]
        assert {(m.from_location, m.to_location) for m in moves} == {(w.supplier, customer)}
        assert sale.state == "processing" and sale.lines[0].quantity_shipped == 0.0
        env["stock.shipment.in"].receive(purchase.shipments)
        assert w.on_hand(env, w.a) == before == {w.a.id: 50.0}
        assert [l.quantity_shipped for l in sale.lines] == [4.0, 3.0]
        assert (purchase.state, sale.state) == ("done", "done")


def test_drop_ship_before_processing_makes_no_outgoing_move(database):
    with database.transaction() as env:
        w = World(env)
        Sale, Purchase = env["sale.sale"], env["purchase.purchase"]
        sale = w.sale(env, (w.a, 2), (w.b, 1), process=False)
        purchases = Sale.create_purchase([sale], vendor=w.bolt, drop_ship=True)
        assert [(p.party, [l.quantity for l in p.lines]) for p in purchases] == [(w.bolt, [2.0, 1.0])]
        Sale.process([sale])
        assert sale.shipments == [] and sale.state == "processing"
        Purchase.quote(purchases)
        Purchase.confirm(purchases)
        Purchase.process(purchases)
        shipment, = purchases[0].shipments
        quantities = {m.id: 2 if m.product == w.a else 0 for m in shipment.moves}
        backorder, = env["stock.shipment.in"].receive([shipment], quantities)
        assert sale.state == "processing" and [l.quantity_shipped for l in sale.lines] == [2.0, 0.0]
        env["stock.shipment.in"].receive([backorder])
        assert sale.state == "done" and [l.quantity_shipped for l in sale.lines] == [2.0, 1.0]


def test_drop_ship_of_a_partly_shipped_line_buys_the_rest(database):
    with database.transaction() as env:
        w = World(env)
        w.receive(env, w.a, 3)
        Sale = env["sale.sale"]
        sale = w.sale(env, (w.a, 5))
        Sale.fulfil([sale], partial=True)
        assert sale.lines[0].quantity_shipped == 3.0
        purchase, = Sale.create_purchase([sale], drop_ship=True)
        assert [l.quantity for l in purchase.lines] == [2.0]
        assert sorted(m.state for s in sale.shipments for m in s.moves) == ["cancelled", "done"]


def test_a_sale_cannot_be_cancelled_under_a_confirmed_drop_ship_purchase(database):
    """Cancelling the sale must not cancel the supplier's delivery behind the buyer's back."""
    with database.transaction() as env:
        w = World(env)
        Sale, Purchase = env["sale.sale"], env["purchase.purchase"]
        sale = w.sale(env, (w.a, 4), (w.kit, 1))
        purchase, = Sale.create_purchase([sale], drop_ship=True)
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        shipment, = purchase.shipments   # nothing received yet: a sale shipped in part is never cancelled (§14)
        with pytest.raises(errors.WorkflowError, match=r"cannot cancel sale.sale .*: its drop-ship purchase "
                                                       r"purchase.purchase .* is processing; cancel that purchase"):
            with env.atomic():
                Sale.cancel([sale])
        assert (sale.state, purchase.state, shipment.state) == ("processing", "processing", "waiting")
        assert sorted((m.quantity, m.state) for m in shipment.moves) == [(2.0, "waiting"), (4.0, "waiting")]
        Purchase.cancel([purchase])
        assert shipment.state == "cancelled"
        Sale.cancel([sale])   # the purchase cancelled, nothing binds the sale any more
        assert sale.state == "cancelled"
        assert [l.quantity_shipped for l in sale.lines] == [0.0, 0.0]


def test_cancelling_a_sale_cancels_its_drop_ship_purchases_not_yet_confirmed(database):
    with database.transaction() as env:
        w = World(env)
        Sale, Purchase = env["sale.sale"], env["purchase.purchase"]
        sale, other = w.sale(env, (w.a, 2), process=False), w.sale(env, (w.a, 1), process=False)
        dropped, kept = Sale.create_purchase([sale, other], drop_ship=True)
        Purchase.quote([dropped])
        Sale.cancel([sale])
        assert (sale.state, dropped.state, other.state, kept.state) == ("cancelled", "cancelled", "confirmed", "draft")
