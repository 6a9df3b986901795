"""Production orders: consume inputs and make outputs in a warehouse.

A production makes ``quantity`` of its ``product`` with a bill of
materials, in a warehouse: its inputs are moves from the warehouse's
storage to the warehouse's production location, its outputs moves back.
The production location is outside the warehouse (as its lost and found
is), so what goes in leaves the stock and what comes out enters it; every
warehouse gets one when it is made, or when the module is activated.

The moves exist from the draft on, so forecasts count a planned
production's inputs going out on its start date and its outputs coming in
on its planned date.  The workflow follows the goods:

- ``wait``: the production is confirmed, its moves wait for their goods;
- ``assign``: the inputs available are reserved; a production whose inputs
  are all reserved is ``assigned``, the others keep waiting (and
  ``env.warnings`` says what they lack);
- ``run``: the inputs are consumed (their moves done);
- ``done``: the outputs are made (their moves done, at the cost of the
  inputs consumed); refused unless the inputs are reserved or consumed;
- ``cancel``: the moves not done are cancelled, which releases their
  reservations.
"""
import datetime

import sqlalchemy as sa

from core import Model, Workflow, errors, fields, transition
from core.model import batches, in_

from . import cost
from .bom import first_boms, line_quantities

STATES = [("draft", "Draft"), ("waiting", "Waiting"), ("assigned", "Assigned"), ("running", "Running"),
          ("done", "Done"), ("cancelled", "Cancelled")]
MADE = ("product", "bom", "quantity", "unit", "planned_date", "warehouse")   # what the moves follow


