import datetime

from core import Model, Workflow, errors, fields

STATES = [("draft", "Draft"), ("waiting", "Waiting"), ("assigned", "Assigned"), ("done", "Done"),
          ("cancelled", "Cancelled")]


class Shipment(Workflow):
    """What customer and supplier shipments share: moves, states, backorders.

    ``_move_field`` is the Many2One of ``stock.move`` pointing to the shipment.
    """

    _order = (("planned_date", "ASC"), ("id", "ASC"))
    _move_field = None
    _transitions = frozenset({
        ("draft", "waiting"), ("waiting", "assigned"), ("assigned", "waiting"),
        ("waiting", "done"), ("assigned", "done"),
        ("draft", "cancelled"), ("waiting", "cancelled"), ("assigned", "cancelled"),
    })

    planned_date = fields.Date("Planned date", default=datetime.date.today)
    effective_date = fields.Date("Effective date", readonly=True)
    warehouse = fields.Many2One("stock.location", "Warehouse", required=True)
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")

    @classmethod
    def default_warehouse(cls):
        return cls._env["stock.location"].warehouse().id

    @classmethod
    def wait(cls, shipments):
        """Ready the draft shipments: their moves wait for goods."""
        shipments = cls._transition([s for s in shipments if s.state == "draft"], "waiting", "wait for")
        cls._env["stock.move"].wait([m for s in shipments for m in s.moves if m.state == "draft"])

    @classmethod
    def cancel(cls, shipments):
        with cls._env.atomic():
            cls._transition(shipments, "cancelled", "cancel")
            Move = cls._env["stock.move"]
            Move.cancel([m for s in shipments for m in s.moves if m.state not in ("done", "cancelled")])

    @classmethod
    def _finish(cls, shipments, quantities, movable):
        """Do the ``movable`` moves (with ``quantities``); the rest goes to backorders."""
        quantities = dict(quantities or {})
        Move = cls._env["stock.move"]
        cls.wait(shipments)
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
        cls._transition(shipments, "done", "finish")
        cls._write(shipments, {"effective_date": datetime.date.today()})
        return backorders

    @classmethod
    def _backorders(cls, later):
        """One new waiting shipment per shipment for the moves left over."""
        if not later:
            return []
        shipments = list(later)
        backorders = cls._create([{
            "party": s.party.id, "planned_date": s.planned_date, "warehouse": s.warehouse.id,
            "state": "waiting"} for s in shipments])
        Move = cls._env["stock.move"]
        for shipment, backorder in zip(shipments, backorders):
            moves = later[shipment]
            Move._write(moves, {cls._move_field: backorder.id})
            waiting = [m for m in moves if m.state == "assigned"]
            if waiting:
                Move._transition(waiting, "waiting", "wait for")
        return backorders


class ShipmentOut(Shipment, Model):
    """Goods leaving the warehouse for a customer: assigned, then shipped."""

    _name = "stock.shipment.out"
    _move_field = "shipment_out"

    party = fields.Many2One("party.party", "Customer", required=True)
    moves = fields.One2Many("stock.move", "shipment_out", "Moves")

    @classmethod
    def assign(cls, shipments):
        """Reserve what is available; a shipment is assigned once all its moves are."""
        with cls._env.atomic():
            cls.wait(shipments)
            shipments = [s for s in shipments if s.state in ("waiting", "assigned")]
            cls._env["stock.move"].assign_try([m for s in shipments for m in s.moves])
            complete = [s for s in shipments if s.state == "waiting"
                        and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
            if complete:
                cls._transition(complete, "assigned", "assign")

    @classmethod
    def ship(cls, shipments, quantities=None):
        """Ship the assigned moves (``quantities``: move id -> quantity shipped).

        What is not shipped, not assigned or not asked for stays on a
        backorder shipment, which is returned.
        """
        for shipment in shipments:
            if shipment.state not in ("waiting", "assigned"):
                raise errors.WorkflowError(f"cannot ship {shipment.rec_name}: it is {shipment.state}")
        with cls._env.atomic():
            return cls._finish(shipments, quantities, lambda move: move.state == "assigned")


class ShipmentIn(Shipment, Model):
    """Goods arriving from a supplier into the warehouse."""

    _name = "stock.shipment.in"
    _move_field = "shipment_in"

    party = fields.Many2One("party.party", "Supplier", required=True)
    moves = fields.One2Many("stock.move", "shipment_in", "Moves")

    @classmethod
    def receive(cls, shipments, quantities=None):
        """Receive the moves (``quantities``: move id -> quantity received); the rest is backordered."""
        for shipment in shipments:
            if shipment.state not in ("draft", "waiting"):
                raise errors.WorkflowError(f"cannot receive {shipment.rec_name}: it is {shipment.state}")
        with cls._env.atomic():
            return cls._finish(shipments, quantities, lambda move: True)
