"""Product kits.

Activating it adds the product type *kit* and the components of a product.
With sale or purchase active too, quoting an order explodes its lines: a kit
line gets one line component per component (down through nested kits), and a
line of another product with components gets one child line per component,
right after it.  Resetting the order to draft deletes all of them, so quoting
again rebuilds them from the current components and quantities.
"""
from . import purchase, sale, stock
from .demo import demo
from .product import Component, Product

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Product, Component)
    module.add_models(sale.SaleLine, sale.SaleLineComponent, extra="sale")
    module.add_hooks(sale, extra="sale")
    module.add_models(purchase.PurchaseLine, purchase.PurchaseLineComponent, extra="purchase")
    module.add_hooks(purchase, extra="purchase")
    module.add_models(stock.Location, extra="stock")
    module.add_models(stock.SaleLine, stock.SaleLineComponent, stock.Sale, extra=("sale", "stock"))
    module.add_hooks(stock.SaleHooks, extra=("sale", "stock"))
    module.add_models(stock.PurchaseLine, stock.PurchaseLineComponent, extra=("purchase", "stock"))
    module.add_hooks(stock.PurchaseHooks, extra=("purchase", "stock"))

