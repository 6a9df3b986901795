"""Sales-order automation (seed 003): rules with conditions and actions, a watch list and a log.

A rule names the sale events it listens to, conditions (a domain over
``sale.sale``) and ordered actions with typed parameters.  When a sale
matches and every action can be performed (each action type's condition),
the actions apply together in one savepoint; otherwise the sale waits on the
watch list and each run (``env["sale.automation.rule"].run()``, ``kitwork
automate``) tries it again.  Every applied action is recorded under a
database-unique key, so no retried or concurrent run applies it twice.
"""
from . import sale
from .automation import Action, Application, CustomField, Log, Rule, Watch
from .cli import cli_commands
from .demo import demo
from . import tasks

__all__ = ["cli_commands", "demo", "register"]


def register(module):
    module.add_models(Rule, Action, Application, Watch, Log, CustomField, sale.Sale)
    module.add_hooks(sale)
    module.add_hooks(tasks)
    module.add_hooks(sale.Payments, extra="account_payment")
