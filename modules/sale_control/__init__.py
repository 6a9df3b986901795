"""Sale controls (seed 002): what a sale line may not be, and how loudly to say so.

Each product may set a minimum and a maximum quantity sold, a threshold
price (the lowest net unit price) and a minimum margin.  A draft sale line is
checked when it is created or changed, and every line again when the sale is
quoted.  In ``warn`` mode a breach is saved and reported (``env.warnings``
and the line's ``warnings``); in ``block`` mode the change is refused with
one error listing every breach.  The mode is the configuration's, overridden
for a transaction by ``context={"control_mode": ...}``; each control may set
its own (``off``, ``warn``, ``block``), which wins over both.
"""
from . import control
from .control import Configuration, Product, SaleLine
from .demo import demo

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Configuration, Product, SaleLine)
    module.add_hooks(control)
