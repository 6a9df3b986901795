"""``stock_reorder.replenish``: the reordering scheduler, run by the worker once a day, one job per warehouse."""
import sqlalchemy as sa

from core import errors, hookimpl, task


@task("stock_reorder.replenish", cron="0 6 * * *")
def replenish(env, warehouse=None):
    """Order what the auto rules of ``warehouse`` (an id) need; without it, queue one job per warehouse.

    A warehouse's job is queued under the queueing lock
    ``stock_reorder.replenish:ID`` (never two waiting) and the lock
    ``stock_reorder.replenish:ID`` (never two running).  A job and a sale
    confirmation ordering through auto rules take turns on the reordering
    configuration's row lock before they read the forecast (see
    ``Rule.run_scheduler``), so the second sees what the first ordered: a
    product is never ordered twice for one need, and running the job again
    orders nothing more.  ``kitwork replenish`` runs the scheduler in the
    foreground and queues nothing.
    """
    Rule = env["stock.reorder.rule"]
    if warehouse is None:
        table = Rule.table
        for warehouse_id in env.execute(sa.select(table.c.warehouse).distinct().where(
                *Rule.sql_where([("trigger", "=", "auto")])).order_by(table.c.warehouse)
                ).scalars():
            key = f"stock_reorder.replenish:{warehouse_id}"
            env.defer("stock_reorder.replenish", warehouse=warehouse_id, queueing_lock=key, lock=key)
        return None
    Location = env["stock.location"]
    if not isinstance(warehouse, int) or not Location.search([("id", "=", warehouse), ("type", "=", "warehouse")]):
        raise errors.UserError(f"stock_reorder.replenish: {warehouse!r:.40} is not the id of a warehouse")
    return Rule.run_scheduler(warehouse=warehouse)


@hookimpl
def core_tasks():
    """The module's task: stock_reorder.replenish, the reordering scheduler per warehouse."""
    return [replenish]
