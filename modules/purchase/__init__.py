"""Purchases: what Kitwork orders from its suppliers, and who supplies each product."""
from . import amendment, hookspecs, stock
from .demo import demo
from .purchase import Purchase, PurchaseLine
from .supplier import Product, ProductSupplier

__all__ = ["demo", "register"]


def register(module):
    module.add_models(ProductSupplier, Product, Purchase, PurchaseLine)
    module.add_models(amendment.PurchaseAmendment, amendment.PurchaseAmendmentLine)
    module.add_hookspecs(hookspecs)
    module.add_models(stock.Purchase, stock.PurchaseLine, extra="stock")
    module.add_hooks(stock, extra="stock")

