"""Payments received and made, allocated to invoices.

``account.payment`` (receipt or disbursement) allocates its amount to the
party's posted invoices by its lines; posting it makes the invoices it
covers ``paid`` (never beyond what an invoice owes, also with payments
posted at once), cancelling it reopens them.  Sales and purchases get
``payment_state`` (none, partial, paid); a sale becoming paid fires
``sale_paid`` (declared by sale; sale_automation's ``paid`` event: ship when
paid).
"""
from . import order
from .demo import demo
from .payment import Invoice, Payment, PaymentLine

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Payment, PaymentLine, Invoice)
    module.add_models(order.Sale, extra="sale")
    module.add_models(order.Purchase, extra="purchase")
