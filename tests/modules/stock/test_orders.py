"""Sales and purchases with stock: shipments of goods, kits and child lines; quantities to invoice."""
from decimal import Decimal

import pytest

from core import errors

KINDS = {
    "sale": ("sale.sale", "sale.line", "stock.shipment.out", "quantity_shipped", "customer"),
    "purchase": ("purchase.purchase", "purchase.line", "stock.shipment.in", "quantity_received", "supplier"),
}


@pytest.fixture(params=sorted(KINDS))
def kind(request):
    return request.param


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "purchase", "product_kit", "stock")


class Shop:
    def __init__(self, env, kind):
        self.kind = kind
        self.order_model, self.line_model, self.shipment_model, self.moved, self.partner = KINDS[kind]
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        Product = env["product.product"]
        # The kit costs what its components cost (1 A + 2 B + the fixed C): 10, as its list price.
        self.a, self.b, self.c, self.service = [p.id for p in Product.create([
            {"name": "A", "default_uom": units["u"], "list_price": Decimal("3"), "cost_price": Decimal("4")},
            {"name": "B", "default_uom": units["u"], "list_price": Decimal("1"), "cost_price": Decimal("2")},
            {"name": "C", "default_uom": units["u"], "list_price": Decimal("2"), "cost_price": Decimal("2")},
            {"name": "Fitting", "type": "service", "default_uom": units["u"], "list_price": Decimal("50"),
             "cost_price": Decimal("50")}])]
        self.kit, = [p.id for p in Product.create([{
            "name": "Kit", "type": "kit", "default_uom": units["u"], "list_price": Decimal("10"),
            "cost_price": Decimal("10"), "components": [
                {"product": self.a, "quantity": 1}, {"product": self.b, "quantity": 2},
                {"product": self.c, "quantity": 1, "fixed": True}]}])]
        self.pack, = [p.id for p in Product.create([{
            "name": "Pack", "default_uom": units["u"], "list_price": Decimal("5"), "cost_price": Decimal("5"),
            "components": [{"product": self.b, "quantity": 3}]}])]
        self.party, = [p.id for p in env["party.party"].create([{"name": "Partner"}])]
        Location = env["stock.location"]
        self.warehouse = Location.warehouse()
        self.storage = self.warehouse.storage_location.id
        self.supplier = Location.by_type("supplier").id

    def stock(self, env, quantities):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product, "quantity": quantity, "from_location": self.supplier,
                              "to_location": self.storage} for product, quantity in quantities.items()]))

    def processed(self, env, lines, invoice_method="order"):
        Order = env[self.order_model]
        order, = Order.create([{"party": self.party, "invoice_method": invoice_method, "lines": lines}])
        Order.quote([order])
        Order.confirm([order])
        Order.process([order])
        return order

    def finish(self, env, shipments, quantities=None):
        Shipment = env[self.shipment_model]
        if self.kind == "sale":
            Shipment.assign([s for s in shipments if s.state in ("draft", "waiting")])
            return Shipment.ship(shipments, quantities)
        return Shipment.receive(shipments, quantities)


@pytest.fixture
def shop(database, kind):
    with database.transaction() as env:
        shop = Shop(env, kind)
        shop.stock(env, {shop.a: 100, shop.b: 100, shop.c: 100})
        return shop


def test_processing_creates_the_shipment(database, shop):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.kit, "quantity": 2}, {"product": shop.pack, "quantity": 1},
                                     {"product": shop.a, "quantity": 4}, {"product": shop.service, "quantity": 1}])
        assert order.state == "processing"
        shipment, = order.shipments
        assert shipment.state == "waiting" and shipment.party.id == shop.party
        kit_line, pack_line, child_line, a_line, service_line = order.lines
        moves = {(m.product.name, m.quantity, m.origin) for m in shipment.moves}
        assert moves == {
            ("A", 2.0, kit_line.components[0]), ("B", 4.0, kit_line.components[1]),
            ("C", 1.0, kit_line.components[2]),             # the kit itself has no move
            ("Pack", 1.0, pack_line), ("B", 3.0, child_line),  # the child line ships as a line
            ("A", 4.0, a_line)}                              # and the service has none
        assert kit_line.moves == [m for c in kit_line.components for m in c.moves]
        assert service_line.moves == [] and a_line.moves[0].origin == a_line
        assert all(m.state == "waiting" for m in shipment.moves)


