"""Payments: money received (``receipt``) or paid out (``disbursement``), allocated to invoices.

Posting a payment allocates its lines to their invoices: an invoice whose
allocations cover what it owes becomes ``paid``.  The invoices are locked
first, so two payments posted at once for one invoice wait for each other
and the second sees what the first allocated: an invoice is never
over-allocated.  Cancelling a payment reopens the invoices it paid.  A
posted payment never changes; cancelling is its only undoing.
"""
import collections
import datetime
from decimal import Decimal

import sqlalchemy as sa

from core import Model, Workflow, errors, fields, transition
from core.model import batches, in_
from modules.account_invoice.invoice import Invoice as BaseInvoice, locked_in, records_of

KINDS = [("receipt", "Receipt"), ("disbursement", "Disbursement")]
STATES = [("draft", "Draft"), ("posted", "Posted"), ("cancelled", "Cancelled")]
# which invoices each kind pays: a receipt pays customer invoices and supplier credit notes
RECEIPT_TYPE = {(True, "out"), (False, "in")}   # (a debt of the party, invoice type) settled by a receipt


def owed(invoice_type, total):
    """``(kind of payment settling it, amount)`` for an invoice of ``invoice_type`` and ``total``."""
    debt = total >= 0
    return ("receipt" if (debt, invoice_type) in RECEIPT_TYPE else "disbursement"), abs(total)


class Payment(Workflow, Model):
    """An amount received from or paid to a party on a date, allocated by its lines to the party's invoices."""

    _name = "account.payment"
    _order = (("date", "DESC"), ("id", "DESC"))
    _transitions = frozenset({("draft", "posted"), ("draft", "cancelled"), ("posted", "cancelled")})

    party = fields.Many2One("party.party", "Party", required=True, ondelete="restrict")
    kind = fields.Selection(KINDS, "Kind", required=True, default="receipt",
                            help="Receipt: money in (customer invoices, supplier credit notes); disbursement: "
                                 "money out (supplier invoices, customer credit notes).")
    amount = fields.Numeric("Amount", digits=2, required=True, min=Decimal(0))
    date = fields.Date("Date", required=True, default=datetime.date.today)
    reference = fields.Char("Reference", size=256, help="The bank's reference, a cheque number, …")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    lines = fields.One2Many("account.payment.line", "payment", "Lines",
                            help="What of the amount goes to which invoice; together at most the amount.")

    @classmethod
    def validate(cls, payments):
        """Above zero, and the lines add up to the amount at most: one query for the batch."""
        super().validate(payments)
        env, line = cls.env, cls.env["account.payment.line"].table
        for payment in payments:
            if payment.amount <= 0:
                raise errors.ValidationError(f"{payment.rec_name}: amount must be greater than zero",
                                             {"amount": ["Must be greater than zero."]}, payment.rec_name)
        amounts = {p.id: p.amount for p in payments}
        for batch in batches(env, list(amounts)):
            for payment_id, total in env.execute(sa.select(line.c.payment, sa.func.sum(line.c.amount))
                                                 .where(in_(line.c.payment, batch)).group_by(line.c.payment)):
                if total is not None and Decimal(total) > amounts[payment_id]:
                    payment = cls.browse([payment_id])[0]
                    raise errors.ValidationError(
                        f"{payment.rec_name}: its lines allocate {Decimal(total):.2f}, more than its amount "
                        f"{payment.amount:.2f}", {"lines": ["Allocate at most the amount."]}, payment.rec_name)

    # -- changes by hand: draft only ---------------------------------------------------
    @classmethod
    def write(cls, payments, values):
        _refuse_unless_draft(payments, "changed")
        super().write(payments, values)

    @classmethod
    def delete(cls, payments):
        _refuse_unless_draft(payments, "deleted")
        super().delete(payments)

    # -- workflow ----------------------------------------------------------------------
    @classmethod
    @transition("posted")
    def post(cls, payments):
        """Allocate draft payments to their invoices; the invoices they cover become paid.

        Over-allocating an invoice (beyond what it owes, with what other
        posted payments allocate) is a ValidationError, and nothing is posted.
        """
        payments = cls._locked(payments, "post", ("draft",))
        lines = cls.env["account.payment.line"].search([("payment", "in", [p.id for p in payments])])
        invoice_ids = sorted({line.invoice.id for line in lines})
        Invoice = cls.env["account.invoice"]
        Invoice.lock(invoice_ids)   # two payments of one invoice: the second waits and counts the first
        facts = Invoice.payment_facts(invoice_ids)
        new = collections.defaultdict(Decimal)
        for line in lines:
            cls._check_line(line, facts[line.invoice.id])
            new[line.invoice.id] += line.amount
        for invoice_id, amount in new.items():
            fact = facts[invoice_id]
            if fact.paid + amount > fact.owed:
                invoice = Invoice.browse([invoice_id])[0]
                raise errors.ValidationError(
                    f"cannot post: {invoice.rec_name} owes {fact.owed - fact.paid:.2f}, and the payments allocate "
                    f"{amount:.2f} to it", {"lines": [f"At most {fact.owed - fact.paid:.2f} for {invoice.rec_name}."]},
                    invoice.rec_name)
        cls.change_state(payments, "posted", "post")
        Invoice.update_paid(invoice_ids)

    @classmethod
    def _check_line(cls, line, fact):
        payment, invoice = line.payment, line.invoice
        if fact.state not in ("posted", "paid"):
            raise errors.ValidationError(
                f"cannot post {payment.rec_name}: {invoice.rec_name} is {fact.state}; only posted invoices are paid",
                {"lines": ["Invoices must be posted."]}, payment.rec_name)
        if fact.party != payment.party.id:
            raise errors.ValidationError(
                f"cannot post {payment.rec_name}: {invoice.rec_name} is {invoice.party.name}'s, not "
                f"{payment.party.name}'s", {"lines": ["Invoices of the payment's party only."]}, payment.rec_name)
        if fact.kind != payment.kind:
            raise errors.ValidationError(
                f"cannot post {payment.rec_name}: {invoice.rec_name} is settled by a {fact.kind}, and the payment "
                f"is a {payment.kind}", {"kind": [f"Must be {fact.kind}."]}, payment.rec_name)

    @classmethod
    @transition("cancelled")
    def cancel(cls, payments):
        """Cancel payments: the invoices they paid are open (posted) again for what they allocated."""
        payments = cls._locked(payments, "cancel", ("draft", "posted"))
        invoice_ids = sorted({line.invoice.id for p in payments if p.state == "posted" for line in p.lines})
        cls.env["account.invoice"].lock(invoice_ids)
        cls.change_state(payments, "cancelled", "cancel")
        cls.env["account.invoice"].update_paid(invoice_ids)

    @classmethod
    def _locked(cls, payments, verb, states):
        return locked_in(cls, payments, verb, states)


