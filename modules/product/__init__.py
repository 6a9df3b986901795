"""Products, the units they are counted in, and the categories (a tree) they belong to."""
from . import hooks
from .category import Category
from .demo import demo
from .product import Product
from .uom import Uom, UomCategory

__all__ = ["demo", "register"]


def register(module):
    module.add_models(UomCategory, Uom, Category, Product)
    module.add_hooks(hooks)

