"""What sales and purchases share: an order of products, and its lines.

Plain mixins (not models) for the modules that order products: the order's
workflow (draft -> quotation -> confirmed -> processing -> done, cancel from
draft or quotation) announced through the owning module's hooks, and lines
holding a quantity of a product in a unit at a price, completed and checked
a whole batch at a time.
"""
import collections
from decimal import Decimal

import sqlalchemy as sa

from core import Workflow, errors, transition
from core.model import batches, in_

from .product import refuse_unit_category_change

CENT = Decimal("0.01")
STATES = [("draft", "Draft"), ("quotation", "Quotation"), ("confirmed", "Confirmed"),
          ("processing", "Processing"), ("done", "Done"), ("cancelled", "Cancelled")]
LineFacts = collections.namedtuple("LineFacts", "quantity unit rounding product_type invoice_method")
INVOICE_METHODS = [("order", "On order"), ("shipment", "On shipment"), ("manual", "Manual")]


class Order(Workflow):
    """Mixin for an order model with fields ``number``, ``state`` and ``lines``.

    ``_hook_prefix`` names the owning module (its hookspecs are
    ``<prefix>_before_quote`` … ``<prefix>_before_cancel``, called before a
    transition, and ``<prefix>_quote`` … ``<prefix>_cancel``, called after
    it, whose records argument is ``_hook_argument``); ``_number_prefix``
    starts the numbers given at the first quotation.
    """

    _hook_prefix = None
    _hook_argument = None
    _number_prefix = None
    _transitions = frozenset({
        ("draft", "quotation"), ("quotation", "draft"), ("cancelled", "draft"),
        ("quotation", "confirmed"), ("confirmed", "processing"), ("processing", "done"),
        ("draft", "cancelled"), ("quotation", "cancelled"),
    })

    @classmethod
    def get_untaxed_amount(cls, orders, name):
        amounts = {order.id: Decimal(0) for order in orders}
        line_field = cls.fields["lines"]
        for line in cls.env[line_field.target].search([(line_field.field, "in", list(amounts))]):
            amounts[getattr(line, line_field.field).id] += line.amount
        return amounts

    # -- changes by hand ---------------------------------------------------------
    writable_after_draft = ()
    """The fields of this class that a caller may write in any state (labels, say); others only in draft.

    Each class of the composed order lists its own: the model, and each
    module's extension of it (``writable_after_draft = ("delivery_slot",)``);
    :meth:`fields_writable_after_draft` joins them.
    """

    @classmethod
    def fields_writable_after_draft(cls):
        """Every field the composed order lets a caller write whatever its state: the classes' lists together."""
        names = set()
        for klass in cls.__mro__:
            names.update(vars(klass).get("writable_after_draft", ()))
        unknown = names.difference(cls.fields)
        if unknown:
            raise errors.ModuleError(f"{cls._name}.writable_after_draft names {', '.join(sorted(unknown))}, "
                                     f"which {cls._name} has no field of")
        return frozenset(names)

    @classmethod
    def write(cls, orders, values):
        if not isinstance(values, dict) or not set(values) <= cls.fields_writable_after_draft():
            cls._check_draft(orders, "changed")
        super().write(orders, values)

    @classmethod
    def delete(cls, orders):
        for order in orders:
            if order.state not in ("draft", "cancelled"):
                raise errors.WorkflowError(
                    f"cannot delete {order.rec_name}: it is {order.state}; only draft or cancelled ones can go")
        super().delete(orders)

    @classmethod
    def _check_draft(cls, orders, what):
        for order in orders:
            if order.state != "draft":
                raise errors.WorkflowError(
                    f"{order.rec_name} cannot be {what}: it is {order.state}; reset it to draft first")

    # -- workflow ----------------------------------------------------------------------
    # Each transition is a door of the model (see core.transition: ids accepted, one
    # savepoint); it checks that every order may make it, calls the
    # ``<prefix>_before_<event>`` hook (which refuses by raising), changes the
    # state, then calls ``<prefix>_<event>``.
    @classmethod
    @transition("quotation")
    def quote(cls, orders):
        """Send draft orders to the customer or supplier: number them, then announce it."""
        orders = cls._move(orders, "quote", "quotation", "quote", numbered=True)
        cls._announce("quote", orders)

    @classmethod
    @transition("draft")
    def draft(cls, orders):
        """Reset quoted or cancelled orders to draft, so that they can be changed again."""
        cls._announce("draft", cls._move(orders, "draft", "draft", "reset to draft"))

    @classmethod
    @transition("confirmed")
    def confirm(cls, orders):
        """Record that the other party agreed to quoted orders."""
        cls._announce("confirm", cls._move(orders, "confirm", "confirmed", "confirm"))

    @classmethod
    @transition("processing")
    def process(cls, orders):
        """Start carrying out confirmed orders; those with nothing pending become done."""
        orders = cls._move(orders, "process", "processing", "process")
        cls._announce("process", orders)
        cls.check_done(orders)

    @classmethod
    @transition("cancelled")
    def cancel(cls, orders):
        """Cancel draft or quoted orders."""
        cls._announce("cancel", cls._move(orders, "cancel", "cancelled", "cancel"))

    @classmethod
    def _move(cls, orders, event, state, verb, numbered=False):
        """Check the transition, let the modules refuse it, then change the state (and number them)."""
        orders = cls.check_state_change(orders, state, verb)
        cls._announce(f"before_{event}", orders)
        return cls.change_state(orders, state, verb, cls._numbers(orders) if numbered else None)

    @classmethod
    def check_done(cls, orders):
        """Move to done the processing orders nothing is pending for."""
        pending = cls.get_pending(orders)
        done = [o for o in orders if o.state == "processing" and o.id not in pending]
        if done:
            cls.change_state(done, "done", "finish")

    @classmethod
    def get_pending(cls, orders):
        """Ids of the orders still waiting for something (stock: moves not done)."""
        return set()

    @classmethod
    def _announce(cls, event, orders):
        hook = getattr(cls.env.hooks, f"{cls._hook_prefix}_{event}")
        hook(env=cls.env, **{cls._hook_argument: orders})

    @classmethod
    def _numbers(cls, orders):
        """``{order id: {"number": …}}``, the next numbers of the sequence for orders without; None if all have one."""
        unnumbered = [o for o in orders if not o.number]
        if not unnumbered:
            return None
        numbers = dict(zip([o.id for o in unnumbered], cls.env.next_numbers(cls._name, len(unnumbered))))
        return {o.id: {"number": o.number or f"{cls._number_prefix}{numbers[o.id]:04d}"} for o in orders}


