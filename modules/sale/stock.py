"""sale with stock: processing a sale ships it to the customer; allocating reserves its goods."""
import math

import sqlalchemy as sa

from core import errors, expose, fields, hookimpl

from modules.stock.amendment import amend_moves
from modules.stock.order import StockLine, StockOrder, moves_field, quantity_to_invoice_field, warehouse_field
from modules.stock.returns import ReturnLine, ReturnOrder, returned_from_field

MAX_ID = 2 ** 63   # ids are 64-bit integers: a bigger one names no record and would overflow the driver


class Sale(ReturnOrder, StockOrder):
    """``create_return`` makes a return sale: processed, a customer return shipment brings the goods back."""

    _name = "sale.sale"
    _shipment_model = "stock.shipment.out"
    _return_shipment_model = "stock.shipment.out.return"

    warehouse = warehouse_field("Where the goods leave from")

    shipments = fields.Function(fields.One2Many("stock.shipment.out", None, "Shipments"), "get_shipments")
    returned_from = fields.Many2One("sale.sale", "Returned from", readonly=True, ondelete="restrict",
                                    help="The sale whose goods this return sale brings back.")
    shipment_returns = fields.Function(fields.One2Many("stock.shipment.out.return", None, "Return shipments"),
                                       "get_shipment_returns")


class SaleLine(ReturnLine, StockLine):
    _name = "sale.line"
    _move_shipment_field = "shipment_out"
    _moved_word = "shipped"
    _moved_field = "quantity_shipped"

    returned_from = returned_from_field("sale.line")

    moves = moves_field()
    quantity_shipped = fields.Function(fields.Float("Quantity shipped"), "get_quantity_moved")
    quantity_to_invoice = quantity_to_invoice_field()

    @classmethod
    def move_locations(cls, sales):
        customer = cls.env["stock.location"].by_type("customer")
        return {sale.id: (sale.warehouse.storage_location, customer) for sale in sales}

    @classmethod
    def planned_date_sql(cls, table, order):
        """The sale's delivery date: when the customer wants the goods."""
        return order.c.delivery_date


@hookimpl
def sale_process(env, sales):
    env["sale.sale"].create_shipments(sales)


@hookimpl
def sale_before_cancel(env, sales):
    """A confirmed or processing sale is cancelled only while nothing of it is shipped (§14).

    What left the warehouse cannot be taken back by a cancel: lower what
    is left with an amendment (``sale.amendment``) instead.
    """
    started = [s for s in sales if s.state == "processing"]
    if not started:
        return
    Line = env["sale.line"]
    lines = Line.search([("sale", "in", [s.id for s in started])])
    for line, moves in zip(lines, Line.moves_of(lines)):
        if any(m.state == "done" for m in moves):
            raise errors.WorkflowError(
                f"cannot cancel {line.sale.rec_name}: {line.rec_name} is already shipped in part; amend the sale "
                f"(sale.amendment) to lower or remove what is left instead")


@hookimpl
def sale_cancel(env, sales):
    env["sale.sale"].cancel_moves(sales)


@hookimpl
def sale_amend(env, sales, changes):
    """The outgoing moves follow the amended quantities."""
    amend_moves(env["sale.sale"], sales, changes)


@hookimpl
def stock_moves_done(env, moves):
    lines = [m.origin for m in moves if m.origin is not None and m.origin._name == "sale.line"]
    finish_sales(env, {line.sale for line in lines})


def finish_sales(env, sales):
    """Sales whose moves are all done or cancelled become done."""
    processing = [s for s in sales if s.state == "processing"]
    if processing:
        env["sale.sale"].check_done(processing)


