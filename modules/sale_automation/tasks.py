"""Automation in the background: ``sale_automation.check`` and ``.sweep``, and the wake-up on goods arriving."""
import sqlalchemy as sa

from core import hookimpl, task
from core.model import in_

CHECK_LOCK = "sale_automation.check"   # runs take turns anyway (each locks the rules): not two at once


@task("sale_automation.check")
def check(env, sales):
    """Run the automation rules for ``sales`` (ids): those open or on a rule's watch list.

    What applies is applied once (each applied action is recorded under a
    unique key), so a second run finds nothing to do; sales deleted since
    are skipped.
    """
    table = env["sale.sale"].table
    existing = sorted(set(env.execute(sa.select(table.c.id).where(in_(table.c.id, list(sales)))).scalars())) \
        if sales else []
    return env["sale.automation.rule"].run(sales=existing) if existing else []


@task("sale_automation.sweep", cron="*/15 * * * *")
def sweep(env):
    """Check again every sale on the watch list (what ``kitwork automate`` does for the watched sales)."""
    watches = env["sale.automation.watch"].table
    watched = list(env.execute(sa.select(watches.c.sale).distinct().order_by(watches.c.sale)).scalars())
    return check(env, sales=watched)


@hookimpl
def stock_moves_done(env, moves):
    """Goods arrived in a warehouse (a receipt, a transfer, an inventory's gain): check the sales waiting.

    A sale waits on the watch list when an action cannot be performed yet
    (fulfil without the stock, say); the check job queued here for the
    watched sales holding those products runs once this transaction
    commits, so they go ahead without anybody running ``kitwork automate``.
    """
    arrived = sorted({m.product.id for m in moves if m.to_location.type == "storage"})
    if not arrived:
        return
    Watch = env["sale.automation.watch"]
    waiting = {w.sale.id for w in Watch.search([("sale.lines.product", "in", arrived)])}
    if "sale.line.component" in env:
        waiting |= {w.sale.id for w in Watch.search([("sale.lines.components.product", "in", arrived)])}
    if waiting:
        env.defer("sale_automation.check", sales=sorted(waiting), lock=CHECK_LOCK)


@hookimpl
def core_tasks():
    """The module's tasks: sale_automation.check (some sales) and .sweep (the watch list)."""
    return [check, sweep]