def test_kit_moves_add_up_to_the_line_amount(database, shop):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.kit, "quantity": 3}])
        line = order.lines[0]
        prices = {m.product.name: m.unit_price for c in line.components for m in c.moves}
        total = sum(Decimal(repr(m.quantity)) * m.unit_price for c in line.components for m in c.moves)
        assert total.quantize(Decimal("0.01")) == line.amount == Decimal("30.00")
        # in proportion to list prices: A weighs 3 x 1, B 1 x 2, C (fixed) 2 x 1/3
        assert prices["A"] > prices["C"] > prices["B"]
        assert (prices["A"] * 3).quantize(Decimal("0.01")) == (Decimal("30") * 3 / (Decimal("17") / 3)).quantize(
            Decimal("0.01"))


def test_done_when_every_move_is_done(database, shop):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.kit, "quantity": 1}, {"product": shop.a, "quantity": 2}])
        backorders = shop.finish(env, list(order.shipments))
        assert backorders == []
        assert order.state == "done"
        assert all(m.state == "done" for m in order.shipments[0].moves)


def test_only_services_is_done_at_once(database, shop):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.service, "quantity": 2}])
        assert (order.state, order.shipments) == ("done", [])


@pytest.mark.parametrize("method", ["order", "shipment", "manual"])
def test_quantity_to_invoice(database, shop, method):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.a, "quantity": 10}, {"product": shop.service, "quantity": 1}],
                               invoice_method=method)
        goods, service = order.lines
        move, = goods.moves
        shop.finish(env, list(order.shipments), {move.id: 4})
        assert getattr(goods, shop.moved) == 4.0
        expected = {"order": 10.0, "shipment": 4.0, "manual": 0.0}[method]
        assert goods.quantity_to_invoice == expected
        assert service.quantity_to_invoice == 1.0   # services: in full, whatever the method
        assert order.state == "processing"


def test_partially_shipped_kit_invoices_the_smallest_ratio(database, shop):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.kit, "quantity": 2}], invoice_method="shipment")
        line = order.lines[0]
        a, b, c = (component.moves[0] for component in line.components)
        # A (2) and C (1) fully moved, B half moved (2 of 4): half the kits
        shop.finish(env, list(order.shipments), {a.id: 2, b.id: 2, c.id: 1})
        assert getattr(line, shop.moved) == 1.0
        assert line.quantity_to_invoice == 1.0
        assert order.state == "processing"
        backorder = [s for s in order.shipments if s.state != "done"]
        shop.finish(env, backorder)
        assert (getattr(line, shop.moved), line.quantity_to_invoice, order.state) == (2.0, 2.0, "done")


def test_cancel_cancels_the_moves_not_done(database, shop):
    with database.transaction() as env:
        Order = env[shop.order_model]
        order = shop.processed(env, [{"product": shop.a, "quantity": 10}, {"product": shop.b, "quantity": 1}])
        a_move = order.lines[0].moves[0]
        shop.finish(env, list(order.shipments), {a_move.id: 10, order.lines[1].moves[0].id: 0})
        if shop.order_model == "sale.sale":   # §14: a sale is cancelled only while nothing is shipped
            with pytest.raises(errors.WorkflowError, match="already shipped in part; amend the sale"):
                Order.cancel([order])
            assert order.state == "processing"
            return
        Order.cancel([order])
        assert order.state == "cancelled"
        states = sorted((m.product.name, m.state) for line in order.lines for m in line.moves)
        assert states == [("A", "done"), ("B", "cancelled")]
        assert sorted(s.state for s in order.shipments) == ["cancelled", "done"]


def test_kit_availability_is_whole_kits(database, kind):
    with database.transaction() as env:
        shop = Shop(env, kind)
        Location = env["stock.location"]
        assert Location.quantities([shop.kit], shop.warehouse)[shop.kit] == 0.0
        shop.stock(env, {shop.a: 7, shop.b: 9})
        assert Location.quantities([shop.kit], shop.warehouse)[shop.kit] == 0.0   # no C at all
        shop.stock(env, {shop.c: 1})
        assert Location.quantities([shop.kit, shop.a], shop.warehouse) == {shop.kit: 4.0, shop.a: 7.0}


def test_shipping_more_than_the_move_is_refused(database, shop):
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.a, "quantity": 1}])
        move = order.lines[0].moves[0]
        with pytest.raises(errors.ValidationError, match="not a quantity"):
            shop.finish(env, list(order.shipments), {move.id: 5})
        assert move.state == ("assigned" if shop.kind == "sale" else "waiting") and order.state == "processing"
        assert [(m.quantity, m.state == "done") for m in order.shipments[0].moves] == [(1.0, False)]


