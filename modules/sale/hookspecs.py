"""The events of a sale's workflow.

Each hook is called once per transition with every sale making it, after
their ``state`` has changed, inside the transition's transaction (raising
undoes the whole transition).  Arguments are passed by keyword; return
values are ignored.
"""
from core import hookspec


@hookspec
def sale_quote(env, sales):
    """Sales were quoted (draft -> quotation) and numbered.

    ``env`` is the transaction's environment, ``sales`` the list of
    ``sale.sale`` records just quoted.  product_kit explodes kits here.
    """


@hookspec
def sale_draft(env, sales):
    """Sales went back to draft (from quotation or cancelled).

    ``sales`` lists the ``sale.sale`` records reset.  Whatever a module built
    when quoting must be undone here (product_kit deletes line components).
    """


@hookspec
def sale_confirm(env, sales):
    """Sales were confirmed by the customer (quotation -> confirmed).

    ``sales`` lists the ``sale.sale`` records confirmed; a module that buys on
    order or reserves stock reacts here.
    """


@hookspec
def sale_process(env, sales):
    """Sales are being processed (confirmed -> processing).

    ``sales`` lists the ``sale.sale`` records; stock creates their customer
    shipments here.  A sale with nothing left to wait for becomes done next.
    """


@hookspec
def sale_cancel(env, sales):
    """Sales were cancelled (from draft or quotation).

    ``sales`` lists the ``sale.sale`` records cancelled; modules cancel what
    they created for them.
    """
