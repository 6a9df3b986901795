"""Purchases: what Kitwork orders from its suppliers, and who supplies each product.

A product's suppliers are tried in sequence: the first valid at the
purchase date is bought from.  Each says what it charges — a unit price,
and price breaks from larger quantities —, the least it sells, and how long
it takes to deliver; a purchase line takes its default price and expected
date from them.  Confirmed and processing purchases change through
amendments.
"""
from . import amendment, hookspecs, stock
from .demo import demo
from .purchase import Purchase, PurchaseLine
from .supplier import Product, ProductSupplier, SupplierPrice

__all__ = ["demo", "register"]


def register(module):
    module.add_models(ProductSupplier, SupplierPrice, Product, Purchase, PurchaseLine)
    module.add_models(amendment.PurchaseAmendment, amendment.PurchaseAmendmentLine)
    module.add_hookspecs(hookspecs)
    module.add_models(stock.Purchase, stock.PurchaseLine, extra="stock")
    module.add_hooks(stock, extra="stock")

