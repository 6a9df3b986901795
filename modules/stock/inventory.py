"""Physical inventories: count what a warehouse holds, and make the stock say so.

An inventory lists products of one warehouse with the quantity counted on
its date.  Confirming it compares each count with what the moves say is in
the warehouse's storage (``expected_quantity``) and makes a done move for
each difference, between storage and the warehouse's lost-and-found
location: a loss goes out to it, a gain comes in from it.  The count wins:
afterwards the stock is what was counted.  Reservations the count no
longer covers are released (the moves wait again) and
``env.warnings`` names them, so a shipment never counts on goods that are
not there.
"""
import datetime

import sqlalchemy as sa

from core import Model, Workflow, errors, fields, transition
from core.api import expose

STATES = [("draft", "Draft"), ("done", "Done"), ("cancelled", "Cancelled")]


class Inventory(Workflow, Model):
    """A stock count of one warehouse on one date."""

    _name = "stock.inventory"
    _order = (("date", "DESC"), ("id", "DESC"))
    _transitions = frozenset({("draft", "done"), ("draft", "cancelled")})

    warehouse = fields.Many2One("stock.location", "Warehouse", required=True,
                                help="Default: the warehouse coded WH, else the first one.")
    date = fields.Date("Date", required=True, default=datetime.date.today,
                       help="The day of the count: the moves it makes are done on that day.")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    lines = fields.One2Many("stock.inventory.line", "inventory", "Lines")

    @classmethod
    def default_warehouse(cls):
        return cls.env["stock.location"].warehouse().id

    @classmethod
    def validate(cls, inventories):
        super().validate(inventories)
        for inventory in inventories:
            if inventory.warehouse.type != "warehouse":
                raise errors.ValidationError(
                    f"{inventory.rec_name}: {inventory.warehouse.rec_name} is not a warehouse",
                    {"warehouse": ["Must be a stock.location of type warehouse."]}, inventory.rec_name)

    @classmethod
    def write(cls, inventories, values):
        cls.check_draft(inventories, "changed")
        super().write(inventories, values)

    @classmethod
    def delete(cls, inventories):
        cls.check_draft(inventories, "deleted")
        super().delete(inventories)

    @classmethod
    def check_draft(cls, inventories, what):
        """Refuse (WorkflowError) to let ``inventories`` or their lines be ``what`` unless they are drafts."""
        for inventory in inventories:
            if inventory.state != "draft":
                raise errors.WorkflowError(f"{inventory.rec_name} is {inventory.state}: it cannot be {what}")

    @classmethod
    @expose("write")
    def complete_lines(cls, inventories):
        """Add a line for each product with stock or a move in the warehouse (counts already made stay).

        The new lines have no count yet: a line left uncounted makes no move.
        """
        cls.check_draft(inventories, "completed")
        Line = cls.env["stock.inventory.line"]
        vlist = []
        for inventory in inventories:
            present = {line.product.id for line in inventory.lines}
            for product in _products_of(cls.env, inventory.warehouse):
                if product not in present:
                    vlist.append({"inventory": inventory.id, "product": product})
        Line.create_unchecked(vlist)

    @classmethod
    @transition("done")
    def confirm(cls, inventories):
        """Make the stock of each counted product what was counted (moves to or from lost and found)."""
        inventories = cls.change_state(inventories, "done", "confirm")
        lines = [line for inventory in inventories for line in inventory.lines]
        Product = cls.env["product.product"]
        Product.lock(sorted({line.product.id for line in lines}))   # a concurrent reservation waits for the count
        moves = []
        for inventory in inventories:
            moves += _adjust(cls.env, inventory)
        Move = cls.env["stock.move"]
        if moves:
            Move.do(moves)
        for inventory in inventories:
            _release_uncovered(cls.env, inventory)

    @classmethod
    @transition("cancelled")
    def cancel(cls, inventories):
        """The count is dropped: nothing moves."""
        cls.change_state(inventories, "cancelled", "cancel")