# -- allocation: reserving a whole sale's goods -------------------------------------------------
class Allocation:
    """``sale.sale`` with stock: allocate, unallocate and fulfil whole sales (seed 003).

    Allocating reserves (assigns) the open outgoing moves of processing
    sales from the stock of their warehouse: on hand minus what assigned
    moves already reserve there, the same count as ``stock.move.assign_try``.
    The products are locked first (``Model.lock``), so that two transactions
    allocating the same stock wait for each other and the second counts what
    the first reserved: never more is reserved than there is.  Sales are
    served oldest first (sale date, then id).
    """

    _name = "sale.sale"

    @classmethod
    @expose("write", returns="sale.sale", partial=fields.Boolean("Partial", help="Reserve what is available, not all or nothing per sale."),
            alternative_warehouse=fields.Many2One("stock.location", "Alternative warehouse",
                                                  help="Takes what the sale's warehouse lacks."))
    def allocate(cls, sales, partial=False, alternative_warehouse=None):
        """Reserve the outgoing moves of processing ``sales``; return the sales now fully reserved.

        All or nothing per sale, unless ``partial`` (then what is available).
        With ``alternative_warehouse``, what the sale's warehouse lacks is
        taken from that one: those moves go to a shipment of the sale from
        it.  Without ``partial`` a kit line is split between the warehouses
        by whole kits (each kit's components leave together); with
        ``partial`` each component is reserved as far as it is available.
        """
        with cls.env.atomic():
            sales, alternative = cls._allocation_input(sales, partial, alternative_warehouse, "allocate")
            cls._allocate(sales, partial, alternative)
            return cls._fully_allocated(sales)

    @classmethod
    @expose("write", returns="sale.sale")
    def unallocate(cls, sales):
        """Release what the outgoing moves of processing ``sales`` reserve; return the sales.

        Unallocating undoes allocating: the moves wait again on the sale's
        shipment from its own warehouse, those an alternative warehouse was
        to serve included (their shipment from there is cancelled when
        emptied), and the pieces allocation split a move into are one move
        again.  A later allocation without an alternative warehouse thus
        never takes another warehouse's stock.
        """
        with cls.env.atomic():
            sales, _ = cls._allocation_input(sales, False, None, "unallocate")
            moves, shipments = cls._open_moves(sales)
            Move = cls.env["stock.move"]
            assigned = [m for m in moves if m.state == "assigned"]
            if assigned:
                Move.change_state(assigned, "waiting", "unallocate")
            held = [s for s in shipments if s.state == "assigned"]
            if held:
                cls.env["stock.shipment.out"].change_state(held, "waiting", "unallocate")
            cls._return_home(sales)
            return sales

    @classmethod
    def _return_home(cls, sales):
        """Put the released moves of other warehouses back on each sale's shipment from its own, merged."""
        env = cls.env
        Move, Shipment = env["stock.move"], env["stock.shipment.out"]
        moves, shipments = cls._open_moves(sales)
        sale_of = {shipment.id: sale for sale in sales for shipment in sale.shipments}
        away = {}
        for move in moves:
            sale = sale_of[move.shipment_out.id]
            if move.shipment_out.warehouse != sale.warehouse:
                away.setdefault(sale, []).append(move)
        homes = {}
        for sale in sales:
            homes[sale] = next((s for s in sale.shipments if s.warehouse == sale.warehouse
                                and s.state in ("draft", "waiting")), None)
        missing = [sale for sale in away if homes[sale] is None]
        created = Shipment.create_unchecked([{
            "party": sale.party.id, "warehouse": sale.warehouse.id, "state": "waiting",
            "planned_date": min(m.planned_date for m in away[sale])} for sale in missing])
        homes.update(zip(missing, created))
        for sale, strays in away.items():
            Move.write_unchecked(strays, {"shipment_out": homes[sale].id,
                                          "from_location": sale.warehouse.storage_location.id})
        emptied = [s for s in shipments if s.warehouse != sale_of[s.id].warehouse and not s.moves]
        if emptied:
            Shipment.change_state(emptied, "cancelled", "empty")
        cls._merge_pieces([s for s in homes.values() if s is not None])

    @classmethod
    def _merge_pieces(cls, shipments):
        """One waiting move per order line, product, unit and route on each shipment (allocation split them)."""
        Move = cls.env["stock.move"]
        groups = {}
        for shipment in shipments:
            for move in shipment.moves:
                if move.state == "waiting":
                    key = (shipment.id, move.origin, move.product.id, move.unit.id, move.from_location.id,
                           move.to_location.id, move.unit_price)
                    groups.setdefault(key, []).append(move)
        doomed = []
        for pieces in groups.values():
            if len(pieces) > 1:
                pieces.sort(key=lambda m: m.id)
                Move.write_unchecked([pieces[0]], {"quantity": round(sum(m.quantity for m in pieces), 10)})
                doomed.extend(pieces[1:])
        if doomed:
            Move.delete(doomed)

    @classmethod
    @expose("write", returns="sale.sale", partial=fields.Boolean("Partial", help="Reserve what is available, not all or nothing per sale."),
            alternative_warehouse=fields.Many2One("stock.location", "Alternative warehouse",
                                                  help="Takes what the sale's warehouse lacks."))
    def fulfil(cls, sales, partial=False, alternative_warehouse=None):
        """Allocate (as :meth:`allocate`) and ship what is reserved; return the sales fully shipped.

        Without ``partial`` only the sales that could be reserved whole ship;
        with it, whatever is reserved ships and the rest stays on a backorder.
        """
        with cls.env.atomic():
            sales, alternative = cls._allocation_input(sales, partial, alternative_warehouse, "fulfil")
            cls._allocate(sales, partial, alternative)
            ready = sales if partial else cls._fully_allocated(sales)
            _, shipments = cls._open_moves(ready)
            shipments = [s for s in shipments if s.state in ("waiting", "assigned")
                         and any(m.state == "assigned" for m in s.moves)]
            if shipments:
                cls.env["stock.shipment.out"].ship(shipments)
            return [s for s in cls.browse([s.id for s in sales]) if s.state == "done"]

    # -- the work ---------------------------------------------------------------------------------
    @classmethod
    def _allocation_input(cls, sales, partial, alternative_warehouse, verb):
        """The sales (processing, locked) and the alternative warehouse, or a UserError before anything."""
        if isinstance(sales, (str, bytes, dict)) or not hasattr(sales, "__iter__"):
            raise errors.UserError(f"sale.sale.{verb}: expected a list of sales or their ids, got {sales!r:.80}")
        ids = []
        for sale in sales:
            if getattr(sale, "_name", None) == cls._name:
                ids.append(sale.id)
            elif type(sale) is int and 0 < sale < MAX_ID:
                ids.append(sale)
            else:
                raise errors.UserError(f"sale.sale.{verb}: expected a sale or its id, got {sale!r:.80}")
        if type(partial) is not bool:
            raise errors.UserError(f"sale.sale.{verb}: partial must be True or False, not {partial!r:.80}")
        sales = cls.browse(list(dict.fromkeys(ids)))
        for sale in sales:
            if sale.state != "processing":
                raise errors.WorkflowError(f"cannot {verb} {sale.rec_name}: it is {sale.state}; only processing "
                                           f"sales (whose outgoing moves exist) can be")
        alternative = None
        if alternative_warehouse is not None:
            Location = cls.env["stock.location"]
            given = getattr(alternative_warehouse, "id", alternative_warehouse)
            if getattr(alternative_warehouse, "_name", Location._name) != Location._name or type(given) is not int \
                    or not 0 < given < MAX_ID or not Location.search([("id", "=", given), ("type", "=", "warehouse")]):
                raise errors.UserError(f"sale.sale.{verb}: alternative_warehouse must be a warehouse "
                                       f"(stock.location of type warehouse), not {alternative_warehouse!r:.80}")
            alternative = Location.browse([given])[0]
            if sales and all(sale.warehouse == alternative for sale in sales):
                # nothing could come from elsewhere: the caller most likely meant another warehouse
                raise errors.UserError(f"sale.sale.{verb}: alternative_warehouse {alternative.rec_name} is the "
                                       f"warehouse of {sales[0].rec_name}; give another warehouse, or none")
        cls.lock(sales)
        return sorted(sales, key=lambda s: (s.sale_date, s.id)), alternative

    @classmethod
    def _open_moves(cls, sales):
        """The moves not done nor cancelled of the sales' open outgoing shipments, and those shipments."""
        shipments = [s for sale in sales for s in sale.shipments if s.state not in ("done", "cancelled")]
        if not shipments:
            return [], []
        moves = cls.env["stock.move"].search([("shipment_out", "in", [s.id for s in shipments]),
                                              ("state", "in", ["draft", "waiting", "assigned"])])
        return moves, shipments

    @classmethod
    def _fully_allocated(cls, sales):
        moves, _ = cls._open_moves(sales)
        short = {m.shipment_out.id for m in moves if m.state != "assigned"}
        return [s for s in sales if not any(shipment.id in short for shipment in s.shipments)]

    @classmethod
    def allocation_kits(cls, moves):
        """``{move id: (kit, kits carried, kit rounding, fixed)}`` for the moves of kit components.

        ``kit`` identifies the kit line, ``kits carried`` is how many kits the
        move's quantity serves, ``kit rounding`` the rounding of a whole kit
        (the kit line's unit); a ``fixed`` component is needed once whatever
        the number of kits.  No kits without product_kit.
        """
        return {}

    @classmethod
    def _allocate(cls, sales, partial, alternative):
        env = cls.env
        Move, Location = env["stock.move"], env["stock.location"]
        moves, shipments = cls._open_moves(sales)
        todo = [m for m in moves if m.state in ("draft", "waiting")]
        if not todo:
            return
        products = sorted({m.product.id for m in todo})
        env["product.product"].lock(env["product.product"].browse(products))
        sources = {m.from_location for m in todo} | ({alternative.storage_location} if alternative else set())
        available = {}
        for source in sources:
            for product, quantity in Location.quantities(products, source).items():
                available[source.id, product] = quantity
        table = Move.table
        reserved = env.execute(
            sa.select(table.c.from_location, table.c.product, sa.func.sum(table.c.internal_quantity))
            .where(table.c.state == "assigned", table.c.from_location.in_([s.id for s in sources]),
                   table.c.product.in_(products))
            .group_by(table.c.from_location, table.c.product))
        for source, product, quantity in reserved:
            available[source, product] -= quantity or 0.0
        kits = cls.allocation_kits(todo)
        sale_of = {shipment.id: sale for sale in sales for shipment in sale.shipments}
        plans = {}   # move -> (main, alternative) quantities in the move's unit
        for sale in sales:
            own = [m for m in todo if sale_of[m.shipment_out.id] == sale]
            plan, taken, complete = _plan(own, available, alternative, partial, kits)
            if complete or partial:
                plans.update(plan)
                for key, quantity in taken.items():
                    available[key] -= quantity
        cls._apply_plans(plans, alternative, sale_of)

    @classmethod
    def _apply_plans(cls, plans, alternative, sale_of):
        """Split the moves as planned, move the alternative parts to a shipment from there, reserve."""
        env = cls.env
        Move, Shipment = env["stock.move"], env["stock.shipment.out"]
        reserve, elsewhere = [], []
        for move, (main, other) in sorted(plans.items(), key=lambda item: item[0].id):
            rest = move.quantity - main - other
            parts = [(q, kind) for q, kind in ((main, "main"), (other, "other"), (rest, "rest")) if q > 1e-9]
            current = move
            for position, (quantity, kind) in enumerate(parts):
                following = Move.split(current, quantity) if position < len(parts) - 1 else None
                if kind != "rest":
                    reserve.append(current)
                if kind == "other":
                    elsewhere.append(current)
                current = following
        touched = {m.shipment_out for m in reserve}
        if elsewhere:
            by_sale = {}
            for move in elsewhere:
                by_sale.setdefault(sale_of[move.shipment_out.id], []).append(move)
            targets = {}
            for sale in by_sale:
                targets[sale] = next((s for s in sale.shipments if s.warehouse == alternative
                                      and s.state in ("draft", "waiting", "assigned")), None)
            missing = [sale for sale, shipment in targets.items() if shipment is None]
            created = Shipment.create_unchecked([{
                "party": sale.party.id, "warehouse": alternative.id, "state": "waiting",
                "planned_date": min(m.planned_date for m in by_sale[sale])} for sale in missing])
            targets.update(zip(missing, created))
            storage = alternative.storage_location.id
            for sale, moves in by_sale.items():
                Move.write_unchecked(moves, {"shipment_out": targets[sale].id, "from_location": storage})
            touched |= set(targets.values())
        if reserve:
            Move.change_state(reserve, "assigned", "allocate")
        emptied = [s for s in touched if not s.moves]
        if emptied:
            Shipment.change_state([s for s in emptied if s.state != "cancelled"], "cancelled", "empty")
        complete = [s for s in touched if s.moves and s.state in ("draft", "waiting")
                    and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
        if complete:
            Shipment.change_state(complete, "assigned", "allocate")


def _plan(moves, available, alternative, partial, kits):
    """How one sale's open moves would be served: ``(plan, taken, complete)``.

    ``plan``: move -> (quantity from its warehouse, quantity from the
    alternative one), in the move's unit; ``taken``: ``(location id,
    product id)`` -> quantity in the product's unit; ``complete``: nothing
    is left unserved.
    """
    plan, taken = {}, {}
    other = alternative.storage_location.id if alternative else None
    complete = True

    def take(move, location, quantity):
        """Reserve ``quantity`` (move unit) of ``move`` at ``location``."""
        internal = quantity * move.internal_quantity / move.quantity
        taken[location, move.product.id] = taken.get((location, move.product.id), 0.0) + internal

    def servable(move, location, wanted):
        """How much of ``wanted`` (move unit) ``location`` has, in whole units of the move."""
        if location is None:
            return 0.0
        ratio = move.internal_quantity / move.quantity
        key = (location, move.product.id)
        have = max(available.get(key, 0.0) - taken.get(key, 0.0), 0.0) / ratio
        quantity = min(wanted, have)
        rounding = move.unit.rounding
        return round(math.floor(quantity / rounding + 1e-9) * rounding, 10)

    grouped = {}
    for move in moves:
        kit = kits.get(move.id) if not partial and alternative is not None else None
        grouped.setdefault(kit[0] if kit else ("move", move.id), []).append(move)
    for key, group in grouped.items():
        if key[0] != "move":
            complete &= _plan_kit(group, kits, other, plan, take, servable)
            continue
        move, = group
        complete &= _take_split(move, servable(move, move.from_location.id, move.quantity), other, plan, take, servable)
    return plan, taken, complete


def _take_split(move, main, other, plan, take, servable):
    """Take ``main`` of the move from its own warehouse and what the alternative can serve of the rest.

    Returns whether the whole move is served.
    """
    take(move, move.from_location.id, main)
    rest = move.quantity - main
    elsewhere = servable(move, other, rest) if rest > 1e-9 else 0.0
    if elsewhere:
        take(move, other, elsewhere)
    plan[move] = (main, elsewhere)
    return rest - elsewhere <= 1e-9


def _plan_kit(moves, kits, other, plan, take, servable):
    """A kit line's component moves: whole kits from the sale's warehouse, the other kits from the alternative."""
    proportional = [m for m in moves if not kits[m.id][3]]
    fixed = [m for m in moves if kits[m.id][3]]
    rounding = kits[moves[0].id][2]
    wanted = min((kits[m.id][1] for m in proportional), default=0.0)
    here = wanted
    for move in proportional:
        per_kit = move.quantity / kits[move.id][1]
        here = min(here, servable(move, move.from_location.id, move.quantity) / per_kit)
    here = round(math.floor(here / rounding + 1e-9) * rounding, 10)
    complete = True
    for move in proportional:
        per_kit = move.quantity / kits[move.id][1]
        main = min(move.quantity, round(here * per_kit, 10))
        complete &= _take_split(move, main, other, plan, take, servable)
    for move in fixed:   # needed once: where the first kits leave from
        location = move.from_location.id if here > 0 or not proportional else other
        quantity = servable(move, location, move.quantity)
        take(move, location, quantity)
        plan[move] = (quantity, 0.0) if location == move.from_location.id else (0.0, quantity)
        complete &= move.quantity - quantity <= 1e-9
    return complete
