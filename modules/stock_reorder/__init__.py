"""Replenishment: buy what the forecast says will be missing, just in time.

A reordering rule keeps a product's forecast in a warehouse between a
minimum and a maximum.  The forecast that decides is the one at the
*forecasted date* (today + the vendor's lead time + the purchase security
lead time + the days to purchase, + horizon days for a manual rule): demand
due later is left for later runs.  Auto rules are ordered by the scheduler
and as soon as a sale takes the product below its minimum; manual rules wait
in the replenishment report.  Products supplied on order are bought when a
sale of them is confirmed, and the goods received are kept for that sale.

Every purchase made here buys from the first supplier valid today (or the
vendor given) at its price for the quantity, its price breaks included;
a proposal below the supplier's minimum is raised to it.  A planner may
archive a rule (``active``), snooze it until a date (``Rule.snooze``), or
order it with another quantity or vendor (``Rule.order``).
"""
from . import exception, hooks, sale, tasks
from .cli import cli_commands
from .demo import demo
from .rule import Configuration, Move, Product, Purchase, PurchaseLine, Rule

__all__ = ["cli_commands", "demo", "register"]


def register(module):
    module.add_models(Configuration, Rule, Product, Purchase, PurchaseLine, Move)
    module.add_hooks(hooks)
    module.add_hooks(tasks)
    module.add_models(sale.Sale, sale.SaleLine, sale.Move, exception.SupplyException, extra="sale")
    module.add_models(sale.SaleLineComponent, extra=("product_kit", "sale"))
    module.add_hooks(sale, extra="sale")
