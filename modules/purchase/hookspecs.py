"""The events of a purchase's workflow.

Each hook is called once per transition with every purchase making it,
after their ``state`` has changed, inside the transition's transaction
(raising undoes the whole transition).  Arguments are passed by keyword;
return values are ignored.
"""
from core import hookspec


@hookspec
def purchase_quote(env, purchases):
    """Purchases were quoted (draft -> quotation) and numbered.

    ``env`` is the transaction's environment, ``purchases`` the list of
    ``purchase.purchase`` records just quoted.  product_kit explodes kits here.
    """


@hookspec
def purchase_draft(env, purchases):
    """Purchases went back to draft (from quotation or cancelled).

    ``purchases`` lists the ``purchase.purchase`` records reset.  Whatever a
    module built when quoting must be undone here.
    """


@hookspec
def purchase_confirm(env, purchases):
    """Purchases were confirmed with the supplier (quotation -> confirmed).

    ``purchases`` lists the ``purchase.purchase`` records confirmed; their
    lines are final from now on, so a module planning incoming goods (stock
    forecasts, reordering) can count on them.
    """


@hookspec
def purchase_process(env, purchases):
    """Purchases are being processed (confirmed -> processing).

    ``purchases`` lists the ``purchase.purchase`` records; stock creates their
    supplier shipments here.  A purchase with nothing left to wait for becomes
    done next.
    """


@hookspec
def purchase_cancel(env, purchases):
    """Purchases were cancelled (from draft or quotation).

    ``purchases`` lists the ``purchase.purchase`` records cancelled; modules
    cancel what they created for them.
    """