def _refuse_unless_draft(payments, what):
    for payment in payments:
        if payment.state != "draft":
            raise errors.WorkflowError(f"{payment.rec_name} cannot be {what}: it is {payment.state}; a posted "
                                       f"payment never changes (cancel it instead)")


class PaymentLine(Model):
    """The part of a payment allocated to one invoice."""

    _name = "account.payment.line"
    _order = (("payment", "ASC"), ("id", "ASC"))

    payment = fields.Many2One("account.payment", "Payment", required=True, ondelete="cascade")
    invoice = fields.Many2One("account.invoice", "Invoice", required=True, ondelete="restrict")
    amount = fields.Numeric("Amount", digits=2, required=True, min=Decimal(0))

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        for line in lines:
            if line.amount <= 0:
                raise errors.ValidationError(f"{line.rec_name}: amount must be greater than zero",
                                             {"amount": ["Must be greater than zero."]}, line.rec_name)
        cls.env["account.payment"].validate(list({line.payment for line in lines}))

    @classmethod
    def _check_input(cls, vlist, creating, parent_field=None):
        """Lines go to draft payments only (those created with their payment are its own)."""
        checked = super()._check_input(vlist, creating, parent_field)
        if parent_field is None:
            _refuse_unless_draft(cls.env["account.payment"].browse(
                {v["payment"] for v in checked if v.get("payment") is not None}), "given lines")
        return checked

    @classmethod
    def write(cls, lines, values):
        _refuse_unless_draft({line.payment for line in lines}, "changed")
        super().write(lines, values)

    @classmethod
    def delete(cls, lines):
        _refuse_unless_draft({line.payment for line in lines}, "changed")
        super().delete(lines)


