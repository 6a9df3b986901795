"""Sales: a customer's order, from draft through quotation and confirmation to done."""
from . import amendment, hookspecs, sale, stock
from .demo import demo
from .sale import Configuration, Product, Sale, SaleLine, ShippingMethod, Status

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Configuration, Status, ShippingMethod, Sale, SaleLine, Product)
    module.add_models(amendment.SaleAmendment, amendment.SaleAmendmentLine)
    module.add_hookspecs(hookspecs)
    module.add_hooks(sale)
    module.add_models(stock.Sale, stock.Allocation, stock.SaleLine, extra="stock")
    module.add_hooks(stock, extra="stock")

