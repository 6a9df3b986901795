"""Invoices: what a customer owes (``out``) or a supplier is owed (``in``).

``Sale.invoice`` / ``Purchase.invoice`` put on one draft invoice per order
what is to invoice and not yet invoiced (``quantity_invoiced`` on the lines
counts every invoice line of the order line but those of cancelled invoices);
posting numbers invoices without gaps and freezes their amounts (each
line's tax, one ``account.invoice.tax`` per tax, the totals: a posted
invoice never changes); cancelling one makes its quantities invoiceable
again.  ``Invoice.render_pdf`` draws them, ``Invoice.send``
queues them as mail to the party.  Payment terms (``account.payment_term``)
give posted invoices their due date.
"""
from . import order, tasks
from .cli import cli_commands
from .demo import demo
from .invoice import Invoice, InvoiceLine, InvoiceTax, Product
from .payment_term import Party, PaymentTerm, PaymentTermLine

__all__ = ["cli_commands", "demo", "register"]


def register(module):
    module.add_models(PaymentTerm, PaymentTermLine, Party, Invoice, InvoiceLine, InvoiceTax, Product)
    module.add_models(order.Sale, order.SaleLine, extra="sale")
    module.add_models(order.Purchase, order.PurchaseLine, extra="purchase")
    module.add_hooks(tasks, extra="sale")
