"""The sale events that run automation rules: created, quoted, confirmed, processed, status changed."""
from core import hookimpl


class Sale:
    _name = "sale.sale"

    @classmethod
    def _create(cls, vlist):
        sales = super()._create(vlist)
        cls.env["sale.automation.rule"].trigger("created", sales)
        return sales

    @classmethod
    def _write(cls, sales, values):
        before = {s.id: s.status for s in sales} if isinstance(values, dict) and "status" in values else None
        super()._write(sales, values)
        if before is not None:
            changed = [s for s in sales if s.status != before[s.id]]
            if changed:
                cls.env["sale.automation.rule"].trigger("status_changed", changed)


@hookimpl
def sale_quote(env, sales):
    env["sale.automation.rule"].trigger("quoted", sales)


@hookimpl
def sale_confirm(env, sales):
    env["sale.automation.rule"].trigger("confirmed", sales)


@hookimpl
def sale_process(env, sales):
    env["sale.automation.rule"].trigger("processed", sales)
