import datetime
import math
import numbers

from core import Model, Workflow, errors, fields, transition

STATES = [("draft", "Draft"), ("waiting", "Waiting"), ("assigned", "Assigned"), ("done", "Done"),
          ("cancelled", "Cancelled")]


class Shipment(Workflow):
    """What every shipment shares: moves, states, backorders.

    ``_move_field`` is the Many2One of ``stock.move`` pointing to the shipment;
    ``_backorder_fields`` the fields a backorder copies from its shipment.
    """

    _order = (("planned_date", "ASC"), ("id", "ASC"))
    _move_field = None
    _backorder_fields = ()
    _transitions = frozenset({
        ("draft", "waiting"), ("draft", "assigned"), ("waiting", "assigned"), ("assigned", "waiting"),
        ("waiting", "done"), ("assigned", "done"),
        ("draft", "cancelled"), ("waiting", "cancelled"), ("assigned", "cancelled"),
    })

    planned_date = fields.Date("Planned date", default=datetime.date.today)
    effective_date = fields.Date("Effective date", readonly=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")

    @classmethod
    @transition("waiting")
    def wait(cls, shipments):
        """Ready draft shipments: their moves wait for goods."""
        cls._ready(cls.check_state_change(shipments, "waiting", "wait for"))

    @classmethod
    def _ready(cls, shipments):
        """The draft ones of ``shipments`` wait, with their draft moves (what assigning or finishing does first)."""
        shipments = cls.change_state([s for s in shipments if s.state == "draft"], "waiting", "wait for")
        cls.env["stock.move"].change_state([m for s in shipments for m in s.moves if m.state == "draft"],
                                           "waiting", "wait for")

    @classmethod
    @transition("cancelled")
    def cancel(cls, shipments):
        """Cancel shipments not done, and their moves not done."""
        cls.change_state(shipments, "cancelled", "cancel")
        Move = cls.env["stock.move"]
        Move.cancel([m for s in shipments for m in s.moves if m.state not in ("done", "cancelled")])

    @classmethod
    def _assign(cls, shipments):
        """Reserve what is available; a shipment is assigned once all its moves are."""
        cls._ready(shipments)
        shipments = [s for s in shipments if s.state in ("waiting", "assigned")]
        cls.env["stock.move"].assign_try([m for s in shipments for m in s.moves])
        complete = [s for s in shipments if s.state == "waiting"
                    and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
        if complete:
            cls.change_state(complete, "assigned", "assign")

    @classmethod
    def _check_open(cls, shipments, verb, states):
        for shipment in shipments:
            if shipment.state not in states:
                raise errors.WorkflowError(f"cannot {verb} {shipment.rec_name}: it is {shipment.state}")

    @classmethod
    def _finish(cls, shipments, quantities, movable):
        """Do the ``movable`` moves (with ``quantities``); the rest goes to backorders."""
        quantities = _parse_quantities(quantities)
        Move = cls.env["stock.move"]
        cls._ready(shipments)
        done, later = [], {}
        for shipment in shipments:
            for move in shipment.moves:
                if move.state in ("done", "cancelled"):
                    continue
                wanted = quantities.pop(move.id, move.quantity) if movable(move) else 0
                if wanted < 0 or wanted > move.quantity + 1e-9:
                    raise errors.ValidationError(
                        f"{shipment.rec_name}: {wanted} is not a quantity of {move.rec_name} "
                        f"(0 to {move.quantity})", {"quantities": [f"Invalid quantity for move {move.id}."]})
                if wanted <= 0:
                    later.setdefault(shipment, []).append(move)
                    continue
                if wanted < move.quantity:
                    later.setdefault(shipment, []).append(Move.split(move, wanted))
                done.append(move)
        if quantities:
            raise errors.ValidationError(
                f"moves {sorted(quantities)} are not open moves of these shipments",
                {"quantities": ["Unknown moves."]})
        backorders = cls._backorders(later)
        if done:
            Move.do(done)
        cls.change_state(shipments, "done", "finish")
        cls.write_unchecked(shipments, {"effective_date": datetime.date.today()})
        return backorders

    @classmethod
    def _backorders(cls, later):
        """One new waiting shipment per shipment for the moves left over."""
        if not later:
            return []
        shipments = list(later)
        backorders = cls.create_unchecked([{
            **{name: getattr(s, name) for name in cls._backorder_fields},
            "planned_date": s.planned_date, "state": "waiting"} for s in shipments])
        Move = cls.env["stock.move"]
        for shipment, backorder in zip(shipments, backorders):
            moves = later[shipment]
            Move.write_unchecked(moves, {cls._move_field: backorder.id})
            waiting = [m for m in moves if m.state == "assigned"]
            if waiting:
                Move.change_state(waiting, "waiting", "wait for")
        return backorders


def _parse_quantities(quantities):
    """``{move id: quantity}`` from what the caller gave, refusing what is not one.

    NaN, infinities, strings and booleans are no quantities: taken as they
    come they would ship everything, or fail deep inside with a TypeError.
    """
    if quantities is None:
        return {}
    if not hasattr(quantities, "items"):
        raise errors.ValidationError(
            f"quantities must map move ids to quantities, not {type(quantities).__name__}",
            {"quantities": ["Expected a mapping of move id to quantity."]})
    parsed = {}
    for move, quantity in quantities.items():
        move_id = getattr(move, "id", move)
        if type(move_id) is not int:
            raise errors.ValidationError(f"quantities: {move!r} is not a move id",
                                         {"quantities": ["Keys must be move ids."]})
        if isinstance(quantity, bool) or not isinstance(quantity, numbers.Real) \
                or not math.isfinite(float(quantity)):
            raise errors.ValidationError(
                f"quantities: {quantity!r} is not a quantity for move {move_id} (a finite number is needed)",
                {"quantities": [f"Invalid quantity for move {move_id}."]})
        parsed[move_id] = float(quantity)
    return parsed


class CustomerSupplierShipment(Shipment):
    """A shipment between a party and one of the warehouses."""

    _backorder_fields = ("party", "warehouse")

    warehouse = fields.Many2One("stock.location", "Warehouse", required=True)

    @classmethod
    def default_warehouse(cls):
        return cls.env["stock.location"].warehouse().id


class Outgoing:
    """What shipments taking goods out of a warehouse's storage share: reserving them first.

    Assigning an assigned shipment does nothing, as in Tryton and Odoo: its
    goods are reserved already (a caller assigning a batch need not sort
    out the ones done by an earlier run).
    """

    _transitions = Shipment._transitions | {("assigned", "assigned")}

    @classmethod
    @transition("assigned")
    def assign(cls, shipments):
        """Reserve what the warehouse has; a shipment is assigned once all its moves are (assigned ones stay)."""
        cls._check_open(shipments, "assign", ("draft", "waiting", "assigned"))
        cls._assign([s for s in shipments if s.state != "assigned"])


class ShipmentOut(Outgoing, CustomerSupplierShipment, Model):
    """Goods leaving the warehouse for a customer: assigned, then shipped."""

    _name = "stock.shipment.out"
    _move_field = "shipment_out"

    party = fields.Many2One("party.party", "Customer", required=True)
    moves = fields.One2Many("stock.move", "shipment_out", "Moves")

    @classmethod
    @transition("done")
    def ship(cls, shipments, quantities=None):
        """Ship the assigned moves (``quantities``: move id -> quantity shipped).

        What is not shipped, not assigned or not asked for stays on a
        backorder shipment, which is returned.
        """
        cls._check_open(shipments, "ship", ("waiting", "assigned"))
        return cls._finish(shipments, quantities, lambda move: move.state == "assigned")


class ShipmentIn(CustomerSupplierShipment, Model):
    """Goods arriving from a supplier into the warehouse."""

    _name = "stock.shipment.in"
    _move_field = "shipment_in"

    party = fields.Many2One("party.party", "Supplier", required=True)
    moves = fields.One2Many("stock.move", "shipment_in", "Moves")

    _transitions = Shipment._transitions | {("draft", "done")}

    @classmethod
    @transition("done")
    def receive(cls, shipments, quantities=None):
        """Receive the moves (``quantities``: move id -> quantity received); the rest is backordered."""
        cls._check_open(shipments, "receive", ("draft", "waiting"))
        return cls._finish(shipments, quantities, lambda move: True)


class ShipmentInternal(Outgoing, Shipment, Model):
    """Goods moving from one warehouse to another (a warehouse transfer).

    Its moves run from the storage of ``from_location`` to the storage of
    ``to_location`` on the planned date, so until done they count in both
    warehouses' forecasts: out of one, into the other.  Assigned like a
    customer shipment, done like a shipment is shipped.
    """

    _name = "stock.shipment.internal"
    _move_field = "shipment_internal"
    _backorder_fields = ("from_location", "to_location")

    from_location = fields.Many2One("stock.location", "From warehouse", required=True)
    to_location = fields.Many2One("stock.location", "To warehouse", required=True)
    moves = fields.One2Many("stock.move", "shipment_internal", "Moves")

    @classmethod
    def validate(cls, shipments):
        super().validate(shipments)
        for shipment in shipments:
            problems = {name: ["Must be a warehouse."] for name in ("from_location", "to_location")
                        if getattr(shipment, name).type != "warehouse"}
            if shipment.from_location == shipment.to_location:
                problems["to_location"] = ["Must differ from the warehouse it comes from."]
            if problems:
                detail = "; ".join(f"{n}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid {shipment.rec_name}: {detail}", problems, shipment.rec_name)

    @classmethod
    def write(cls, shipments, values):
        """Moves not done follow their shipment's planned date."""
        super().write(shipments, values)
        if "planned_date" in values:
            moves = [m for s in shipments for m in s.moves if m.state in ("draft", "waiting", "assigned")]
            cls.env["stock.move"].write_unchecked(moves, {"planned_date": values["planned_date"]})

    @classmethod
    @transition("done")
    def done(cls, shipments, quantities=None):
        """Move the assigned moves (``quantities``: move id -> quantity moved); the rest goes to a backorder."""
        cls._check_open(shipments, "do", ("waiting", "assigned"))
        return cls._finish(shipments, quantities, lambda move: move.state == "assigned")
