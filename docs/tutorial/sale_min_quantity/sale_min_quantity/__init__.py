"""Minimum and multiple sale quantities per product."""
from . import sale
from .product import Product


def register(module):
    module.add_models(Product, sale.SaleLine)
    module.add_hooks(sale)
