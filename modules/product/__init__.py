"""Products and the units they are counted in."""
from . import hooks
from .demo import demo
from .product import Product
from .uom import Uom, UomCategory


def register(module):
    module.add_models(UomCategory, Uom, Product)
    module.add_hooks(hooks)

