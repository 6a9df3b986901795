"""Sales: a customer's order, from draft through quotation and confirmation to done."""
from . import hookspecs, stock
from .demo import demo
from .sale import Sale, SaleLine

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Sale, SaleLine)
    module.add_hookspecs(hookspecs)
    module.add_models(stock.Sale, stock.SaleLine, extra="stock")
    module.add_hooks(stock, extra="stock")