class InventoryLine(Model):
    """One product of an inventory: what was counted, and (once confirmed) what the stock said."""

    _name = "stock.inventory.line"
    _order = (("inventory", "ASC"), ("id", "ASC"))

    inventory = fields.Many2One("stock.inventory", "Inventory", required=True, ondelete="cascade")
    product = fields.Many2One("product.product", "Product", required=True)
    expected_quantity = fields.Float("Expected quantity", readonly=True,
                                     help="On hand in the warehouse's storage when the inventory was confirmed, "
                                          "in the product's unit.")
    quantity = fields.Float("Counted quantity", help="In the product's unit. Empty: not counted (no move).")

    @classmethod
    def create(cls, vlist):
        records = super().create(vlist)
        cls.env["stock.inventory"].check_draft({line.inventory for line in records}, "changed")
        return records

    @classmethod
    def write(cls, lines, values):
        cls.env["stock.inventory"].check_draft({line.inventory for line in lines}, "changed")
        super().write(lines, values)

    @classmethod
    def delete(cls, lines):
        cls.env["stock.inventory"].check_draft({line.inventory for line in lines}, "changed")
        super().delete(lines)

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        for line in lines:
            where = f"{line.rec_name} of {line.inventory.rec_name}"
            if line.quantity is not None and line.quantity < 0:
                raise errors.ValidationError(f"{where}: a counted quantity cannot be negative ({line.quantity:g})",
                                             {"quantity": ["Cannot be negative."]}, where)
            if line.product.type != "goods":
                raise errors.ValidationError(
                    f"{where}: {line.product.rec_name} is a {line.product.type}, which is not stocked: "
                    f"only goods are counted", {"product": ["Must be goods."]}, where)
        inventories = {line.inventory for line in lines}
        for inventory in inventories:
            seen = set()
            for line in inventory.lines:
                if line.product.id in seen:
                    raise errors.ValidationError(
                        f"{inventory.rec_name}: {line.product.rec_name} is counted twice; "
                        f"give one line per product", {"product": ["Counted twice."]}, inventory.rec_name)
                seen.add(line.product.id)


def _products_of(env, warehouse):
    """The goods with stock or a move (of any state) in ``warehouse``'s storage, by id."""
    Location, Move = env["stock.location"], env["stock.move"]
    inside = Location.tree_ids(warehouse.storage_location)
    moves = Move.table
    products = env["product.product"].table
    query = (moves.select().with_only_columns(moves.c.product).distinct()
             .join_from(moves, products, products.c.id == moves.c.product)
             .where(products.c.type == "goods",
                    moves.c.to_location.in_(inside) | moves.c.from_location.in_(inside))
             .order_by(moves.c.product))
    return list(env.execute(query).scalars())


def _adjust(env, inventory):
    """Write each line's expected quantity; return the moves (not done yet) its differences need."""
    Location, Move, Line = env["stock.location"], env["stock.move"], env["stock.inventory.line"]
    line, product = Line.table, env["product.product"].table
    lines = env.execute(sa.select(line.c.id, line.c.product, line.c.quantity, product.c.default_uom)
                        .join_from(line, product, product.c.id == line.c.product)
                        .where(line.c.inventory == inventory.id).order_by(line.c.id)).all()
    storage = inventory.warehouse.storage_location
    lost_found = inventory.warehouse.lost_found_location
    on_hand = Location.quantities([row.product for row in lines], storage, date=inventory.date)
    Line.write_rows([{"id": row.id, "expected_quantity": on_hand[row.product]} for row in lines])
    vlist = []
    for row in lines:
        if row.quantity is None:
            continue
        difference = row.quantity - on_hand[row.product]
        if abs(difference) < 1e-9:
            continue
        source, destination = (lost_found, storage) if difference > 0 else (storage, lost_found)
        vlist.append({"product": row.product, "quantity": abs(difference), "unit": row.default_uom,
                      "from_location": source.id, "to_location": destination.id, "planned_date": inventory.date,
                      "effective_date": inventory.date, "origin": f"{Line._name},{row.id}"})
    return Move.create_unchecked(vlist)


def _release_uncovered(env, inventory):
    """Release the reservations in the warehouse's storage that the counted stock no longer covers."""
    Location, Move = env["stock.location"], env["stock.move"]
    counted = [line.product.id for line in inventory.lines if line.quantity is not None]
    if not counted:
        return
    storage = inventory.warehouse.storage_location
    moves = Move.table
    reserved = env.execute(sa.select(moves.c.id, moves.c.product, moves.c.internal_quantity).where(
        moves.c.state == "assigned", moves.c.from_location == storage.id, *Move.sql_where([("product", "in", counted)]))
        .order_by(moves.c.planned_date, moves.c.id)).all()
    if not reserved:
        return
    free = Location.quantities(sorted({product for _, product, _ in reserved}), storage)
    released = []
    for move_id, product, quantity in reserved:   # first planned, first served, as reserving does
        if quantity <= free[product] + 1e-9:
            free[product] -= quantity
        else:
            free[product] = 0.0
            released.append(move_id)
    if released:
        released = Move.browse(released)
        Move.change_state(released, "waiting", "wait for")
        for model, field in (("stock.shipment.out", "shipment_out"), ("stock.shipment.internal", "shipment_internal")):
            held = {getattr(m, field) for m in released} - {None}
            held = [s for s in held if s.state == "assigned"]
            if held:
                env[model].change_state(held, "waiting", "wait for")
        for move in released:
            env.warn("stock.inventory.reservation_released",
                     f"{inventory.rec_name}: the count leaves too little {move.product.name} for {move.rec_name} "
                     f"({move.quantity:g} {move.unit.symbol} reserved): it waits for goods again", move)
