"""The sale events that run automation rules: created, quoted, confirmed, processed, status changed, paid."""
from core import hookimpl


class Sale:
    _name = "sale.sale"

    @classmethod
    def _create(cls, vlist):
        sales = super()._create(vlist)
        cls.env["sale.automation.rule"].trigger("created", sales)
        return sales


@hookimpl
def sale_quote(env, sales):
    env["sale.automation.rule"].trigger("quoted", sales)


@hookimpl
def sale_confirm(env, sales):
    env["sale.automation.rule"].trigger("confirmed", sales)


@hookimpl
def sale_process(env, sales):
    env["sale.automation.rule"].trigger("processed", sales)


@hookimpl
def sale_status_changed(env, changes):
    env["sale.automation.rule"].trigger("status_changed", [sale for sale, _, _ in changes])


class Payments:
    """With account_payment: a sale whose invoices are all paid runs the rules listening to ``paid``."""

    @staticmethod
    @hookimpl
    def sale_paid(env, sales):
        env["sale.automation.rule"].trigger("paid", sales)