def test_kit_component_in_another_unit_category(database, kind):
    """Tryton's scenario: a kit of 5 (units) with a 1 kg component; 3 kg moved -> 3 kits moved and to invoice."""
    with database.transaction() as env:
        shop = Shop(env, kind)
        kg = env["product.uom"].search([("symbol", "=", "kg")])[0].id
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        flour, = env["product.product"].create([{"name": "Flour", "default_uom": kg, "list_price": Decimal("2"),
                                                 "cost_price": Decimal("2")}])
        bag, = env["product.product"].create([{"name": "Bag", "type": "kit", "default_uom": unit,
                                               "components": [{"product": flour.id, "quantity": 1, "unit": kg}]}])
        shop.stock(env, {flour.id: 100})
        order = shop.processed(env, [{"product": bag.id, "quantity": 5}], invoice_method="shipment")
        line = order.lines[0]
        move, = line.components[0].moves
        assert (move.quantity, move.unit.symbol) == (5.0, "kg")
        assert (getattr(line, shop.moved), line.quantity_to_invoice) == (0.0, 0.0)
        shop.finish(env, list(order.shipments), {move.id: 3})
        assert (getattr(line, shop.moved), line.quantity_to_invoice) == (3.0, 3.0)
        assert env[shop.line_model].dump([line])[0][shop.moved] == 3.0


def test_an_order_of_a_second_warehouse_moves_there(database, kind):
    with database.transaction() as env:
        shop = Shop(env, kind)
        Location = env["stock.location"]
        site, = Location.create([{"name": "Shop", "code": "SHOP", "type": "warehouse"}])
        Move = env["stock.move"]
        Move.do(Move.create([{"product": shop.a, "quantity": 10, "from_location": shop.supplier,
                              "to_location": site.storage_location.id}]))
        Order = env[shop.order_model]
        assert Order.create([{"party": shop.party}])[0].warehouse == shop.warehouse   # the default: WH
        order, = Order.create([{"party": shop.party, "warehouse": site.id,
                                "lines": [{"product": shop.a, "quantity": 4}]}])
        Order.quote([order])
        Order.confirm([order])
        Order.process([order])
        shipment, = order.shipments
        move, = shipment.moves
        assert shipment.warehouse == site
        inside = move.from_location if kind == "sale" else move.to_location
        assert inside == site.storage_location
        shop.finish(env, [shipment])
        expected = 6.0 if kind == "sale" else 14.0
        assert Location.quantities([shop.a], site) == {shop.a: expected}
        assert Location.quantities([shop.a], shop.warehouse) == {shop.a: 0.0}   # untouched


def test_an_order_warehouse_must_be_a_warehouse(database, kind):
    with database.transaction() as env:
        shop = Shop(env, kind)
        with pytest.raises(errors.ValidationError, match="not a warehouse"):
            env[shop.order_model].create([{"party": shop.party, "warehouse": shop.storage}])


@pytest.mark.parametrize("quantity", [float("nan"), float("inf"), "1", None, True, [1]])
def test_shipped_quantities_must_be_finite_numbers(database, shop, quantity):
    """NaN was taken as 'everything', a string raised a TypeError: both are refused, nothing is done."""
    with database.transaction() as env:
        order = shop.processed(env, [{"product": shop.a, "quantity": 3}])
        move = order.lines[0].moves[0]
        with pytest.raises(errors.ValidationError, match="quantities"):
            shop.finish(env, list(order.shipments), {move.id: quantity})
        assert move.state != "done" and order.state == "processing"
        assert [s.state for s in order.shipments] != ["done"]
    with pytest.raises(errors.ValidationError):
        with database.transaction() as env:
            shop.finish(env, list(env[shop.order_model].browse([order.id])[0].shipments), {move.id: quantity})


def test_whole_kits_by_site(database, kind):
    with database.transaction() as env:
        shop = Shop(env, kind)
        Location = env["stock.location"]
        site, = Location.create([{"name": "Shop", "code": "SHOP", "type": "warehouse"}])
        shop.stock(env, {shop.a: 7, shop.b: 9, shop.c: 1})
        Move = env["stock.move"]
        Move.do(Move.create([{"product": p, "quantity": q, "from_location": shop.supplier,
                              "to_location": site.storage_location.id} for p, q in ((shop.a, 2), (shop.b, 2))]))
        by_site = Location.quantities_by_warehouse([shop.kit, shop.a])
        assert by_site == {shop.kit: {shop.warehouse.id: 4.0, site.id: 0.0},   # no C in the shop
                           shop.a: {shop.warehouse.id: 7.0, site.id: 2.0}}
