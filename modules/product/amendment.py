"""Amending a confirmed order: what sales and purchases share (Tryton's sale_amendment / purchase_amendment).

Plain mixins, as :mod:`modules.product.order`.  An amendment gathers
changes to the lines of one confirmed or processing order — a quantity, a
unit price, a line added or removed — and ``validate`` applies every given
amendment in one go: the order lines are written in a few statements, the
modules bring what hangs on the lines into step through the
``<prefix>_amend`` hook (stock: the moves; stock_reorder: what was bought on
order), the removed lines go, and the order's ``revision`` counts one per
amendment.  A quantity below what is already shipped or invoiced refuses
the whole call before anything changes.
"""
import collections
import contextlib
import contextvars

from core import Workflow, errors, fields, transition

ACTIONS = [("quantity", "Change the quantity"), ("unit_price", "Change the unit price"),
           ("add", "Add a line"), ("remove", "Remove a line")]
STATES = [("draft", "Draft"), ("validated", "Validated")]
AMENDABLE = ("confirmed", "processing")

Amended = collections.namedtuple("Amended", "item old new")
Amended.__doc__ = """An item of an order moved by an amendment: ``item`` (an order line or a line component)
went from ``old`` to ``new`` (both in the item's unit; 0 for an item added or removed)."""

_checking = contextvars.ContextVar("amendment_checking", default=False)


@contextlib.contextmanager
def _checks_only():
    token = _checking.set(True)
    try:
        yield
    finally:
        _checking.reset(token)


class Amendment(Workflow):
    """Mixin of an amendment model (``sale.amendment``) with fields ``state``, ``lines`` and its order's.

    ``_order_field`` names the Many2One to the order.  The contract names
    the applying transition ``validate``, the name the core gives to the
    per-model checks run after every create and write: while the core
    checks (inside :meth:`_create` and :meth:`_write`, state changes included)
    ``validate`` only checks; called from outside, it applies.
    """

    _order_field = None
    _transitions = frozenset({("draft", "validated")})

    @classmethod
    def _create(cls, vlist):
        with _checks_only():
            return super()._create(vlist)

    @classmethod
    def _write(cls, records, values):
        with _checks_only():
            return super()._write(records, values)

    @classmethod
    @transition("validated")
    def validate(cls, amendments):
        """Apply draft amendments to their confirmed or processing orders, all in one transaction.

        Validating twice never applies twice: a validated amendment is
        refused.  Any refusal leaves every order as it was.
        """
        if _checking.get():
            return super().validate(amendments)
        amendments = cls.check_state_change(amendments, "validated", "validate")
        if amendments:
            cls._apply(amendments)
            cls.change_state(amendments, "validated", "validate")

    # -- changes by hand: only while draft -------------------------------------------
    @classmethod
    def write(cls, amendments, values):
        cls.refuse_validated(amendments, "changed")
        super().write(amendments, values)

    @classmethod
    def delete(cls, amendments):
        cls.refuse_validated(amendments, "deleted")
        super().delete(amendments)

    @classmethod
    def refuse_validated(cls, amendments, what):
        for amendment in amendments:
            if amendment.state != "draft":
                raise errors.WorkflowError(f"{amendment.rec_name} is {amendment.state}: it cannot be {what}; "
                                           f"make a new amendment instead")

    # -- applying ------------------------------------------------------------------------
    @classmethod
    def _apply(cls, amendments):
        env = cls.env
        Order = env[cls.fields[cls._order_field].target]
        Line = env[Order.fields["lines"].target]
        orders = list(dict.fromkeys(getattr(a, cls._order_field) for a in amendments))
        Order.lock(orders)
        for order in Order.browse([o.id for o in orders]):
            if order.state not in AMENDABLE:
                raise errors.WorkflowError(f"cannot amend {order.rec_name}: it is {order.state}; only confirmed or "
                                           f"processing orders are amended (change a draft one directly)")
        actions = env[cls.fields["lines"].target].search([("amendment", "in", [a.id for a in amendments])],
                                                         order=[("amendment", "ASC"), ("id", "ASC")])
        plan = _Plan(Line, cls._order_field)
        for action in actions:
            plan.take(action)
        plan.check_floors()
        changes = plan.apply()
        items = Line.amended_items(changes)
        hook = getattr(env.hooks, f"{Order._hook_prefix}_amend")
        hook(env=env, **{Order._hook_argument: orders}, changes=items)
        if plan.removed:
            Line.delete_unchecked(Line.browse(sorted(plan.removed)))
        counts = collections.Counter(getattr(a, cls._order_field).id for a in amendments)
        Order.write_rows([{"id": order.id, "revision": (order.revision or 0) + counts[order.id]} for order in orders])


