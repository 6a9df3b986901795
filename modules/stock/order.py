"""What sales and purchases gain with stock: shipments of their lines.

Mixins for the ``stock`` extras of sale and purchase.  An order belongs to a
warehouse; processing it creates one shipment from (to) that warehouse with a
move per goods line (product_kit replaces a kit line by its components); the
order is done once all its moves are done or cancelled; cancelling it cancels
the moves not yet done.

Processing works on every order at once: the lines are read as rows, the
shipments and their moves created in one call, and whether an order is done
is one query for all of them, not a walk through each line's moves.
"""
import collections
import math

import sqlalchemy as sa

from core import errors, fields
from core.fields import Reference
from core.model import batches, collection_deferred, in_

from modules.product.order import Order

MoveRow = collections.namedtuple("MoveRow", "id order product type quantity unit unit_price planned_date")


class StockOrder:
    """Extension mixin of an order model (``sale.sale``, ``purchase.purchase``).

    ``_shipment_model`` is the shipment it creates; cancelling is allowed
    until the order is done, the moves not yet done being cancelled.
    """

    _shipment_model = None
    _transitions = Order._transitions | {("confirmed", "cancelled"), ("processing", "cancelled")}

    @classmethod
    def default_warehouse(cls):
        return cls.env["stock.location"].warehouse().id

    @classmethod
    def validate(cls, orders):
        """The warehouse is one: one query finds the first order whose warehouse is another kind of location.

        Every state change validates its orders: a thousand processed
        together are checked at once, not read one by one.
        """
        super().validate(orders)
        env = cls.env
        table, location = cls.table, env["stock.location"].table
        for batch in batches(env, [order.id for order in orders]):
            bad = env.execute(
                sa.select(table.c.id).join_from(table, location, location.c.id == table.c.warehouse)
                .where(in_(table.c.id, batch), location.c.type != "warehouse").order_by(table.c.id).limit(1)).scalar()
            if bad is not None:
                order = cls.browse([bad])[0]
                raise errors.ValidationError(
                    f"{order.rec_name}: {order.warehouse.rec_name} is not a warehouse",
                    {"warehouse": ["Must be a stock.location of type warehouse."]}, order.rec_name)

    @classmethod
    def _lines_of(cls, orders):
        line_field = cls.fields["lines"]
        return cls.env[line_field.target].search([(line_field.field, "in", [o.id for o in orders])])

    @classmethod
    def get_shipments(cls, orders, name):
        return cls.shipments_of(orders, cls.env[cls.fields["lines"].target]._move_shipment_field)

    @classmethod
    def shipments_of(cls, orders, move_field):
        """``{order id: ids of the shipments its lines' moves are on}``, by the moves' field ``move_field``."""
        Line = cls.env[cls.fields["lines"].target]
        result = {o.id: [] for o in orders}
        lines = cls._lines_of(orders)
        for line, moves in zip(lines, Line.moves_of(lines)):
            for move in moves:
                shipment = getattr(move, move_field)
                order_id = getattr(line, Line._parent_field).id
                if shipment is not None and shipment.id not in result[order_id]:
                    result[order_id].append(shipment.id)
        return {i: tuple(ids) for i, ids in result.items()}

    @classmethod
    def get_pending(cls, orders):
        """The orders with a move neither done nor cancelled among their lines' moves.

        One query per batch of orders, through the lines' move origins (see
        :meth:`StockLine.move_origins`), instead of reading every move.
        """
        pending = super().get_pending(orders)
        env = cls.env
        Line = env[cls.fields["lines"].target]
        parent, move = Line.table.c[Line._parent_field], env["stock.move"].table
        for batch in batches(env, [o.id for o in orders if o.id not in pending]):
            origins = Line.move_origins(in_(parent, batch)).subquery()
            pending.update(env.execute(
                sa.select(origins.c.order).distinct()
                .join_from(origins, move, move.c.origin == origins.c.origin)
                .where(move.c.state.not_in(["done", "cancelled"]))).scalars())
        return pending

    @classmethod
    def create_shipments(cls, orders):
        """One shipment per order, waiting, with the moves its lines ship as.

        Thousands of lines make tens of thousands of objects that all
        survive: the garbage collector waits until they are made (see
        ``core.model.collection_deferred``).
        """
        Line = cls.env[cls.fields["lines"].target]
        lines = cls._lines_of(orders)
        with collection_deferred(len(lines)):
            moves, returns = collections.defaultdict(list), collections.defaultdict(list)
            for spec in Line.move_specs(lines):   # fresh dicts: completed in place
                spec["state"] = "waiting"
                if spec["quantity"] < 0:   # a return line: its goods come back the other way
                    spec["quantity"] = -spec["quantity"]
                    spec["from_location"], spec["to_location"] = spec["to_location"], spec["from_location"]
                    returns[spec.pop("order")].append(spec)
                else:
                    moves[spec.pop("order")].append(spec)
            by_id = {o.id: o for o in orders}
            shipments = []
            for model, grouped in ((cls._shipment_model, moves), (getattr(cls, "_return_shipment_model", None),
                                                                   returns)):
                if grouped:
                    shipments += cls.env[model].create_unchecked([{
                        "party": by_id[order_id].party.id, "warehouse": by_id[order_id].warehouse.id,
                        "state": "waiting", "moves": order_moves,
                        "planned_date": min((m["planned_date"] for m in order_moves if m["planned_date"]),
                                            default=None)} for order_id, order_moves in grouped.items()])
            return shipments

    @classmethod
    def cancel_moves(cls, orders):
        Line = cls.env[cls.fields["lines"].target]
        open_moves = [m for moves in Line.moves_of(cls._lines_of(orders)) for m in moves
                      if m.state not in ("done", "cancelled")]
        if open_moves:
            cls.env["stock.move"].cancel(open_moves)
            for model in (cls._shipment_model, getattr(cls, "_return_shipment_model", None)):
                if model is None:
                    continue
                Shipment = cls.env[model]
                shipments = {getattr(m, Shipment._move_field) for m in open_moves} - {None}
                finished = [s for s in shipments if s.state not in ("done", "cancelled")
                            and all(m.state == "cancelled" for m in s.moves)]
                if finished:
                    Shipment.change_state(finished, "cancelled", "cancel")


