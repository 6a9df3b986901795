"""Manufacturing: make products from others with bills of materials.

A bill of materials (``production.bom``) says what its inputs make; a
product lists the BOMs that make it, the first being its default.  A
production order (``production.production``) makes a quantity of a product
in a warehouse: its inputs leave the warehouse's storage for the
warehouse's production location, its outputs come back from it.  It goes
draft → waiting → assigned (inputs reserved) → running (inputs consumed) →
done (outputs made), or is cancelled, releasing what it reserved.  Outputs
cost what the inputs consumed cost, so an ``average`` product's cost
follows its productions as it follows its receipts.

The moves exist from the draft on: stock forecasts, and so the reordering
rules of the inputs, count planned productions.  With stock_reorder, a
rule's route ``manufacture`` makes draft productions of what it lacks
(``reorder.py``).
"""
from .bom import Bom, BomInput, BomOutput, Product, ProductBom
from .demo import demo
from .production import Location, Move, Production
from .reorder import Rule

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Location, Move, Product, Bom, BomInput, BomOutput, ProductBom, Production)
    module.add_models(Rule, extra="stock_reorder")