class _Plan:
    """What a batch of amendment lines does to the order lines: read once, checked, then written set-based."""

    def __init__(self, Line, order_field):
        self.Line, self.order_field = Line, order_field
        self.quantities, self.prices, self.removed, self.added = {}, {}, set(), []
        self.lines, self.source = {}, {}

    def take(self, action):
        order = getattr(action.amendment, self.order_field)
        if action.action == "add":
            self.added.append((order, action))
            return
        line = action.line
        if line is None:
            raise errors.ValidationError(f"{action.rec_name} of {action.amendment.rec_name}: its line is gone "
                                         f"(removed by an earlier amendment)", {"line": ["Required."]}, action.rec_name)
        if getattr(line, self.Line._parent_field) != order:
            raise errors.ValidationError(
                f"{action.rec_name}: {line.rec_name} is a line of {getattr(line, self.Line._parent_field).rec_name}, "
                f"not of {order.rec_name}", {"line": [f"Must be a line of {order.rec_name}."]}, action.rec_name)
        if line.id in self.removed:
            raise errors.ValidationError(f"{action.rec_name}: {line.rec_name} is already removed by "
                                         f"{self.source[line.id].rec_name}", {"line": ["Already removed."]},
                                         action.rec_name)
        self.lines[line.id] = line
        self.source[line.id] = action
        if action.action == "quantity":
            self.quantities[line.id] = self.Line.env["product.uom"].round(action.quantity, line.unit.rounding)
            if self.quantities[line.id] <= 0:
                raise errors.ValidationError(
                    f"{action.rec_name}: the quantity of {line.rec_name} rounds to nothing in {line.unit.name}; "
                    f"use the action remove to drop the line", {"quantity": ["Must be greater than zero."]},
                    action.rec_name)
        elif action.action == "unit_price":
            self.prices[line.id] = action.unit_price
        else:
            self.removed.add(line.id)

    def check_floors(self):
        """Refuse a line brought below what it already shipped or invoiced (:meth:`amendment_floors`)."""
        touched = [self.lines[i] for i in sorted(set(self.quantities) | self.removed)]
        floors = self.Line.amendment_floors(touched)
        for line in touched:
            new = 0.0 if line.id in self.removed else self.quantities[line.id]
            for quantity, what in floors.get(line.id, ()):
                if new < quantity - 1e-9:
                    action = self.source[line.id]
                    order = getattr(line, self.Line._parent_field)
                    raise errors.ValidationError(
                        f"{action.rec_name}: {line.rec_name} of {order.rec_name} has {quantity:g} "
                        f"{line.unit.symbol} {what}; it cannot go below that (to {new:g})",
                        {"quantity": [f"Must be at least {quantity:g} ({what})."]}, action.rec_name)

    def apply(self):
        """Write the lines; return the :data:`Amended` of every line whose quantity changes."""
        Line = self.Line
        changes = []
        quantities = [{"id": i, "quantity": q} for i, q in self.quantities.items()
                      if i not in self.removed and q != self.lines[i].quantity]
        changes += [Amended(self.lines[row["id"]], self.lines[row["id"]].quantity, row["quantity"])
                    for row in quantities]
        changes += [Amended(self.lines[i], self.lines[i].quantity, 0.0) for i in sorted(self.removed)]
        Line.write_rows(quantities)
        Line.write_rows([{"id": i, "unit_price": p} for i, p in self.prices.items() if i not in self.removed])
        if self.added:
            created = Line.create_unchecked([{
                Line._parent_field: order.id, "product": action.product.id, "quantity": action.quantity,
                "unit": action.unit.id if action.unit else None, "unit_price": action.unit_price,
                "sequence": 10 ** 6} for order, action in self.added])
            changes += [Amended(line, 0.0, line.quantity) for line in created]
        return changes


