"""The events of a purchase's workflow.

They follow the sale's (:mod:`modules.sale.hookspecs`): each transition of
``purchase.purchase`` calls ``purchase_before_<transition>`` before anything
changes (raise a ``UserError`` to refuse) and ``purchase_<transition>``
after the state has changed (raising undoes the transition), once each with
every purchase making it, by keyword; return values are ignored.
"""
from core import hookspec


@hookspec
def purchase_before_quote(env, purchases):
    """Draft purchases are about to be quoted; raise a UserError to refuse.

    ``purchases`` lists the ``purchase.purchase`` records, still draft and
    without their number; product_kit has not exploded their lines yet. The
    place to refuse lines that cannot be quoted (a quantity below a minimum,
    say).
    """


@hookspec
def purchase_before_draft(env, purchases):
    """Quoted or cancelled purchases are about to go back to draft; raise to refuse.

    ``purchases`` lists the ``purchase.purchase`` records in their old state,
    their kit lines still exploded: refuse when a module cannot undo what it
    built for them.
    """


@hookspec
def purchase_before_confirm(env, purchases):
    """Quotations are about to be confirmed; raise to refuse.

    ``purchases`` lists the ``purchase.purchase`` records, still quotations:
    check here what the supplier must have agreed to before the order binds
    anyone.
    """


@hookspec
def purchase_before_process(env, purchases):
    """Confirmed purchases are about to be processed; raise to refuse.

    ``purchases`` lists the ``purchase.purchase`` records, still confirmed,
    before stock creates their shipments: refuse what is not ready to be
    carried out.
    """


@hookspec
def purchase_before_cancel(env, purchases):
    """Purchases (draft or quoted; with stock also confirmed or processing) are about to be cancelled; raise to refuse.

    ``purchases`` lists the ``purchase.purchase`` records in their old state;
    nothing they made has been cancelled yet.
    """


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
    """Purchases were cancelled (from draft or quotation; with stock also from confirmed or processing).

    ``purchases`` lists the ``purchase.purchase`` records cancelled; modules
    cancel what they created for them.
    """


@hookspec
def purchase_amend(env, purchases, changes):
    """Amendments changed the lines of confirmed or processing purchases (``purchase.amendment`` validate).

    ``purchases`` lists the ``purchase.purchase`` records amended; ``changes`` the
    :data:`modules.product.amendment.Amended` items ``(item, old, new)``
    whose quantity changed: an order line, or (product_kit) a line
    component, from ``old`` to ``new`` in its unit; a line added has ``old``
    0, a line removed ``new`` 0 (it is still there, and deleted after this
    hook).  Called once per ``validate``, after the lines are written and
    before the removed ones go; modules bring what hangs on the items in
    step (stock: the incoming moves; stock_reorder: purchases made on
    order).  Raising undoes the whole validation.
    """