class OrderLine:
    """Mixin for an order's line, with fields ``product``, ``quantity``, ``unit``, ``unit_price``.

    ``_parent_field`` names the Many2One to the order; ``default_prices``
    says what a line of each product and unit costs by default.  Lines can be
    created, changed or deleted by hand only while their order is draft.
    """

    _parent_field = None
    _completed = frozenset({"unit", "unit_price"})   # from the product when left out (see _complete)

    @classmethod
    def line_facts(cls, lines):
        """``{line id: LineFacts}``: what quantity code reads of each line, in one joined query per batch.

        The quantity, the unit's id and rounding, the product's type and the
        order's invoice method (None when the order has none).  Read as rows,
        not through the records: at ten thousand lines, walking
        ``line.unit.rounding`` costs more than the queries.  A caller that
        already read them passes them in the context (``line_facts``:
        ``{model name: facts}``) and nothing is read again.
        """
        env = cls.env
        ids = [getattr(line, "id", line) for line in lines]
        known = (env.context.get("line_facts") or {}).get(cls._name)
        if known is not None and all(i in known for i in ids):
            return known
        table, unit, product = cls.table, env["product.uom"].table, env["product.product"].table
        order = env[cls.fields[cls._parent_field].target].table
        method = order.c.invoice_method if "invoice_method" in order.c else sa.null()
        facts = {}
        for batch in batches(env, ids):
            query = (sa.select(table.c.id, table.c.quantity, table.c.unit, unit.c.rounding, product.c.type, method)
                     .select_from(table.join(unit, unit.c.id == table.c.unit)
                                  .join(product, product.c.id == table.c.product)
                                  .join(order, order.c.id == table.c[cls._parent_field]))
                     .where(in_(table.c.id, batch)))
            facts.update((row[0], LineFacts(*row[1:])) for row in env.execute(query).all())
        return facts

    @classmethod
    def get_amount(cls, lines, name):
        return {line.id: (Decimal(repr(line.quantity)) * line.unit_price).quantize(CENT) for line in lines}

    @classmethod
    def default_prices(cls, products, units, parents, quantities=None):
        """The default unit price of each line: the product's list price in the line's unit.

        ``quantities`` (each line's quantity in its unit, when known) are for
        prices that depend on them (a supplier's price breaks).
        """
        return [cls._price_in_unit(product.list_price, product, unit) for product, unit in zip(products, units)]

    @classmethod
    def _price_in_unit(cls, price, product, unit):
        """``price`` per default unit of ``product`` as a price per ``unit``.

        A unit of another category is left for ``validate`` to refuse.
        """
        if unit.category.id != product.default_uom.category.id:
            return price
        ratio = cls.env["product.uom"].compute_quantity(unit, 1, product.default_uom, round=False)
        return price * Decimal(repr(ratio))

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        wanted = [v for v in vlist if v.get("product") is not None]
        if not wanted:
            return vlist
        Product, Uom = cls.env["product.product"], cls.env["product.uom"]
        given = {u.id: u for u in Uom.browse({getattr(v["unit"], "id", v["unit"])
                                              for v in wanted if v.get("unit") is not None})}
        # Lines given their unit and price (made by the system from another line) need no product read.
        defaulted = [v for v in wanted if v.get("unit") is None or v.get("unit_price") is None]
        products = dict(zip(map(id, defaulted), Product.browse(
            [getattr(v["product"], "id", v["product"]) for v in defaulted])))
        units = [given[getattr(v["unit"], "id", v["unit"])] if v.get("unit") is not None
                 else products[id(v)].default_uom for v in wanted]
        missing_price = [i for i, v in enumerate(wanted) if v.get("unit_price") is None]
        prices = dict(zip(missing_price, cls.default_prices(
            [products[id(wanted[i])] for i in missing_price], [units[i] for i in missing_price],
            [wanted[i].get(cls._parent_field) for i in missing_price])))
        completed = {}
        for position, (values, unit) in enumerate(zip(wanted, units)):
            line = {**values, "unit": unit.id}
            if position in prices:
                line["unit_price"] = prices[position]
            if values.get("quantity") is not None:
                line["quantity"] = Uom.round(values["quantity"], unit.rounding)
            completed[id(values)] = line
        return [completed.get(id(values), values) for values in vlist]

    @classmethod
    def validate(cls, lines):
        """Quantities above zero, units of the product's category: one query finds the first offender."""
        super().validate(lines)
        env = cls.env
        table, product = cls.table, env["product.product"].table
        line_unit, product_unit = env["product.uom"].table.alias(), env["product.uom"].table.alias()
        for batch in batches(env, [line.id for line in lines]):
            bad = env.execute(
                sa.select(table.c.id).select_from(
                    table.join(product, product.c.id == table.c.product)
                    .join(product_unit, product_unit.c.id == product.c.default_uom)
                    .join(line_unit, line_unit.c.id == table.c.unit))
                .where(in_(table.c.id, batch),
                       sa.or_(cls.quantity_refused(table), line_unit.c.category != product_unit.c.category))
                .order_by(table.c.id).limit(1)).scalar()
            if bad is not None:
                cls._refuse(cls.browse([bad])[0])

    @classmethod
    def quantity_refused(cls, table):
        """SQL on the line's row: its quantity is refused (by default: not above zero).

        Lines that carry goods back (returns, credit notes) override it.
        """
        return table.c.quantity <= 0

    @classmethod
    def refuse_unit_category_change(cls, products):
        """Refuse ``products``' new unit category while a line of this model counts one of them.

        For the ``product.product`` extension (``check_unit_category_change``)
        of the module owning the lines.
        """
        refuse_unit_category_change(
            cls, products, describe=lambda line: f"{line.rec_name} of {getattr(line, cls._parent_field).rec_name}")

    @classmethod
    def _refuse(cls, line):
        order = getattr(line, cls._parent_field)
        if line.quantity <= 0:
            raise errors.ValidationError(
                f"{line.rec_name} of {order.rec_name}: quantity must be greater than zero",
                {"quantity": ["Must be greater than zero."]}, line.rec_name)
        category = line.product.default_uom.category
        raise errors.ValidationError(
            f"{line.rec_name} of {order.rec_name}: unit {line.unit.name} does not measure "
            f"{line.product.name} (counted in {category.name})",
            {"unit": [f"Must be a unit of {category.name}."]}, line.rec_name)

    # -- changes by hand: only while the order is draft ------------------------------
    @classmethod
    def _check_input(cls, vlist, creating, parent_field=None):
        """Checked input whose lines go to (or move to) a draft order only.

        Run on the loaded values, where the order is an id however it was
        given; lines created with their new order (``parent_field``) are the
        order's own business.
        """
        checked = super()._check_input(vlist, creating, parent_field)
        if parent_field is None:
            Order = cls.env[cls.fields[cls._parent_field].target]
            Order._check_draft(Order.browse({values[cls._parent_field] for values in checked
                                             if values.get(cls._parent_field) is not None}),
                               "given new lines" if creating else "given these lines")
        return checked

    @classmethod
    def write(cls, lines, values):
        cls._check_order_draft(lines)
        super().write(lines, values)

    @classmethod
    def delete(cls, lines):
        cls._check_order_draft(lines)
        super().delete(lines)

    @classmethod
    def _check_order_draft(cls, lines):
        Order = cls.env[cls.fields[cls._parent_field].target]
        Order._check_draft({getattr(line, cls._parent_field) for line in lines}, "changed")