def line_fields(amendment_model, line_model):
    """The fields of an amendment line model, by name: for ``setattr`` on the concrete class."""
    return {
        "amendment": fields.Many2One(amendment_model, "Amendment", required=True, ondelete="cascade"),
        "action": fields.Selection(ACTIONS, "Action", required=True),
        "line": fields.Many2One(line_model, "Line", ondelete="set null",
                                help="The line changed or removed (quantity, unit_price, remove)."),
        "product": fields.Many2One("product.product", "Product", help="Of the line added (add)."),
        "quantity": fields.Float("Quantity", help="The new quantity (quantity), or the added line's (add)."),
        "unit": fields.Many2One("product.uom", "Unit", help="Of the line added; default: the product's unit."),
        "unit_price": fields.Numeric("Unit price", digits=4, help="The new price (unit_price), or the added "
                                                                  "line's (add; default as a new line)."),
    }


class AmendmentLine:
    """Mixin of an amendment line: ``action`` and what it needs (``line``, ``quantity``, ``unit_price``,
    ``product``, ``unit``), checked when given.  Changed only while its amendment is draft."""

    _needs = {"quantity": ("line", "quantity"), "unit_price": ("line", "unit_price"),
              "add": ("product", "quantity"), "remove": ("line",)}

    @classmethod
    def validate(cls, actions):
        super().validate(actions)
        for action in actions:
            missing = [name for name in cls._needs[action.action] if getattr(action, name) is None]
            if missing:
                raise errors.ValidationError(
                    f"{action.rec_name} of {action.amendment.rec_name}: the action {action.action} needs "
                    f"{' and '.join(missing)}", {name: ["Required by the action."] for name in missing},
                    action.rec_name)
            if action.action in ("quantity", "add") and not action.quantity > 0:
                raise errors.ValidationError(
                    f"{action.rec_name} of {action.amendment.rec_name}: quantity must be greater than zero, not "
                    f"{action.quantity:g}" + ("; use the action remove to drop a line" if action.quantity == 0
                                              else ""), {"quantity": ["Must be greater than zero."]},
                    action.rec_name)
            if action.action in ("unit_price", "add") and action.unit_price is not None and action.unit_price < 0:
                raise errors.ValidationError(
                    f"{action.rec_name} of {action.amendment.rec_name}: unit price must not be negative",
                    {"unit_price": ["Must be zero or more."]}, action.rec_name)
            if action.action == "add" and action.unit is not None \
                    and action.unit.category != action.product.default_uom.category:
                raise errors.ValidationError(
                    f"{action.rec_name}: unit {action.unit.name} does not measure {action.product.name}",
                    {"unit": [f"Must be a unit of {action.product.default_uom.category.name}."]}, action.rec_name)
            line = action.line
            if line is not None:
                Line = cls.env[cls.fields["line"].target]
                order = getattr(line, Line._parent_field)
                mine = getattr(action.amendment, action.amendment._order_field)
                if order != mine:
                    raise errors.ValidationError(
                        f"{action.rec_name}: {line.rec_name} is a line of {order.rec_name}, not of {mine.rec_name}",
                        {"line": [f"Must be a line of {mine.rec_name}."]}, action.rec_name)

    @classmethod
    def _check_input(cls, vlist, creating, parent_field=None):
        checked = super()._check_input(vlist, creating, parent_field)
        if parent_field is None:
            Amendment = cls.env[cls.fields["amendment"].target]
            Amendment.refuse_validated(Amendment.browse({v["amendment"] for v in checked
                                                         if v.get("amendment") is not None}), "given new lines")
        return checked

    @classmethod
    def write(cls, actions, values):
        cls.env[cls.fields["amendment"].target].refuse_validated({a.amendment for a in actions}, "changed")
        super().write(actions, values)

    @classmethod
    def delete(cls, actions):
        cls.env[cls.fields["amendment"].target].refuse_validated({a.amendment for a in actions}, "changed")
        super().delete(actions)


class AmendableLine:
    """Mixin of an order line that amendments change: what bounds it, and what moves with it."""

    @classmethod
    def amendment_floors(cls, lines):
        """``{line id: [(quantity, what)]}``: below what an amendment may not take each line.

        Modules add their floors (stock: what is shipped; account_invoice:
        what is invoiced), ``what`` wording it for the refusal.
        """
        return {}

    @classmethod
    def amended_items(cls, changes):
        """The :data:`Amended` items that move with ``changes`` of lines (the lines themselves here).

        product_kit replaces a kit line by its components, brought to the
        new quantity.
        """
        return list(changes)