class Production(Workflow, Model):
    """Make ``quantity`` of ``product`` in ``warehouse`` by ``planned_date`` with a bill of materials."""

    _name = "production.production"
    _order = (("planned_date", "ASC"), ("id", "ASC"))
    _transitions = frozenset({
        ("draft", "waiting"), ("waiting", "assigned"), ("assigned", "running"), ("assigned", "done"),
        ("running", "done"), ("draft", "cancelled"), ("waiting", "cancelled"), ("assigned", "cancelled"),
    })

    number = fields.Char("Number", size=32, readonly=True, unique=True)
    warehouse = fields.Many2One("stock.location", "Warehouse", required=True,
                                help="Default: the warehouse coded WH, else the first one.")
    product = fields.Many2One("product.product", "Product", required=True)
    bom = fields.Many2One("production.bom", "Bill of materials",
                          help="Default: the product's first. Its inputs and outputs, scaled to the quantity, "
                               "become the production's moves.")
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    planned_date = fields.Date("Planned date", required=True,
                               help="When the output is due. Default: today plus the product's production "
                                    "lead time.")
    planned_start_date = fields.Date("Planned start date", readonly=True,
                                     help="The planned date less the production lead time: when the inputs "
                                          "are consumed.")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    inputs = fields.One2Many("stock.move", "production_input", "Inputs")
    outputs = fields.One2Many("stock.move", "production_output", "Outputs")
    origin = fields.Reference("Origin", help="What asked for it: a reordering rule, a sale line, …")
    reorder_explanation = fields.Text("Why it was made", readonly=True)

    @classmethod
    def default_warehouse(cls):
        return cls.env["stock.location"].warehouse().id

    # -- defaults that depend on the product ---------------------------------------------
    @classmethod
    def _complete(cls, vlist):
        """Unit, BOM, dates and number from the products, read once per batch."""
        vlist = super()._complete(vlist)
        products = _product_rows(cls.env, {_id(v.get("product")) for v in vlist} - {None})
        numbers = iter(cls.env.next_numbers(cls._name, sum(1 for v in vlist if not v.get("number"))))
        today = datetime.date.today()
        completed = []
        for values in vlist:
            row = products.get(_id(values.get("product")))
            values = dict(values)
            if row is not None:
                lead_time = row.production_lead_time or 0
                if values.get("unit") is None:
                    values["unit"] = row.default_uom
                if values.get("bom") is None:
                    values["bom"] = row.bom
                if values.get("planned_date") is None:
                    values["planned_date"] = shift_days(today, lead_time)
                values["planned_start_date"] = shift_days(values["planned_date"], -lead_time)
            if not values.get("number"):
                values["number"] = f"MO{next(numbers):04d}"
            completed.append(values)
        return completed

    @classmethod
    def _create(cls, vlist):
        """A production with a BOM and no moves given gets its inputs and outputs from the BOM (set-based)."""
        productions = super()._create(vlist)
        exploded = [p.id for p, v in zip(productions, vlist) if p.bom is not None
                    and not v.get("inputs") and not v.get("outputs")]
        if exploded:
            cls.env["stock.move"].create_unchecked(explode(cls.env, exploded))
        return productions

    @classmethod
    def validate(cls, productions):
        """One query finds the first production at fault; its error names what is wrong."""
        super().validate(productions)
        env = cls.env
        table, product, location = cls.table, env["product.product"].table, env["stock.location"].table
        unit, product_unit = env["product.uom"].table.alias("unit"), env["product.uom"].table.alias("product_unit")
        outputs = env["production.bom.output"].table
        makes = sa.exists().where(outputs.c.bom == table.c.bom, outputs.c.product == table.c.product)
        for batch in batches(env, [p.id for p in productions]):
            bad = env.execute(
                sa.select(table.c.id)
                .join_from(table, product, product.c.id == table.c.product)
                .join(unit, unit.c.id == table.c.unit)
                .join(product_unit, product_unit.c.id == product.c.default_uom)
                .join(location, location.c.id == table.c.warehouse)
                .where(in_(table.c.id, batch), sa.or_(
                    table.c.quantity <= 0, unit.c.category != product_unit.c.category,
                    location.c.type != "warehouse", sa.and_(table.c.bom.is_not(None), ~makes)))
                .order_by(table.c.id).limit(1)).scalar()
            if bad is not None:
                cls._refuse(cls.browse([bad])[0])

    @classmethod
    def _refuse(cls, production):
        """Raise the ValidationError naming what is wrong with ``production``."""
        where, product = production.rec_name, production.product
        if not production.quantity > 0:
            raise errors.ValidationError(f"{where}: quantity must be greater than zero, not "
                                         f"{production.quantity:g}", {"quantity": ["Must be greater than zero."]},
                                         where)
        if production.unit.category != product.default_uom.category:
            raise errors.ValidationError(
                f"{where}: unit {production.unit.name} does not measure {product.name}",
                {"unit": [f"Must be a unit of {product.default_uom.category.name}."]}, where)
        if production.warehouse.type != "warehouse":
            raise errors.ValidationError(f"{where}: {production.warehouse.rec_name} is not a warehouse",
                                         {"warehouse": ["Must be a stock.location of type warehouse."]}, where)
        raise errors.ValidationError(
            f"{where}: bill of materials {production.bom.rec_name} does not make {product.name}",
            {"bom": [f"Must have {product.name} among its outputs."]}, where)

    # -- changes: drafts only ---------------------------------------------------------------
    @classmethod
    def write(cls, productions, values):
        cls.check_draft(productions, "changed")
        super().write(productions, values)

    @classmethod
    def _write(cls, productions, values):
        """A draft's moves follow its product, BOM, quantity, unit, dates and warehouse."""
        super()._write(productions, values)
        if not set(MADE) & set(values):
            return
        if "planned_date" in values or "product" in values:
            cls.write_rows([{"id": p.id, "planned_start_date": shift_days(
                p.planned_date, -p.product.production_lead_time)} for p in productions])
        drafts = [p for p in productions if p.state == "draft" and p.bom is not None]
        if drafts:
            Move = cls.env["stock.move"]
            Move.delete_unchecked([m for p in drafts for m in list(p.inputs) + list(p.outputs)])
            Move.create_unchecked(explode(cls.env, [p.id for p in drafts]))

    @classmethod
    def delete(cls, productions):
        for production in cls.browse([getattr(p, "id", p) for p in productions]):
            if production.state not in ("draft", "cancelled"):
                raise errors.WorkflowError(f"{production.rec_name} is {production.state}: only a draft or "
                                           f"cancelled production can be deleted")
        super().delete(productions)

    @classmethod
    def check_draft(cls, productions, what):
        """Refuse (WorkflowError) to let ``productions`` be ``what`` unless they are drafts."""
        for production in cls.browse([getattr(p, "id", p) for p in productions]):
            if production.state != "draft":
                raise errors.WorkflowError(f"{production.rec_name} is {production.state}: it cannot be {what}")

    # -- workflow ------------------------------------------------------------------------------
    @classmethod
    @transition("waiting")
    def wait(cls, productions):
        """Confirm the productions: their moves now wait for their goods."""
        productions = cls.change_state(productions, "waiting", "confirm")
        Move = cls.env["stock.move"]
        drafts = [m for m in _moves(productions) if m.state == "draft"]
        if drafts:
            Move.change_state(drafts, "waiting", "wait for")

    @classmethod
    @transition("assigned")
    def assign(cls, productions):
        """Reserve the inputs available; the productions whose inputs are all reserved become assigned.

        The others keep waiting with what could be reserved, and
        ``env.warnings`` says what each lacks.  Returns the productions
        assigned.
        """
        productions = cls.browse([getattr(p, "id", p) for p in productions])
        cls.check_state_change([p for p in productions if p.state != "assigned"], "assigned", "assign")
        Move = cls.env["stock.move"]
        Move.assign_try([m for p in productions for m in p.inputs if m.state in ("draft", "waiting")])
        ready, short = [], []
        for production in cls.browse([p.id for p in productions]):
            waiting = [m for m in production.inputs if m.state in ("draft", "waiting")]
            (short if waiting else ready).append(production)
            for move in waiting:
                cls.env.warn("production_short", f"{production.rec_name} waits: {move.quantity:g} "
                             f"{move.unit.symbol} of {move.product.name} not available in "
                             f"{move.from_location.name}", production)
        ready = [p for p in ready if p.state != "assigned"]
        if ready:
            cls.change_state(ready, "assigned", "assign")
        return cls.browse([p.id for p in productions if p.id not in {s.id for s in short}])

    @classmethod
    @transition("running")
    def run(cls, productions):
        """Start the productions: their reserved inputs are consumed."""
        productions = cls.browse([getattr(p, "id", p) for p in productions])
        cls._refuse_unassigned(productions, "run")
        productions = cls.change_state(productions, "running", "run")
        cls._consume(productions)

    @classmethod
    @transition("done")
    def done(cls, productions):
        """Finish the productions: inputs consumed (if not yet), outputs made at the inputs' cost.

        The inputs still to consume cost their product's cost now (what
        stock records as they leave), so the outputs are priced first and
        every move is done in one batch.
        """
        productions = cls.browse([getattr(p, "id", p) for p in productions])
        cls._refuse_unassigned(productions, "finish")
        productions = cls.change_state(productions, "done", "finish")
        cost.price_outputs(cls.env, productions)
        moves = [m for p in productions for m in p.inputs if m.state == "assigned"] + [
            m for p in productions for m in p.outputs if m.state not in ("done", "cancelled")]
        if moves:
            cls.env["stock.move"].do(moves)

    @classmethod
    @transition("cancelled")
    def cancel(cls, productions):
        """The productions will not happen: their moves not done are cancelled, releasing what they reserved."""
        productions = cls.change_state(productions, "cancelled", "cancel")
        pending = [m for m in _moves(productions) if m.state not in ("done", "cancelled")]
        if pending:
            cls.env["stock.move"].cancel(pending)

    @classmethod
    def _refuse_unassigned(cls, productions, verb):
        """Only reserved (or consumed) inputs can be consumed: a WorkflowError names the first that is not."""
        for production in productions:
            if production.state in ("draft", "waiting"):
                raise errors.WorkflowError(f"cannot {verb} {production.rec_name}: it is {production.state}; its "
                                           f"inputs must be assigned first (assign)")
            for move in production.inputs:
                if move.state not in ("assigned", "done", "cancelled"):
                    raise errors.WorkflowError(
                        f"cannot {verb} {production.rec_name}: its input {move.product.name} ({move.quantity:g} "
                        f"{move.unit.symbol}) is {move.state}, not assigned; assign it first")

    @classmethod
    def _consume(cls, productions):
        inputs = [m for p in productions for m in p.inputs if m.state == "assigned"]
        if inputs:
            cls.env["stock.move"].do(inputs)


