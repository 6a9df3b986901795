"""Stock: where goods are, how they move, and how much there is or will be.

Activation creates the warehouse ``WH`` (storage, input and output zones) and
the supplier, customer and lost-and-found locations.  Goods move between
locations in ``stock.move`` records, grouped in shipments to customers and
from suppliers; ``stock.location.quantities`` answers "how much of these
products is (or will be) in this location" with one aggregate query.
"""
from . import hooks, hookspecs
from .demo import demo
from .location import Location
from .move import Move, Product
from .returns import ShipmentInReturn, ShipmentOutReturn
from .shipment import ShipmentIn, ShipmentInternal, ShipmentOut

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Location, Move, ShipmentOut, ShipmentIn, ShipmentInternal, ShipmentOutReturn, ShipmentInReturn,
                      Product)
    module.add_hookspecs(hookspecs)
    module.add_hooks(hooks)

