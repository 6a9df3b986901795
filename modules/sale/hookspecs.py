"""The events of a sale's workflow.

Every transition of ``sale.sale`` (``quote``, ``draft``, ``confirm``,
``process``, ``cancel``) calls two hooks, once each, with every sale making
it, inside the transition's transaction:

- ``sale_before_<transition>`` after the transition is known to be
  allowed from each sale's state, before anything changes (before the
  state, before numbering, before product_kit explodes kits).  Raise a
  :class:`core.errors.UserError` to refuse: the sales stay as they were.
- ``sale_<transition>`` after the state has changed.  Raising undoes the
  whole transition.

Arguments are passed by keyword; return values are ignored.  Implementations
of one hook run dependencies first: a module's implementation runs after
those of the modules it depends on (``tryfirst``/``trylast`` override that).
"""
from core import hookspec


@hookspec
def sale_before_quote(env, sales):
    """Draft sales are about to be quoted; raise a UserError to refuse.

    ``sales`` lists the ``sale.sale`` records, still draft and without their
    number; product_kit has not exploded their lines yet. The place to refuse
    lines that cannot be quoted (a quantity below a minimum, say).
    """


@hookspec
def sale_before_draft(env, sales):
    """Quoted or cancelled sales are about to go back to draft; raise to refuse.

    ``sales`` lists the ``sale.sale`` records in their old state, their kit
    lines still exploded: refuse when a module cannot undo what it built for
    them.
    """


@hookspec
def sale_before_confirm(env, sales):
    """Quotations are about to be confirmed; raise to refuse.

    ``sales`` lists the ``sale.sale`` records, still quotations: check here
    what the customer must have agreed to before the order binds anyone.
    """


@hookspec
def sale_before_process(env, sales):
    """Confirmed sales are about to be processed; raise to refuse.

    ``sales`` lists the ``sale.sale`` records, still confirmed, before stock
    creates their shipments: refuse what is not ready to be carried out.
    """


@hookspec
def sale_before_cancel(env, sales):
    """Sales (draft or quoted; with stock also confirmed or processing) are about to be cancelled; raise to refuse.

    ``sales`` lists the ``sale.sale`` records in their old state; nothing they
    made has been cancelled yet.
    """


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
    """Sales were cancelled (from draft or quotation; with stock also from confirmed or processing).

    ``sales`` lists the ``sale.sale`` records cancelled; modules cancel what
    they created for them.
    """


@hookspec
def sale_status_changed(env, changes):
    """Sales were given another ``status`` label (``Sale.write`` of ``status``, in any state).

    ``changes`` lists ``(sale, old, new)``: the ``sale.sale`` record and its
    ``sale.status`` before and after (either may be ``None``), only for the
    sales whose status really changed.  Called after the write, inside its
    savepoint: raising undoes it.
    """


@hookspec
def sale_amend(env, sales, changes):
    """Amendments changed the lines of confirmed or processing sales (``sale.amendment`` validate).

    ``sales`` lists the ``sale.sale`` records amended; ``changes`` the
    :data:`modules.product.amendment.Amended` items ``(item, old, new)``
    whose quantity changed: an order line, or (product_kit) a line
    component, from ``old`` to ``new`` in its unit; a line added has ``old``
    0, a line removed ``new`` 0 (it is still there, and deleted after this
    hook).  Called once per ``validate``, after the lines are written and
    before the removed ones go; modules bring what hangs on the items in
    step (stock: the outgoing moves; stock_reorder: purchases made on
    order).  Raising undoes the whole validation.
    """


@hookspec
def sale_paid(env, sales):
    """Sales became paid: every invoice of each is paid (module account_payment calls it).

    ``sales`` lists the ``sale.sale`` records whose ``payment_state`` has just
    turned ``paid``, in one batch (a payment posted), inside that
    transaction.  sale_automation runs the rules listening to ``paid``
    (ship when paid).  The return value is ignored.
    """
