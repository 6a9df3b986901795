"""Product kits.

Activating it adds the product type *kit* and the components of a product.
With sale or purchase active too, quoting an order explodes its lines: a kit
line gets one line component per component (down through nested kits), and a
line of another product with components gets one child line per component,
right after it.  Resetting the order to draft deletes all of them, so quoting
again rebuilds them from the current components and quantities.

A product may have several commercial alternatives (``bom`` codes), and
variant and option components: the line's ``bom`` and ``choices`` say
which are exploded, and each line made says what it is (``line_type``).
The child lines of a product whose ``component_lines`` is ``independent``
are made once and then belong to the user: kept on reset to draft,
editable, and a change of quantity or a deletion of their parent asks
whether to pass it on (``propagate``).  A kit whose ``kit_pricing`` is
``components`` is priced, on quote, from its chosen components.
A component whose quantity for a line rounds to nothing in its unit gets
no line (``env.warnings`` says so on the user's line); a kit line left with
no component at all is refused.

A kit's ``cost_price`` is what its components cost (see :mod:`.cost`): it
follows them, so the margin control and a purchase kit line's default price
read it like any product's cost.
"""
from . import hooks, pricing, purchase, sale, stock
from .demo import demo
from .product import Component, Product

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Product, Component)
    module.add_hooks(hooks)
    module.add_models(sale.Sale, sale.SaleLine, sale.SaleLineComponent, sale.Product, extra="sale")
    module.add_hooks(sale, extra="sale")
    module.add_models(pricing.SaleLine, extra="product_price_list")
    module.add_models(purchase.Purchase, purchase.PurchaseLine, purchase.PurchaseLineComponent, purchase.Product,
                      extra="purchase")
    module.add_hooks(purchase, extra="purchase")
    module.add_models(stock.Location, extra="stock")
    module.add_models(stock.SaleLine, stock.SaleLineComponent, stock.Sale, extra=("sale", "stock"))
    module.add_hooks(stock.SaleHooks, extra=("sale", "stock"))
    module.add_models(stock.PurchaseLine, stock.PurchaseLineComponent, extra=("purchase", "stock"))
    module.add_hooks(stock.PurchaseHooks, extra=("purchase", "stock"))

