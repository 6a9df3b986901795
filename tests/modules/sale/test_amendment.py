"""Amending confirmed and processing orders (§14): lines, moves, kits, quantities to invoice, refusals."""
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_invoice", "sale", "purchase", "stock", "product_kit")


class Shop:
    """Pens and a desk set kit (2 pens + 1 pad), a customer and a supplier, 100 of each in stock."""

    def __init__(self, env):
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        self.unit = unit
        Product = env["product.product"]
        self.pen, self.pad, self.ink = Product.create([
            {"name": "Pen", "default_uom": unit.id, "list_price": Decimal("2")},
            {"name": "Pad", "default_uom": unit.id, "list_price": Decimal("4")},
            {"name": "Ink", "default_uom": unit.id, "list_price": Decimal("1")}])
        self.set, = Product.create([{"name": "Desk set", "type": "kit", "default_uom": unit.id,
                                     "list_price": Decimal("10"), "components": [
                                         {"product": self.pen.id, "quantity": 2},
                                         {"product": self.pad.id, "quantity": 1}]}])
        self.ann, self.acme = env["party.party"].create([{"name": "Ann"}, {"name": "Acme"}])
        Location, Move = env["stock.location"], env["stock.move"]
        self.warehouse = Location.warehouse()
        Move.do(Move.create([{"product": p.id, "quantity": 100, "from_location": Location.by_type("supplier").id,
                              "to_location": self.warehouse.storage_location.id}
                             for p in (self.pen, self.pad, self.ink)]))

    def sale(self, env, *lines, process=True, invoice_method="shipment"):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.ann.id, "invoice_method": invoice_method,
                              "lines": [{"product": p.id, "quantity": q} for p, q in lines]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        if process:
            Sale.process([sale])
        return sale

    def ship(self, env, sale, quantities=None):
        Shipment = env["stock.shipment.out"]
        open_ = [s for s in sale.shipments if s.state not in ("done", "cancelled")]
        Shipment.assign([s for s in open_ if s.state in ("draft", "waiting")])
        Shipment.ship(open_, quantities)


def amend(env, order, *actions, model="sale.amendment"):
    Amendment = env[model]
    field = "sale" if model == "sale.amendment" else "purchase"
    amendment, = Amendment.create([{field: order.id, "lines": list(actions)}])
    Amendment.validate([amendment])
    return amendment


def open_moves(line):
    return sorted((m.product.name, m.quantity, m.state) for m in line.moves if m.state not in ("done", "cancelled"))


def open_totals(line):
    totals = {}
    for name, quantity, _ in open_moves(line):
        totals[name] = totals.get(name, 0.0) + quantity
    return totals


def test_quantity_price_add_and_remove_on_a_processing_sale(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, (shop.pen, 5), (shop.pad, 3), (shop.ink, 1))
        pens, pads, ink = sale.lines
        amendment = amend(env, sale,
                          {"action": "quantity", "line": pens.id, "quantity": 8},
                          {"action": "quantity", "line": pads.id, "quantity": 1},
                          {"action": "unit_price", "line": pads.id, "unit_price": Decimal("3.5")},
                          {"action": "add", "product": shop.ink.id, "quantity": 4},
                          {"action": "remove", "line": ink.id})
        assert amendment.state == "validated" and sale.revision == 1
        assert [(l.product.name, l.quantity, l.unit_price) for l in sale.lines] == [
            ("Pen", 8.0, Decimal("2")), ("Pad", 1.0, Decimal("3.5")), ("Ink", 4.0, Decimal("1"))]
        assert sum(m.quantity for m in sale.lines[0].moves if m.state == "waiting") == 8.0
        assert open_moves(sale.lines[1]) == [("Pad", 1.0, "waiting")]
        assert open_moves(sale.lines[2]) == [("Ink", 4.0, "waiting")]
        shipment, = sale.shipments   # everything on the one shipment of the sale
        assert sorted((m.product.name, m.quantity, m.state) for m in shipment.moves if m.state == "cancelled") == [
            ("Ink", 1.0, "cancelled")]
        assert [l.quantity_to_invoice for l in sale.lines] == [0.0, 0.0, 0.0]
        shop.ship(env, sale)
        assert sale.state == "done"
        assert [l.quantity_to_invoice for l in sale.lines] == [8.0, 1.0, 4.0]   # invoicing follows the amendment
        assert sale.untaxed_amount == Decimal("23.50")


def test_a_confirmed_sale_is_processed_as_amended_and_revisions_count(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, (shop.pen, 5), process=False)
        Amendment = env["sale.amendment"]
        first, second = Amendment.create([
            {"sale": sale.id, "lines": [{"action": "quantity", "line": sale.lines[0].id, "quantity": 6}]},
            {"sale": sale.id, "lines": [{"action": "quantity", "line": sale.lines[0].id, "quantity": 7}]}])
        Amendment.validate([first, second])
        assert (sale.revision, sale.lines[0].quantity) == (2, 7.0)
        with pytest.raises(errors.WorkflowError, match="it is validated"):
            Amendment.validate([first])   # never applied twice
        with pytest.raises(errors.WorkflowError, match="cannot be changed"):
            Amendment.write([first], {"sale": sale.id})
        assert (sale.revision, sale.lines[0].quantity) == (2, 7.0)
        env["sale.sale"].process([sale])
        assert open_moves(sale.lines[0]) == [("Pen", 7.0, "waiting")]


