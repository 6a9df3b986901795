import datetime
import math

import sqlalchemy as sa

from core import Model, Workflow, errors, fields, transition
from core.model import batches, in_
from modules.product.product import refuse_unit_category_change

from . import cost

COST_PRICE_METHODS = [("fixed", "Fixed"), ("average", "Average")]
STATES = [("draft", "Draft"), ("waiting", "Waiting"), ("assigned", "Assigned"), ("done", "Done"),
          ("cancelled", "Cancelled")]


class Move(Workflow, Model):
    """A quantity of a product going from one location to another.

    ``internal_quantity`` is the quantity in the product's own unit, kept so
    that stock quantities are one SQL sum.  Done moves are history: they
    cannot be changed or deleted.
    """

    _name = "stock.move"
    _completed = frozenset({"unit"})   # the product's unit when left out
    _order = (("planned_date", "ASC"), ("id", "ASC"))
    # Everything stock.location.quantities reads, so that it sums an index, not the table.
    _indexes = {"quantities": ("product", "state", "effective_date", "planned_date", "to_location",
                               "from_location", "internal_quantity")}
    _transitions = frozenset({
        ("draft", "waiting"), ("draft", "assigned"), ("waiting", "assigned"), ("assigned", "waiting"),
        ("draft", "done"), ("waiting", "done"), ("assigned", "done"),
        ("draft", "cancelled"), ("waiting", "cancelled"), ("assigned", "cancelled"),
    })

    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    internal_quantity = fields.Float("Quantity in the product's unit", readonly=True)
    from_location = fields.Many2One("stock.location", "From", required=True)
    to_location = fields.Many2One("stock.location", "To", required=True)
    planned_date = fields.Date("Planned date", help="Default: the internal shipment's planned date, else today.")
    effective_date = fields.Date("Effective date", readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    origin = fields.Reference("Origin", help="What the move is for: a sale line, a line component, …")
    unit_price = fields.Numeric("Unit price", digits=4)
    cost_price = fields.Numeric("Cost price", digits=4, readonly=True,
                                help="Of a done move leaving the warehouses: the product's cost per unit of the "
                                     "product when it left.")
    shipment_out = fields.Many2One("stock.shipment.out", "Customer shipment", ondelete="cascade")
    shipment_in = fields.Many2One("stock.shipment.in", "Supplier shipment", ondelete="cascade")
    shipment_internal = fields.Many2One("stock.shipment.internal", "Internal shipment", ondelete="cascade")
    shipment_out_return = fields.Many2One("stock.shipment.out.return", "Customer return shipment",
                                          ondelete="cascade")
    shipment_in_return = fields.Many2One("stock.shipment.in.return", "Supplier return shipment", ondelete="cascade")

    # -- quantities in the product's unit -----------------------------------------
    @classmethod
    def _complete(cls, vlist):
        """Each move's unit (default: its product's), its quantity rounded to it and ``internal_quantity``.

        The products' units come from one query per batch and the few units
        are read once, each pair of units converting the same way: a
        shipment of thousands of moves reads no product record.
        """
        vlist = cls._from_internal_shipments(super()._complete(vlist))
        wanted = [v for v in vlist if v.get("product") is not None]
        if not wanted:
            return vlist
        env = cls.env
        product = env["product.product"].table
        default_uom = {}
        for batch in batches(env, sorted({getattr(v["product"], "id", v["product"]) for v in wanted})):
            default_uom.update(env.execute(sa.select(product.c.id, product.c.default_uom)
                                           .where(in_(product.c.id, batch))).all())
        converters = {}
        completed = {}
        for values in wanted:
            target = default_uom[getattr(values["product"], "id", values["product"])]
            unit = values.get("unit")
            unit = target if unit is None else getattr(unit, "id", unit)
            line = {**values, "unit": unit}
            if values.get("quantity") is not None:
                key = (unit, target)
                if key not in converters:
                    converters[key] = cls._converter(*key)
                if converters[key] is not None:
                    line["quantity"], line["internal_quantity"] = converters[key](values["quantity"])
            completed[id(values)] = line
        return [completed.get(id(values), values) for values in vlist]

    @classmethod
    def _converter(cls, unit, target):
        """A function of a quantity in ``unit``: the quantity rounded to the unit, and in the ``target`` unit.

        None when the units measure different things: ``validate`` refuses the move.
        """
        Uom = cls.env["product.uom"]
        unit, target = Uom.browse([unit, target])
        if unit.category.id != target.category.id:
            return None
        rounding = unit.rounding

        def convert(quantity):
            quantity = Uom.round(quantity, rounding)
            return quantity, Uom.compute_quantity(unit, quantity, target, round=False)
        return convert

    @classmethod
    def _from_internal_shipments(cls, vlist):
        """A move of a warehouse transfer runs storage to storage on the transfer's date, unless told otherwise.

        Other moves are planned for today unless told otherwise.
        """
        today = datetime.date.today()
        vlist = [v if v.get("planned_date") is not None or v.get("shipment_internal") is not None
                 else {**v, "planned_date": today} for v in vlist]
        wanted = [v for v in vlist if v.get("shipment_internal") is not None
                  and any(v.get(n) is None for n in ("from_location", "to_location", "planned_date"))]
        if not wanted:
            return vlist
        shipments = {s.id: s for s in cls.env["stock.shipment.internal"].browse(
            {getattr(v["shipment_internal"], "id", v["shipment_internal"]) for v in wanted})}
        completed = {}
        for values in wanted:
            shipment = shipments[getattr(values["shipment_internal"], "id", values["shipment_internal"])]
            defaults = {"from_location": shipment.from_location.storage_location.id,
                        "to_location": shipment.to_location.storage_location.id,
                        "planned_date": shipment.planned_date}
            completed[id(values)] = {**values, **{k: v for k, v in defaults.items() if values.get(k) is None}}
        return [completed.get(id(values), values) for values in vlist]

    @classmethod
    def _write(cls, moves, values):
        super()._write(moves, values)
        if {"quantity", "unit", "product"} & set(values):
            Uom = cls.env["product.uom"]
            cls.write_rows([{"id": m.id, "internal_quantity": Uom.compute_quantity(
                m.unit, m.quantity, m.product.default_uom, round=False)} for m in moves])

    @classmethod
    def validate(cls, moves):
        """Quantities above zero, units of the product's category, two places: one query finds the first offender.

        The units are compared once per pair of product and unit among the
        moves (a few), not once per move.
        """
        super().validate(moves)
        env = cls.env
        table, product = cls.table, env["product.product"].table
        move_unit, product_unit = env["product.uom"].table.alias(), env["product.uom"].table.alias()
        for batch in batches(env, [move.id for move in moves]):
            pairs = sa.select(table.c.product, table.c.unit).where(in_(table.c.id, batch)).distinct().subquery()
            mismatched = (sa.select(pairs.c.product, pairs.c.unit).select_from(
                pairs.join(product, product.c.id == pairs.c.product)
                .join(product_unit, product_unit.c.id == product.c.default_uom)
                .join(move_unit, move_unit.c.id == pairs.c.unit))
                .where(move_unit.c.category != product_unit.c.category))
            bad = env.execute(
                sa.select(table.c.id)
                .where(in_(table.c.id, batch),
                       sa.or_(table.c.quantity <= 0, table.c.from_location == table.c.to_location,
                              sa.tuple_(table.c.product, table.c.unit).in_(mismatched)))
                .order_by(table.c.id).limit(1)).scalar()
            if bad is not None:
                cls._refuse(cls.browse([bad])[0])

    @classmethod
    def _refuse(cls, move):
        """Raise the ValidationError naming what is wrong with ``move``."""
        if move.quantity <= 0:
            raise errors.ValidationError(f"{move.rec_name}: quantity must be greater than zero",
                                         {"quantity": ["Must be greater than zero."]}, move.rec_name)
        if move.unit.category.id != move.product.default_uom.category.id:
            raise errors.ValidationError(
                f"{move.rec_name}: unit {move.unit.name} does not measure {move.product.name}",
                {"unit": [f"Must be a unit of {move.product.default_uom.category.name}."]}, move.rec_name)
        raise errors.ValidationError(f"{move.rec_name}: it goes from and to {move.to_location.name}",
                                     {"to_location": ["Must differ from the origin location."]}, move.rec_name)

    @classmethod
    def priced_sources(cls):
        """The types of the locations whose goods enter the warehouses at their move's unit price.

        A done move from one of them into a warehouse moves the average cost
        of its product (see ``cost.py``): stock knows suppliers; a module
        bringing goods in from elsewhere at a known cost adds its own type.
        """
        return {"supplier"}

    # -- history is read-only --------------------------------------------------------
    @classmethod
    def write(cls, moves, values):
        cls._refuse_history(moves, "changed")
        super().write(moves, values)

    @classmethod
    def delete(cls, moves):
        cls._refuse_history(moves, "deleted")
        super().delete(moves)

    @classmethod
    def _refuse_history(cls, moves, what):
        for move in moves:
            if move.state in ("done", "cancelled"):
                raise errors.WorkflowError(f"{move.rec_name} is {move.state}: it cannot be {what}")

    # -- workflow ------------------------------------------------------------------------
    @classmethod
    @transition("waiting")
    def wait(cls, moves):
        """The moves wait for their goods (a reservation undone goes back to waiting too)."""
        cls.change_state(moves, "waiting", "wait for")

    @classmethod
    @transition("done")
    def do(cls, moves):
        """The goods moved: done today unless an effective date was set."""
        moves = cls.change_state(moves, "done", "do")
        today = datetime.date.today()
        undated = [m for m in moves if m.effective_date is None]
        if undated:
            cls.write_unchecked(undated, {"effective_date": today})
        cost.moves_done(cls.env, moves)
        cls.env.hooks.stock_moves_done(env=cls.env, moves=moves)

    @classmethod
    @transition("cancelled")
    def cancel(cls, moves):
        """The moves will not happen."""
        moves = cls.change_state(moves, "cancelled", "cancel")
        cls.env.hooks.stock_moves_cancelled(env=cls.env, moves=moves)

    @classmethod
    def split(cls, move, quantity):
        """Keep ``quantity`` on ``move``; return a new move (same state) with the rest."""
        rest, = cls.create_unchecked([{
            "product": move.product.id, "unit": move.unit.id, "quantity": move.quantity - quantity,
            "from_location": move.from_location.id, "to_location": move.to_location.id,
            "planned_date": move.planned_date, "state": move.state, "origin": move.origin,
            "unit_price": move.unit_price, "shipment_out": move.shipment_out, "shipment_in": move.shipment_in,
            "shipment_internal": move.shipment_internal, "shipment_out_return": move.shipment_out_return,
            "shipment_in_return": move.shipment_in_return}])
        cls.write_unchecked([move], {"quantity": quantity})
        return rest

    @classmethod
    def assign_try(cls, moves):
        """Reserve what is available for ``moves``; split those only partly available.

        Available in a location = on hand there minus what assigned moves
        already reserve; one query each, then first planned, first served.
        Returns the moves now assigned.
        """
        Location = cls.env["stock.location"]
        products = sorted({m.product.id for m in moves if m.state in ("draft", "waiting")})
        if products:   # two transactions reserving one product wait for each other: never more than there is
            cls.env["product.product"].lock(products)
        assigned = []
        for source in {m.from_location for m in moves}:
            todo = sorted((m for m in moves if m.from_location == source and m.state in ("draft", "waiting")),
                          key=lambda m: (m.planned_date or datetime.date.max, m.id))
            products = {m.product.id for m in todo}
            available = Location.quantities(products, source)
            reserved = cls.search([("state", "=", "assigned"), ("from_location", "=", source),
                                   ("product", "in", list(products))])
            for move in reserved:
                available[move.product.id] -= move.internal_quantity
            for move in todo:
                free = available[move.product.id]
                if free <= 0:
                    continue
                if move.internal_quantity > free + 1e-9:
                    Uom = cls.env["product.uom"]
                    quantity = Uom.compute_quantity(move.product.default_uom, free, move.unit, round=False)
                    rounding = move.unit.rounding   # reserve whole units of the move only, never more than free
                    quantity = Uom.round(math.floor(quantity / rounding + 1e-9) * rounding, rounding)
                    if quantity <= 0:
                        continue
                    cls.split(move, quantity)
                available[move.product.id] -= move.internal_quantity
                assigned.append(move)
        if assigned:
            cls.change_state(assigned, "assigned", "assign")
        return assigned


class Product:
    """Products moved in stock: how their cost follows receipts, and a unit kept while moves count them."""

    _name = "product.product"

    cost_price_method = fields.Selection(
        COST_PRICE_METHODS, "Cost price method", required=True, default="fixed",
        help="'fixed': the cost price changes only when written; 'average': each receipt from a supplier moves it "
             "to the average of the stock on hand and the goods received at their purchase price.")

    @classmethod
    def check_unit_category_change(cls, products):
        super().check_unit_category_change(products)
        refuse_unit_category_change(cls.env["stock.move"], products)