class Location:
    """Every warehouse has its production location, outside it."""

    _name = "stock.location"

    type = fields.Selection.extend([("production", "Production")])
    production_location = fields.Many2One(
        "stock.location", "Production",
        help="Of a warehouse: where its productions take their inputs and make their outputs (outside it).")

    @classmethod
    def _create(cls, vlist):
        """A new warehouse gets its production location, unless it is given one."""
        locations = super()._create(vlist)
        lacking = [w for w in locations if w.type == "warehouse" and w.production_location is None]
        if lacking:
            made = super()._create([{"name": f"{w.name} production", "type": "production",
                                     "code": f"{w.code}-PROD" if w.code else None} for w in lacking])
            cls.write_rows([{"id": w.id, "production_location": place.id} for w, place in zip(lacking, made)])
        return locations


class Move:
    """Moves of a production: its inputs and its outputs."""

    _name = "stock.move"

    production_input = fields.Many2One("production.production", "Input of", ondelete="cascade")
    production_output = fields.Many2One("production.production", "Output of", ondelete="cascade")

    @classmethod
    def split(cls, move, quantity):
        """The rest of a production's move stays the production's."""
        rest = super().split(move, quantity)
        if move.production_input is not None or move.production_output is not None:
            cls.write_rows([{"id": rest.id, "production_input": _id(move.production_input),
                             "production_output": _id(move.production_output)}])
        return rest

    @classmethod
    def priced_sources(cls):
        """A production's outputs come in at the cost of its inputs: they move an average cost as receipts do."""
        return super().priced_sources() | {"production"}