def test_reserved_moves_are_lowered_after_waiting_ones_and_the_shipment_follows(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, (shop.pen, 5))
        shipment, = sale.shipments
        env["stock.shipment.out"].assign([shipment])
        assert shipment.state == "assigned"
        amend(env, sale, {"action": "quantity", "line": sale.lines[0].id, "quantity": 7})
        assert open_moves(sale.lines[0]) == [("Pen", 2.0, "waiting"), ("Pen", 5.0, "assigned")]
        assert shipment.state == "waiting"   # a new waiting move: the shipment waits again
        amend(env, sale, {"action": "quantity", "line": sale.lines[0].id, "quantity": 3})
        assert open_moves(sale.lines[0]) == [("Pen", 3.0, "assigned")]
        assert shipment.state == "assigned" and sale.revision == 2


def test_kit_lines_move_their_components(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, (shop.set, 2))
        kit, = sale.lines
        amend(env, sale, {"action": "quantity", "line": kit.id, "quantity": 3},
              {"action": "add", "product": shop.set.id, "quantity": 1})
        assert [(c.product.name, c.quantity) for c in kit.components] == [("Pen", 6.0), ("Pad", 3.0)]
        assert open_totals(kit) == {"Pad": 3.0, "Pen": 6.0}
        added = sale.lines[1]
        assert [(c.product.name, c.quantity) for c in added.components] == [("Pen", 2.0), ("Pad", 1.0)]
        assert open_moves(added) == [("Pad", 1.0, "waiting"), ("Pen", 2.0, "waiting")]
        assert sum(m.unit_price * Decimal(repr(m.quantity)) for m in added.moves) == Decimal("10.00")
        amend(env, sale, {"action": "remove", "line": added.id}, {"action": "quantity", "line": kit.id, "quantity": 1})
        assert open_totals(kit) == {"Pad": 1.0, "Pen": 2.0}
        assert len(sale.lines) == 1 and sale.revision == 2
        shop.ship(env, sale)
        assert (kit.quantity_shipped, sale.state) == (1.0, "done")


def test_partial_shipments_bound_the_amendment(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, (shop.pen, 5), (shop.set, 4))
        pens, kit = sale.lines
        moves = {m.product.name + str(m.origin._name): m for line in sale.lines for m in line.moves}
        pen_move = moves["Pensale.line"]
        shop.ship(env, sale, {pen_move.id: 3, **{m.id: m.quantity / 2 for k, m in moves.items() if k != "Pensale.line"}})
        assert (pens.quantity_shipped, kit.quantity_shipped) == (3.0, 2.0)
        for line, quantity in ((pens, 2), (kit, 1)):
            with pytest.raises(errors.ValidationError, match=rf"has {line.quantity_shipped:g} u shipped; it cannot go "
                                                             rf"below that \(to {quantity}\)"):
                amend(env, sale, {"action": "quantity", "line": pens.id, "quantity": 9},
                      {"action": "quantity", "line": line.id, "quantity": quantity})
        with pytest.raises(errors.ValidationError, match="it cannot go below that"):
            amend(env, sale, {"action": "remove", "line": pens.id})
        assert (pens.quantity, kit.quantity, sale.revision) == (5.0, 4.0, 0)   # nothing applied
        assert env["sale.amendment"].search([("state", "=", "validated")]) == []
        amend(env, sale, {"action": "quantity", "line": pens.id, "quantity": 3},
              {"action": "quantity", "line": kit.id, "quantity": 3})
        assert open_moves(pens) == [] and open_moves(kit) == [("Pad", 1.0, "waiting"), ("Pen", 2.0, "waiting")]
        shop.ship(env, sale)
        assert ([l.quantity_shipped for l in sale.lines], sale.state) == ([3.0, 3.0], "done")


def test_not_below_what_is_invoiced(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, (shop.pen, 5), invoice_method="order")
        env["sale.sale"].invoice([sale])
        with pytest.raises(errors.ValidationError, match="has 5 u invoiced"):
            amend(env, sale, {"action": "quantity", "line": sale.lines[0].id, "quantity": 4})
        amend(env, sale, {"action": "quantity", "line": sale.lines[0].id, "quantity": 6})
        assert sale.lines[0].quantity_to_invoice == 6.0
        invoice, = env["sale.sale"].invoice([sale])   # the draft invoice gets the one more
        assert sum(l.quantity for l in invoice.lines) == 6.0


