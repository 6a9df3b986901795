"""``account_invoice.invoice``: a big invoicing run, in batches that each commit on their own."""
import sqlalchemy as sa

from core import hookimpl, task
from core.model import in_

BATCH = 100
INVOICEABLE = ("confirmed", "processing", "done")


@task("account_invoice.invoice")
def invoice(env, sales, post=False, batch=BATCH, done=0, total=None):
    """Invoice ``sales`` (ids) ``batch`` at a time: this job the first ones, a job it queues the rest.

    Each batch commits with the job that carries on, so a run of thousands
    of sales never holds one long transaction, and its progress shows in
    ``queue.job``: the next job's ``done`` of ``total``.  Sales that are not
    confirmed, processing or done, or that no longer exist, are skipped; so
    is what a sale has already invoiced, so running a batch twice invoices
    nothing more.  With ``post``, the invoices made are posted (numbered).
    """
    if not isinstance(batch, int) or batch < 1:
        batch = BATCH
    ids, rest = list(sales[:batch]), list(sales[batch:])
    Sale = env["sale.sale"]
    table = Sale.table
    found = set(env.execute(sa.select(table.c.id).where(in_(table.c.id, ids), table.c.state.in_(INVOICEABLE)))
                .scalars()) if ids else set()
    invoices = Sale.invoice([i for i in ids if i in found])
    if post:
        drafts = [i for i in invoices if i.state == "draft"]
        if drafts:
            env["account.invoice"].post(drafts)
    if rest:
        env.defer("account_invoice.invoice", sales=rest, post=post, batch=batch, done=done + len(ids),
                  total=total if total is not None else len(sales))
    return invoices


@hookimpl
def core_tasks():
    """The module's task: account_invoice.invoice, invoicing in batches."""
    return [invoice]