def explode(env, production_ids):
    """The move values of the productions' inputs and outputs: their BOMs scaled to their quantities.

    A BOM making ``q`` of the product (in its unit) is run quantity / q
    times; each input and output keeps the BOM line's unit.  Set-based: the
    productions, their warehouses' places, what their BOMs make and their
    lines are read with a few queries whatever their number.
    """
    Production = env["production.production"]
    table, product, location = Production.table, env["product.product"].table, env["stock.location"].table
    unit, product_unit = env["product.uom"].table.alias("unit"), env["product.uom"].table.alias("product_unit")
    wanted = table.c.quantity * unit.c.factor / product_unit.c.factor
    rows = []
    for batch in batches(env, production_ids):
        rows += env.execute(
            sa.select(table.c.id, table.c.product, table.c.bom, wanted.label("wanted"), table.c.planned_date,
                      table.c.planned_start_date, location.c.storage_location, location.c.production_location)
            .join_from(table, product, product.c.id == table.c.product)
            .join(unit, unit.c.id == table.c.unit)
            .join(product_unit, product_unit.c.id == product.c.default_uom)
            .join(location, location.c.id == table.c.warehouse)
            .where(in_(table.c.id, batch), table.c.bom.is_not(None)).order_by(table.c.id)).all()
    boms = sorted({row.bom for row in rows})
    made = line_quantities(env, "production.bom.output", boms)
    lines = {"input": _lines(env, "production.bom.input", boms), "output": _lines(env, "production.bom.output", boms)}
    values = []
    for row in rows:
        runs = row.wanted / made[row.bom][row.product]
        for kind, source, target, date in (
                ("input", row.storage_location, row.production_location, row.planned_start_date),
                ("output", row.production_location, row.storage_location, row.planned_date)):
            for line_product, quantity, line_unit in lines[kind].get(row.bom, ()):
                values.append({f"production_{kind}": row.id, "product": line_product, "unit": line_unit,
                               "quantity": quantity * runs, "from_location": source, "to_location": target,
                               "planned_date": date})
    return values


def _lines(env, model, boms):
    """``{bom: [(product, quantity, unit)]}`` of the BOMs' lines of ``model``, in their order."""
    table = env[model].table
    result = {}
    for batch in batches(env, boms):
        for bom, product, quantity, unit in env.execute(
                sa.select(table.c.bom, table.c.product, table.c.quantity, table.c.unit)
                .where(in_(table.c.bom, batch)).order_by(table.c.bom, table.c.id)):
            result.setdefault(bom, []).append((product, quantity, unit))
    return result


def _moves(productions):
    return [m for p in productions for m in list(p.inputs) + list(p.outputs)]


def _id(value):
    return getattr(value, "id", value)


def shift_days(date, days):
    """``date`` + ``days`` (negative: before), kept within the calendar."""
    try:
        return date + datetime.timedelta(days=days or 0)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


def _product_rows(env, ids):
    """``{product id: row(default_uom, production_lead_time, bom)}``: what productions default from, set-based."""
    product = env["product.product"].table
    firsts = first_boms(env, ids)
    rows = {}
    for batch in batches(env, sorted(ids)):
        for id_, unit, lead_time in env.execute(sa.select(product.c.id, product.c.default_uom,
                                                          product.c.production_lead_time)
                                                .where(in_(product.c.id, batch))):
            rows[id_] = _Defaults(unit, lead_time, firsts.get(id_))
    return rows


class _Defaults:
    __slots__ = ("default_uom", "production_lead_time", "bom")

    def __init__(self, default_uom, production_lead_time, bom):
        self.default_uom, self.production_lead_time, self.bom = default_uom, production_lead_time, bom