def test_purchase_amendment_moves_the_receipt(database):
    with database.transaction() as env:
        shop = Shop(env)
        Purchase = env["purchase.purchase"]
        purchase, = Purchase.create([{"party": shop.acme.id, "lines": [{"product": shop.pen.id, "quantity": 10}]}])
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        line, = purchase.lines
        amend(env, purchase, {"action": "quantity", "line": line.id, "quantity": 4},
              {"action": "add", "product": shop.set.id, "quantity": 1}, model="purchase.amendment")
        assert purchase.revision == 1
        assert open_moves(line) == [("Pen", 4.0, "waiting")]
        assert open_moves(purchase.lines[1]) == [("Pad", 1.0, "waiting"), ("Pen", 2.0, "waiting")]
        env["stock.shipment.in"].receive(list(purchase.shipments))
        assert purchase.state == "done" and line.quantity_received == 4.0


@pytest.mark.parametrize("case, error, message", [
    ("draft sale", errors.WorkflowError, r"cannot amend sale.sale .*: it is draft; only confirmed or processing"),
    ("done sale", errors.WorkflowError, r"cannot amend sale.sale .*: it is done"),
    ("line of another sale", errors.ValidationError, r"is a line of sale.sale .*, not of sale.sale"),
    ("negative quantity", errors.ValidationError, r"quantity must be greater than zero, not -2"),
    ("zero quantity", errors.ValidationError, r"not 0; use the action remove"),
    ("below shipped", errors.ValidationError, r"has 5 u shipped"),
    ("missing line", errors.ValidationError, r"the action quantity needs line"),
    ("unknown action", errors.ValidationError, r"action"),
    ("negative price", errors.ValidationError, r"unit price must not be negative"),
    ("bad unit", errors.ValidationError, r"unit .* does not measure Pen"),
])
def test_bad_input_changes_nothing(database, case, error, message):
    with database.transaction() as env:
        shop = Shop(env)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.pen, 5))
        other = shop.sale(env, (shop.pad, 1))
        target, line = sale, sale.lines[0]
        actions = [{"action": "quantity", "line": line.id, "quantity": 3}]
        if case == "draft sale":
            target, = Sale.create([{"party": shop.ann.id, "lines": [{"product": shop.pen.id, "quantity": 1}]}])
            actions = []
        elif case == "done sale":
            shop.ship(env, sale)
            actions = []
        elif case == "line of another sale":
            actions = [{"action": "quantity", "line": other.lines[0].id, "quantity": 3}]
        elif case in ("negative quantity", "zero quantity"):
            actions = [{"action": "quantity", "line": line.id, "quantity": -2 if case[0] == "n" else 0}]
        elif case == "below shipped":
            target = shop.sale(env, (shop.pen, 5), (shop.pad, 1))
            shop.ship(env, target, {target.lines[0].moves[0].id: 5, target.lines[1].moves[0].id: 0})
            actions = [{"action": "add", "product": shop.ink.id, "quantity": 1},
                       {"action": "quantity", "line": target.lines[0].id, "quantity": 3}]
        elif case == "missing line":
            actions = [{"action": "quantity", "quantity": 3}]
        elif case == "unknown action":
            actions = [{"action": "explode", "line": line.id}]
        elif case == "negative price":
            actions = [{"action": "unit_price", "line": line.id, "unit_price": Decimal(-1)}]
        elif case == "bad unit":
            kg, = env["product.uom"].search([("symbol", "=", "kg")])
            actions = [{"action": "add", "product": shop.pen.id, "quantity": 1, "unit": kg.id}]
        before = [(l.id, l.quantity) for l in env["sale.line"].search([])]
        moves = [(m.id, m.quantity, m.state) for m in env["stock.move"].search([])]
        with pytest.raises(error, match=message):
            amend(env, target, *actions)
        assert [(l.id, l.quantity) for l in env["sale.line"].search([])] == before
        assert [(m.id, m.quantity, m.state) for m in env["stock.move"].search([])] == moves
        assert env["sale.amendment"].search([("state", "=", "validated")]) == []
        assert sale.revision == target.revision == 0


def test_cancel_a_confirmed_or_processing_sale_while_nothing_is_shipped(database):
    with database.transaction() as env:
        shop = Shop(env)
        Sale = env["sale.sale"]
        confirmed = shop.sale(env, (shop.pen, 2), process=False)
        processing = shop.sale(env, (shop.set, 1), (shop.pen, 1))
        env["stock.shipment.out"].assign(list(processing.shipments))
        Sale.cancel([confirmed, processing])
        assert (confirmed.state, processing.state) == ("cancelled", "cancelled")
        assert {m.state for line in processing.lines for m in line.moves} == {"cancelled"}
        assert [s.state for s in processing.shipments] == ["cancelled"]
        assert env["stock.location"].quantities([shop.pen], shop.warehouse) == {shop.pen.id: 100.0}
        shipped = shop.sale(env, (shop.pen, 2), (shop.pad, 1))
        shop.ship(env, shipped, {shipped.lines[0].moves[0].id: 2, shipped.lines[1].moves[0].id: 0})
        with pytest.raises(errors.WorkflowError, match=r"cannot cancel sale.sale .*: sale.line .* is already shipped"):
            Sale.cancel([shipped])
        assert shipped.state == "processing"
