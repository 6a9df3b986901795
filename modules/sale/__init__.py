"""Sales: a customer's order, from draft through quotation and confirmation to done."""
from . import hookspecs
from .sale import Sale, SaleLine


def register(module):
    module.add_models(Sale, SaleLine)
    module.add_hookspecs(hookspecs)
