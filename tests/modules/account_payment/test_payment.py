"""Payments allocated to invoices: partial, full, over-allocation, cancelling, orders' payment state, concurrency."""
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_payment", "sale", "purchase")


class Books:
    """A taxed product, a customer and a supplier; a posted invoice of 120.00 for each side, from an order."""

    def __init__(self, env):
        revenue, expense = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"},
                                                           {"code": "5000", "name": "Purchases", "type": "expense"}])
        vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        self.lamp, = env["product.product"].create([{
            "name": "Lamp", "default_uom": unit.id, "list_price": Decimal("10"), "cost_price": Decimal("10"),
            "revenue_account": revenue.id, "expense_account": expense.id,
            "customer_taxes": [vat.id], "supplier_taxes": [vat.id]}])
        self.customer, self.supplier = env["party.party"].create([{"name": "Ann"}, {"name": "Supplies Ltd"}])

    def order(self, env, model, party, quantity=10):
        Order = env[model]
        order, = Order.create([{"party": party.id, "lines": [{"product": self.lamp.id, "quantity": quantity}]}])
        Order.quote([order])
        Order.confirm([order])
        invoice, = Order.invoice([order])
        env["account.invoice"].post([invoice])
        return order, invoice


def pay(env, party, *allocations, kind="receipt", amount=None):
    Payment = env["account.payment"]
    payment, = Payment.create([{"party": party.id, "kind": kind,
                                "amount": amount if amount is not None else sum(a for _, a in allocations),
                                "lines": [{"invoice": i.id, "amount": a} for i, a in allocations]}])
    return payment


def test_partial_then_full_payment_makes_the_invoice_and_the_order_paid(database):
    with database.transaction() as env:
        books = Books(env)
        Payment, Sale = env["account.payment"], env["sale.sale"]
        sale, invoice = books.order(env, "sale.sale", books.customer)
        assert (invoice.total_amount, invoice.amount_paid, invoice.amount_to_pay) == (
            Decimal("120.00"), Decimal("0"), Decimal("120.00"))
        assert sale.payment_state == "none"
        first = pay(env, books.customer, (invoice, Decimal("50")))
        assert invoice.amount_to_pay == Decimal("120.00")   # a draft payment allocates nothing
        Payment.post([first])
        assert (invoice.state, invoice.amount_paid, invoice.amount_to_pay) == ("posted", Decimal("50.00"),
                                                                                Decimal("70.00"))
        assert sale.payment_state == "partial"
        assert Sale.search([("payment_state", "=", "partial")]) == [sale]
        second = pay(env, books.customer, (invoice, Decimal("70")), amount=Decimal("100"))  # 30 left unallocated
        Payment.post([second])
        assert (invoice.state, invoice.amount_to_pay) == ("paid", Decimal("0.00"))
        env["party.party"].write([books.customer], {"email": "ann@example.com"})
        message, = env["account.invoice"].send([invoice])   # a paid invoice still goes out (a copy)
        assert message.attachment_name == f"{invoice.number}.pdf"
        assert Sale.search([("payment_state", "=", "paid")]) == [sale]
        # posted payments never change; cancelling is their only undoing
        for call in (lambda: Payment.write([second], {"amount": Decimal("1")}), lambda: Payment.delete([second]),
                     lambda: env["account.payment.line"].write(list(second.lines), {"amount": Decimal("1")})):
            with pytest.raises(errors.WorkflowError, match="never changes"):
                call()
        with pytest.raises(errors.WorkflowError, match="cancel it instead"):
            env["account.payment.line"].create([{"payment": second.id, "invoice": invoice.id, "amount": 1}])
        with pytest.raises(errors.WorkflowError, match="payments allocate 120.00"):
            env["account.invoice"].cancel([invoice])
        Payment.cancel([second])
        assert (invoice.state, invoice.amount_to_pay, sale.payment_state) == ("posted", Decimal("70.00"), "partial")
        Payment.cancel([first])
        assert (invoice.amount_paid, sale.payment_state) == (Decimal("0"), "none")


