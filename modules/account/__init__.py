"""Accounting basics: the chart of nominal codes, and taxes.

Products carry the taxes charged when they are sold (customer taxes) and
bought (supplier taxes).  With sale or purchase active, each line gets the
product's taxes by default and a tax amount; an order's untaxed, tax and
total amounts are sums of its lines' amounts, each rounded to the cent.
"""
from . import order
from .account import Account, Product, Tax
from .demo import demo

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Account, Tax, Product)
    module.add_models(order.Sale, order.SaleLine, extra="sale")
    module.add_models(order.Purchase, order.PurchaseLine, extra="purchase")
