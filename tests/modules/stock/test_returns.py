"""Returns: sales and purchases brought back, partly and fully, with stock and credit notes; kits by component."""
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_payment", "sale", "purchase", "stock", "product_kit")


class Shop:
    """Jars (taxed), a kit of 1 kg flour and 2 jars, a customer and a supplier; 100 of each in stock."""

    def __init__(self, env):
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        revenue, expense = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"},
                                                           {"code": "5000", "name": "Purchases", "type": "expense"}])
        vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
        Product = env["product.product"]
        accounts = {"revenue_account": revenue.id, "expense_account": expense.id}
        self.flour, self.jar = Product.create([
            {"name": "Flour", "default_uom": units["kg"], "list_price": Decimal("2"), "cost_price": Decimal("1"),
             **accounts},
            {"name": "Jar", "default_uom": units["u"], "list_price": Decimal("3"), "cost_price": Decimal("1.5"),
             "customer_taxes": [vat.id], "supplier_taxes": [vat.id], **accounts}])
        self.hamper, = Product.create([{
            "name": "Hamper", "type": "kit", "default_uom": units["u"], "list_price": Decimal("10"),
            "customer_taxes": [vat.id], **accounts,
            "components": [{"product": self.flour.id, "quantity": 1, "unit": units["kg"]},
                           {"product": self.jar.id, "quantity": 2, "unit": units["u"]}]}])
        self.customer, self.supplier = env["party.party"].create([{"name": "Ann"}, {"name": "Supplies Ltd"}])
        Location, Move = env["stock.location"], env["stock.move"]
        self.storage = Location.warehouse().storage_location
        Move.do(Move.create([{"product": p.id, "quantity": 100, "from_location": Location.by_type("supplier").id,
                              "to_location": self.storage.id} for p in (self.flour, self.jar)]))

    def on_hand(self, env, product):
        return env["stock.location"].quantities([product.id], self.storage)[product.id]

    @staticmethod
    def run(env, model, order):
        Order = env[model]
        Order.quote([order])
        Order.confirm([order])
        Order.process([order])
        return order

    def shipped_sale(self, env, lines):
        sale, = env["sale.sale"].create([{"party": self.customer.id, "invoice_method": "shipment", "lines": lines}])
        self.run(env, "sale.sale", sale)
        Shipment = env["stock.shipment.out"]
        Shipment.assign(list(sale.shipments))
        Shipment.ship(list(sale.shipments))
        assert sale.state == "done"
        return sale


@pytest.fixture
def shop(database):
    with database.transaction() as env:
        return Shop(env)


def test_a_sale_returned_in_two_parts_brings_stock_back_and_is_credited(database, shop):
    with database.transaction() as env:
        Sale, Invoice, Receipt = env["sale.sale"], env["account.invoice"], env["stock.shipment.out.return"]
        sale = shop.shipped_sale(env, [{"product": shop.jar.id, "quantity": 10}])
        line, = sale.lines
        Invoice.post(Sale.invoice([sale]))
        assert shop.on_hand(env, shop.jar) == 90
        back, = Sale.create_return([sale], {line.id: 4})
        assert (back.state, back.returned_from, back.party, back.warehouse, back.invoice_method) == (
            "draft", sale, sale.party, sale.warehouse, "shipment")
        returned, = back.lines
        assert (returned.quantity, returned.returned_from, returned.unit_price, returned.taxes) == (
            -4, line, line.unit_price, line.taxes)
        shop.run(env, "sale.sale", back)
        shipment, = back.shipment_returns
        assert back.shipments == () or list(back.shipments) == []
        move, = shipment.moves
        assert (move.quantity, move.from_location.type, move.to_location) == (4, "customer", shop.storage)
        assert Sale.invoice([back]) == []   # on shipment: nothing came back yet
        Receipt.receive([shipment])
        assert shop.on_hand(env, shop.jar) == 94
        assert (back.state, returned.quantity_shipped) == ("done", -4)
        credit, = Sale.invoice([back])
        assert (credit.type, credit.is_credit_note, [l.quantity for l in credit.lines]) == ("out", True, [-4])
        Invoice.post([credit])
        assert (credit.untaxed_amount, credit.tax_amount, credit.total_amount) == (
            Decimal("-12.00"), Decimal("-2.40"), Decimal("-14.40"))
        assert Invoice.title(credit) == "Credit note" and credit.number.startswith("INV")
        # the customer is refunded by a disbursement; a receipt does not settle a credit note
        Payment = env["account.payment"]
        refund, = Payment.create([{"party": shop.customer.id, "kind": "disbursement", "amount": Decimal("14.40"),
                                   "lines": [{"invoice": credit.id, "amount": Decimal("14.40")}]}])
        Payment.post([refund])
        assert (credit.state, back.payment_state) == ("paid", "paid")
        # the rest comes back by default; then nothing is left to return
        rest, = Sale.create_return([sale])
        assert [l.quantity for l in rest.lines] == [-6]
        with pytest.raises(errors.UserError, match="nothing to return"):
            Sale.create_return([sale])
        with pytest.raises(errors.ValidationError, match="cannot return 1, only 0 u moved and not returned yet"):
            Sale.create_return([sale], {line.id: 1})
        with pytest.raises(errors.ValidationError, match="returns bring back 11") as raised:
            env["sale.line"].write(list(rest.lines), {"quantity": -7})
        assert "quantity" in raised.value.errors and rest.lines[0].quantity == -6
        with pytest.raises(errors.ValidationError, match="below zero"):
            env["sale.line"].write(list(rest.lines), {"quantity": 2})
        Sale.cancel([rest])   # a cancelled return frees its quantity
        again, = Sale.create_return([sale], {line.id: 6})
        assert [l.quantity for l in again.lines] == [-6]
        assert len(Sale.search([("returned_from", "=", sale.id)])) == 3


