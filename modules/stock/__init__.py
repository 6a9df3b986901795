"""Stock: where goods are, how they move, and how much there is or will be.

Activation creates the warehouse ``WH`` (storage, input and output zones) and
the supplier, customer and lost-and-found locations: the migration
``stock_0003`` makes them, so that the integrations migrated next find the
warehouse to give the orders already in the database.  Goods move between
locations in ``stock.move`` records, grouped in shipments to customers and
from suppliers; ``stock.location.quantities`` answers "how much of these
products is (or will be) in this location" with one aggregate query.

Physical inventories (``stock.inventory``) make the stock what was counted;
a product's cost follows its receipts when its ``cost_price_method`` is
``average``, and ``stock.location.valuation`` (``kitwork stock value``)
says what the stock is worth.
"""
from . import hookspecs
from .cli import cli_commands
from .demo import demo
from .inventory import Inventory, InventoryLine
from .location import Location
from .move import Move, Product
from .returns import ShipmentInReturn, ShipmentOutReturn
from .shipment import ShipmentIn, ShipmentInternal, ShipmentOut

__all__ = ["cli_commands", "demo", "register"]


def register(module):
    module.add_models(Location, Move, ShipmentOut, ShipmentIn, ShipmentInternal, ShipmentOutReturn, ShipmentInReturn,
                      Product, Inventory, InventoryLine)
    module.add_hookspecs(hookspecs)

