"""The event of a sale being paid.

Called by ``account.payment`` posting (and by anything else that makes an
invoice paid) inside its transaction.
"""
from core import hookspec


@hookspec
def sale_paid(env, sales):
    """Sales became paid: every invoice of each is paid (``payment_state`` turned ``paid``).

    ``sales`` lists the ``sale.sale`` records, in one batch, only those whose
    payment state has just become ``paid``.  sale_automation runs the rules
    listening to ``paid`` (ship when paid).  The return value is ignored.
    """
