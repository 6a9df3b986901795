"""Products and the units they are counted in."""
from . import hooks
from .demo import demo
from .product import Product
from .uom import Uom, UomCategory

__all__ = ["demo", "register"]


def register(module):
    module.add_models(UomCategory, Uom, Product)
    module.add_hooks(hooks)