class StockLine:
    """Extension mixin of an order line: its moves and the quantities moved and to invoice.

    ``_move_shipment_field`` is the move's Many2One to the shipment kind;
    ``move_locations`` says where the goods of an order come from and go to.
    """

    _move_shipment_field = None
    _moved_word = "moved"

    @classmethod
    def move_locations(cls, orders):
        """``{order id: (from, to)}``: where the moves of each order's lines come from and go to."""
        raise TypeError(f"{cls._name} must say where its moves go")

    @classmethod
    def planned_date_sql(cls, table, order):
        """SQL: when a line's goods are to move, from the line's row (``table``) and its order's (``order``)."""
        raise TypeError(f"{cls._name} must say when its moves are planned")

    @classmethod
    def move_rows(cls, lines):
        """``{line id: MoveRow}``: what making the moves of ``lines`` reads, in one joined query per batch.

        Read as rows, not through the records: a thousand orders processed
        together read their lines once, with their products' types and their
        planned dates.
        """
        env = cls.env
        table, product = cls.table, env["product.product"].table
        order = env[cls.fields[cls._parent_field].target].table
        query = (sa.select(table.c.id, table.c[cls._parent_field].label("order"), table.c.product, product.c.type,
                           table.c.quantity, table.c.unit, table.c.unit_price,
                           cls.planned_date_sql(table, order).label("planned_date"))
                 .select_from(table.join(product, product.c.id == table.c.product)
                              .join(order, order.c.id == table.c[cls._parent_field])))
        rows = {}
        for batch in batches(env, [getattr(line, "id", line) for line in lines]):
            rows.update((row[0], MoveRow(*row)) for row in env.execute(query.where(in_(table.c.id, batch))).all())
        return rows

    @classmethod
    def move_origins(cls, where):
        """SQL ``(order, line, origin)``: the ``origin`` of the moves that ship each line matching ``where``.

        ``where`` is a condition on the line model's :attr:`table`.  The
        set-based counterpart of :meth:`moves_of`, for the questions asked
        of many orders at once (is anything left to move?); a module whose
        lines move otherwise extends both (product_kit: by their components).
        """
        table = cls.table
        return sa.select(table.c[cls._parent_field].label("order"), table.c.id.label("line"),
                         Reference.sql(cls._name, table.c.id).label("origin")).where(where)

    @classmethod
    def moves_of(cls, lines):
        """The moves of each line (in order): those whose origin is the line."""
        Move = cls.env["stock.move"]
        origins = {f"{cls._name},{line.id}": i for i, line in enumerate(lines)}
        result = [[] for _ in lines]
        for move in Move.search([("origin", "in", list(origins))]) if origins else ():
            result[origins[f"{move.origin._name},{move.origin.id}"]].append(move)
        return result

    @classmethod
    def get_moves(cls, lines, name):
        return {line.id: tuple(m.id for m in moves) for line, moves in zip(lines, cls.moves_of(lines))}

    @classmethod
    def move_specs(cls, lines):
        """The moves ``lines`` ship as (dicts of move values, with their ``order``), read set-based.

        The lines' rows (:meth:`move_rows`) and their orders' locations are
        read once for all of them; :meth:`row_move_specs` makes the moves.
        """
        if not lines:
            return []
        rows = cls.move_rows(lines)
        rows = [rows[getattr(line, "id", line)] for line in lines]
        Order = cls.env[cls.fields[cls._parent_field].target]
        locations = {order: (source.id, destination.id) for order, (source, destination)
                     in cls.move_locations(Order.browse(sorted({row.order for row in rows}))).items()}
        return cls.row_move_specs(rows, locations)

    @classmethod
    def row_move_specs(cls, rows, locations):
        """One move per goods line, in the line's unit, at its price.

        ``rows`` are the lines' :class:`MoveRow` in order, ``locations``
        ``{order id: (from id, to id)}``.  A module whose lines move
        otherwise overrides it (product_kit: a kit line as its components).
        """
        specs = []
        for row in rows:
            if row.type != "goods":
                continue
            source, destination = locations[row.order]
            specs.append({"order": row.order, "product": row.product,
                          "quantity": row.quantity, "unit": row.unit, "unit_price": row.unit_price,
                          "from_location": source, "to_location": destination,
                          "planned_date": row.planned_date, "origin": f"{cls._name},{row.id}"})
        return specs

    @classmethod
    def amendment_floors(cls, lines):
        """An amendment never takes a line below what its moves already carried (``_moved_word``)."""
        floors = super().amendment_floors(lines)
        moved = cls.get_quantity_moved(lines, "quantity_moved") if lines else {}
        for line in lines:
            if moved[line.id] > 0:
                floors.setdefault(line.id, []).append((moved[line.id], cls._moved_word))
        return floors

    @classmethod
    def get_quantity_moved(cls, lines, name):
        """What the done moves of each line (those whose origin is the line) carried, in the line's unit.

        One aggregate query per chunk of lines: the sums per line and move
        unit are converted, not each move.  A module whose lines move
        otherwise (product_kit: by their components) overrides this.
        """
        env = cls.env
        Uom = env["product.uom"]
        move = env["stock.move"].table
        facts = cls.line_facts(lines)
        origins = {f"{cls._name},{line.id}": line.id for line in lines}
        done = collections.defaultdict(float)
        units = {}
        for batch in batches(env, list(origins)):
            query = (sa.select(move.c.origin, move.c.unit, sa.func.sum(move.c.quantity))
                     .where(in_(move.c.origin, batch), move.c.state == "done").group_by(move.c.origin, move.c.unit))
            for origin, unit, quantity in env.execute(query).all():
                line_id = origins[origin]
                line_unit = facts[line_id].unit
                if unit != line_unit:
                    unit = units.get(unit) or units.setdefault(unit, Uom.browse([unit])[0])
                    quantity = Uom.compute_quantity(unit, quantity, Uom.browse([line_unit])[0], round=False)
                done[line_id] += quantity
        # a return line (negative) moved its goods back: what it moved counts below zero too
        return {line.id: math.copysign(Uom.round(done[line.id], facts[line.id].rounding), facts[line.id].quantity)
                if line.id in done else 0.0 for line in lines}

    @classmethod
    def get_quantity_to_invoice(cls, lines, name):
        """By the order's invoice method: all of it (order), what moved (shipment), nothing (manual).

        Services have nothing to move and are invoiced in full.
        """
        moved = cls.get_quantity_moved(lines, name)
        facts = cls.line_facts(lines)
        result = {}
        for line in lines:
            fact = facts[line.id]
            method = fact.invoice_method
            if fact.product_type == "service" or method == "order":
                result[line.id] = fact.quantity
            elif method == "shipment":
                result[line.id] = moved[line.id]
            else:
                result[line.id] = 0.0
        return result


def warehouse_field(help):
    return fields.Many2One("stock.location", "Warehouse", required=True,
                           help=f"{help}; default: the warehouse coded WH, else the first one.")


def moves_field():
    return fields.Function(fields.One2Many("stock.move", "origin", "Moves"), "get_moves")


def quantity_to_invoice_field():
    return fields.Function(fields.Float("Quantity to invoice"), "get_quantity_to_invoice")