def test_create_return_refuses_bad_quantities_and_lines_and_creates_nothing(database, shop):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        sale = shop.shipped_sale(env, [{"product": shop.jar.id, "quantity": 2}])
        other = shop.shipped_sale(env, [{"product": shop.jar.id, "quantity": 1}])
        line = sale.lines[0]
        for quantities, error in (({line.id: -1}, errors.ValidationError), ({line.id: 0}, errors.ValidationError),
                                  ({line.id: "2"}, errors.ValidationError), ({line.id: 3}, errors.ValidationError),
                                  ({other.lines[0].id: 1}, errors.UserError), ([line.id], errors.UserError)):
            with pytest.raises(error):
                Sale.create_return([sale], quantities)
        draft, = Sale.create([{"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 1}]}])
        with pytest.raises(errors.UserError, match="nothing to return"):
            Sale.create_return([draft])
        assert Sale.search([("returned_from", "!=", None)]) == []


def test_a_returned_kit_comes_back_as_components_and_is_credited_by_the_least_returned(database, shop):
    with database.transaction() as env:
        Sale, Invoice, Receipt = env["sale.sale"], env["account.invoice"], env["stock.shipment.out.return"]
        sale = shop.shipped_sale(env, [{"product": shop.hamper.id, "quantity": 5}])
        kit_line, = sale.lines
        assert (shop.on_hand(env, shop.flour), shop.on_hand(env, shop.jar)) == (95, 90)
        back, = Sale.create_return([sale], {kit_line.id: 2})
        shop.run(env, "sale.sale", back)
        returned, = back.lines
        assert sorted((c.product.name, c.quantity) for c in returned.components) == [("Flour", -2), ("Jar", -4)]
        shipment, = back.shipment_returns
        moves = {m.product.name: m for m in shipment.moves}
        assert {name: m.quantity for name, m in moves.items()} == {"Flour": 2, "Jar": 4}
        # all the flour, half the jars: one whole hamper back, so one credited
        backorder, = Receipt.receive([shipment], {moves["Jar"].id: 2})
        assert (shop.on_hand(env, shop.flour), shop.on_hand(env, shop.jar)) == (97, 92)
        assert returned.quantity_shipped == -1
        credit, = Sale.invoice([back])
        assert [(l.product.name, l.quantity) for l in credit.lines] == [("Hamper", -1)] and credit.is_credit_note
        Receipt.receive([backorder])
        assert (returned.quantity_shipped, back.state, shop.on_hand(env, shop.jar)) == (-2, "done", 94)
        Invoice.post([credit])
        second, = Sale.invoice([back])
        assert [(l.product.name, l.quantity) for l in second.lines] == [("Hamper", -1)]
        # the whole kit line comes back by default: the three hampers left
        rest, = Sale.create_return([sale])
        assert [l.quantity for l in rest.lines] == [-3]
        with pytest.raises(errors.ValidationError, match="cannot return 1, only 0 u moved"):
            Sale.create_return([sale], {kit_line.id: 1})


def test_a_purchase_returned_to_its_supplier_leaves_stock_and_gets_a_supplier_credit_note(database, shop):
    with database.transaction() as env:
        Purchase, Invoice = env["purchase.purchase"], env["account.invoice"]
        purchase, = Purchase.create([{"party": shop.supplier.id, "invoice_method": "shipment",
                                      "lines": [{"product": shop.jar.id, "quantity": 10}]}])
        shop.run(env, "purchase.purchase", purchase)
        env["stock.shipment.in"].receive(list(purchase.shipments))
        assert shop.on_hand(env, shop.jar) == 110
        back, = Purchase.create_return([purchase], {purchase.lines[0].id: 3})
        shop.run(env, "purchase.purchase", back)
        shipment, = back.shipment_returns
        assert shipment._name == "stock.shipment.in.return" and shipment.state == "waiting"
        move, = shipment.moves
        assert (move.from_location, move.to_location.type, move.quantity) == (shop.storage, "supplier", 3)
        env["stock.shipment.in.return"].ship([shipment])   # no assign first
        assert (shop.on_hand(env, shop.jar), back.state, back.lines[0].quantity_received) == (107, "done", -3)
        credit, = Purchase.invoice([back])
        Invoice.post([credit])
        assert (credit.type, credit.is_credit_note, credit.total_amount) == ("in", True, Decimal("-5.40"))
        assert Invoice.title(credit) == "Supplier credit note"
        with pytest.raises(errors.ValidationError, match="cannot return 8"):
            Purchase.create_return([purchase], {purchase.lines[0].id: 8})