PaymentFacts = collections.namedtuple("PaymentFacts", "state party kind owed paid")


class Invoice:
    """Invoices paid by payments: ``amount_paid``, ``amount_to_pay`` and the ``paid`` state."""

    _name = "account.invoice"
    _transitions = BaseInvoice._transitions | {("posted", "paid"), ("paid", "posted")}

    state = fields.Selection.extend([("paid", "Paid")])
    amount_paid = fields.Function(fields.Numeric("Amount paid", digits=2,
                                                 help="What posted payments allocate to it."), "get_amount_paid")
    amount_to_pay = fields.Function(fields.Numeric("Amount to pay", digits=2,
                                                   help="What it owes (its total, a credit note's as a positive "
                                                        "amount) less what is paid; nothing while draft."),
                                    "get_amount_paid")

    @classmethod
    def allocated(cls, invoice_ids):
        """``{invoice id: sum of the posted payment lines}`` (invoices without any left out), one query a batch."""
        env = cls.env
        line, payment = env["account.payment.line"].table, env["account.payment"].table
        result = {}
        for batch in batches(env, list(invoice_ids)):
            result.update((i, Decimal(a)) for i, a in env.execute(
                sa.select(line.c.invoice, sa.func.sum(line.c.amount)).join(payment, payment.c.id == line.c.payment)
                .where(in_(line.c.invoice, batch), payment.c.state == "posted").group_by(line.c.invoice)))
        return result

    @classmethod
    def payment_facts(cls, invoice_ids):
        """``{invoice id: PaymentFacts(state, party, kind, owed, paid)}`` read as rows, set-based."""
        env, table = cls.env, cls.table
        paid = cls.allocated(invoice_ids)
        facts = {}
        for batch in batches(env, list(invoice_ids)):
            for invoice_id, state, party, type_, total in env.execute(
                    sa.select(table.c.id, table.c.state, table.c.party, table.c.type, table.c.total_amount_cache)
                    .where(in_(table.c.id, batch))):
                kind, amount = owed(type_, Decimal(total or 0))
                facts[invoice_id] = PaymentFacts(state, party, kind, amount, paid.get(invoice_id, Decimal(0)))
        return facts

    @classmethod
    def get_amount_paid(cls, invoices, name):
        facts = cls.payment_facts([i.id for i in invoices])
        if name == "amount_paid":
            return {i: fact.paid for i, fact in facts.items()}
        return {i: fact.owed - fact.paid if fact.state in ("posted", "paid") else Decimal(0)
                for i, fact in facts.items()}

    @classmethod
    def update_paid(cls, invoice_ids):
        """Posted invoices now covered become paid, paid ones no longer covered posted again; orders follow."""
        facts = cls.payment_facts(invoice_ids)
        covered = [i for i, f in facts.items() if f.state == "posted" and f.paid >= f.owed]
        reopened = [i for i, f in facts.items() if f.state == "paid" and f.paid < f.owed]
        if covered:
            cls.change_state(cls.browse(covered), "paid", "pay")
        if reopened:
            cls.change_state(cls.browse(reopened), "posted", "reopen")
        for model in ("sale.sale", "purchase.purchase"):
            if model in cls.env:
                cls.env[model].update_payment_state(invoice_ids)

    @classmethod
    @transition("cancelled")
    def cancel(cls, invoices):
        """Refused while posted payments are allocated to an invoice: cancel the payments first."""
        invoices = records_of(cls, invoices)
        paid = cls.allocated([i.id for i in invoices])
        for invoice in invoices:
            if paid.get(invoice.id):
                raise errors.WorkflowError(
                    f"cannot cancel {invoice.rec_name}: payments allocate {paid[invoice.id]:.2f} to it; cancel "
                    f"them first")
        super().cancel(invoices)

    @classmethod
    @transition("posted")
    def post(cls, invoices):
        """Post, then tell the orders (an invoice posted with nothing to pay, a zero total, is paid at once)."""
        super().post(invoices)
        cls.update_paid([getattr(i, "id", i) for i in invoices])
