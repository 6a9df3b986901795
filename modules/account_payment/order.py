"""Sales and purchases with payments: ``payment_state`` (none, partial, paid), kept as their invoices are paid.

Stored (and so searchable, by automation conditions too) and updated
set-based whenever payments post or cancel or invoices post: ``none`` while
no invoice (not cancelled) of the order has anything paid, ``paid`` once
every one is paid, ``partial`` between.  A sale that becomes paid fires
``sale_paid``.
"""
import collections

import sqlalchemy as sa

from core import fields
from core.fields import Reference
from core.model import batches, in_

PAYMENT_STATES = [("none", "None"), ("partial", "Partial"), ("paid", "Paid")]


def payment_state_field():
    return fields.Selection(PAYMENT_STATES, "Payment state", required=True, readonly=True, default="none",
                            help="none: nothing paid; partial: some invoices (or part of one) paid; paid: every "
                                 "invoice not cancelled is paid.")


class PaidOrder:
    """Extension mixin of an order (sale, purchase): its ``payment_state``."""

    _paid_hook = None

    @classmethod
    def update_payment_state(cls, invoice_ids):
        """Recompute the payment state of the orders of ``invoice_ids``; announce those newly paid."""
        env = cls.env
        Line = env[cls.fields["lines"].target]
        line, invoice_line, invoice = Line.table, env["account.invoice.line"].table, env["account.invoice"].table
        parent = line.c[Line._parent_field]
        joined = line.join(invoice_line, invoice_line.c.origin == Reference.sql(Line._name, line.c.id))
        order_ids = set()
        for batch in batches(env, sorted(invoice_ids)):
            order_ids.update(env.execute(sa.select(parent).select_from(joined).distinct()
                                         .where(in_(invoice_line.c.invoice, batch))).scalars())
        if not order_ids:
            return
        invoices_of = collections.defaultdict(set)
        for batch in batches(env, sorted(order_ids)):
            invoices_of_batch = env.execute(
                sa.select(parent, invoice.c.id, invoice.c.state).distinct()
                .select_from(joined.join(invoice, invoice.c.id == invoice_line.c.invoice))
                .where(in_(parent, batch), invoice.c.state != "cancelled")).all()
            for order_id, invoice_id, state in invoices_of_batch:
                invoices_of[order_id].add((invoice_id, state))
        paid = env["account.invoice"].allocated(sorted({i for pairs in invoices_of.values() for i, _ in pairs}))
        table = cls.table
        current = {}
        for batch in batches(env, sorted(order_ids)):
            current.update(env.execute(sa.select(table.c.id, table.c.payment_state).where(in_(table.c.id, batch))).all())
        rows = []
        for order_id in sorted(order_ids):
            pairs = invoices_of.get(order_id, set())
            if pairs and all(state == "paid" for _, state in pairs):
                state = "paid"
            elif any(state == "paid" or paid.get(invoice_id) for invoice_id, state in pairs):
                state = "partial"
            else:
                state = "none"
            if state != current[order_id]:
                rows.append({"id": order_id, "payment_state": state})
        if rows:
            cls.write_rows(rows)
            newly_paid = [row["id"] for row in rows if row["payment_state"] == "paid"]
            if newly_paid and cls._paid_hook:
                getattr(env.hooks, cls._paid_hook)(env=env, **{cls._hook_argument: cls.browse(newly_paid)})


class Sale(PaidOrder):
    _name = "sale.sale"
    _paid_hook = "sale_paid"

    payment_state = payment_state_field()


class Purchase(PaidOrder):
    _name = "purchase.purchase"

    payment_state = payment_state_field()