def test_over_allocation_and_wrong_invoices_are_refused_and_nothing_stays(database):
    with database.transaction() as env:
        books = Books(env)
        Payment = env["account.payment"]
        sale, invoice = books.order(env, "sale.sale", books.customer)
        _, bill = books.order(env, "purchase.purchase", books.supplier)
        Payment.post([pay(env, books.customer, (invoice, Decimal("100")))])
        too_much = pay(env, books.customer, (invoice, Decimal("20.01")))
        with pytest.raises(errors.ValidationError, match="owes 20.00, and the payments allocate 20.01"):
            Payment.post([too_much])
        assert (too_much.state, invoice.amount_paid) == ("draft", Decimal("100.00"))
        with pytest.raises(errors.ValidationError, match="more than its amount") as raised:
            pay(env, books.customer, (invoice, Decimal("5")), amount=Decimal("4"))
        assert "lines" in raised.value.errors
        with pytest.raises(errors.ValidationError, match="more than its amount"):
            env["account.payment.line"].create([{"payment": too_much.id, "invoice": invoice.id, "amount": 1}])
        assert len(too_much.lines) == 1
        # two lines of one payment to one invoice count together
        twice = pay(env, books.customer, (invoice, Decimal("15")), (invoice, Decimal("15")))
        with pytest.raises(errors.ValidationError, match="allocate 30.00"):
            Payment.post([twice])
        with pytest.raises(errors.ValidationError, match="Supplies Ltd's, not Ann's"):
            Payment.post([pay(env, books.customer, (bill, Decimal("1")))])
        with pytest.raises(errors.ValidationError, match="settled by a disbursement"):
            Payment.post([pay(env, books.supplier, (bill, Decimal("1")))])
        Payment.post([pay(env, books.supplier, (bill, Decimal("120")), kind="disbursement")])
        assert bill.state == "paid" and env["purchase.purchase"].search([])[0].payment_state == "paid"
        draft, = env["account.invoice"].create([{"party": books.customer.id, "lines": [
            {"product": books.lamp.id, "quantity": 1}]}])
        with pytest.raises(errors.ValidationError, match="is draft; only posted invoices are paid"):
            Payment.post([pay(env, books.customer, (draft, Decimal("1")))])
        for bad in ({"amount": Decimal("0")}, {"amount": Decimal("-5")}):
            with pytest.raises(errors.ValidationError):
                Payment.create([{"party": books.customer.id, **bad}])
        assert invoice.amount_paid == Decimal("100.00") and sale.payment_state == "partial"


def test_ship_when_paid(kitwork_database):
    """Seed 003: the rule listening to ``paid`` fulfils a sale once its invoice is paid, not before."""
    database = kitwork_database("account_payment", "sale_automation")
    with database.transaction() as env:
        books = Books(env)
        Location, Move, Sale = env["stock.location"], env["stock.move"], env["sale.sale"]
        Move.do(Move.create([{"product": books.lamp.id, "quantity": 20, "from_location": Location.by_type(
            "supplier").id, "to_location": Location.warehouse().storage_location.id}]))
        env["sale.automation.rule"].create([{"name": "Ship when paid", "events": ["paid"],
                                             "actions": [{"type": "fulfil"}]}])
        sale, invoice = books.order(env, "sale.sale", books.customer, quantity=4)
        Sale.process([sale])
        half = pay(env, books.customer, (invoice, Decimal("24")))
        env["account.payment"].post([half])
        assert (sale.payment_state, sale.state, sale.lines[0].quantity_shipped) == ("partial", "processing", 0)
        env["account.payment"].post([pay(env, books.customer, (invoice, Decimal("24")))])
        assert (sale.payment_state, sale.state, sale.lines[0].quantity_shipped) == ("paid", "done", 4)


WORKER = r"""
import pathlib, sys, time
from decimal import Decimal
from core import Database, errors
url, go, party, invoice = sys.argv[1], pathlib.Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
db = Database(url)
while not go.exists():
    time.sleep(0.01)
try:
    with db.transaction() as env:
        Payment = env["account.payment"]
        payment, = Payment.create([{"party": party, "amount": Decimal("80"),
                                    "lines": [{"invoice": invoice, "amount": Decimal("80")}]}])
        Payment.post([payment])
        time.sleep(0.5)   # hold the lock: the other one waits, then counts these 80
    print("posted")
except errors.ValidationError as exc:
    print("refused", exc)
db.close()
"""


@pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL", "").startswith("postgresql"),
                    reason="row locks and concurrent transactions in two processes: PostgreSQL")
def test_two_payments_posted_at_once_never_over_pay_an_invoice(database, tmp_path):
    with database.transaction() as env:
        books = Books(env)
        _, invoice = books.order(env, "sale.sale", books.customer)
        party, invoice_id = books.customer.id, invoice.id
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, database.url, str(go), str(party), str(invoice_id)],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    go.write_text("go")
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    results = sorted(out.split()[0] for out, _ in outputs)
    assert results == ["posted", "refused"], outputs
    with database.transaction() as env:
        invoice, = env["account.invoice"].browse([invoice_id])
        assert (invoice.amount_paid, invoice.state) == (Decimal("80.00"), "posted")
        assert [p.state for p in env["account.payment"].search([])] == ["posted"]
