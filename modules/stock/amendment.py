"""Amended orders with stock: their moves follow the new quantities (§14).

An amendment of a processing order changes what is left to move: each
amended item (order line, or line component of a kit line) should have
open moves for its new quantity less what already moved.  More: a waiting
move is added to an open shipment of the order (a new one if there is
none).  Less: open moves are cancelled or lowered, waiting ones before
reserved ones, the newest first.  Confirmed orders have no moves yet: their
processing makes them from the amended lines.

Set-based: the moves of every item are read in one search, the new ones
made in one call, the lowered ones written in one statement and the
cancelled ones cancelled together (``change_state``, not
``stock.move.cancel``: an amendment is not a cancellation outside the
order, so no shipment exception follows).
"""
import collections
import datetime

OPEN = ("draft", "waiting", "assigned")
_PRIORITY = {"draft": 0, "waiting": 0, "assigned": 1}


def order_of(Line, item):
    """The order of an amended item: an order line's, or a line component's line's."""
    line = item if item._name == Line._name else item.line
    return getattr(line, Line._parent_field)


def amend_moves(Order, orders, changes):
    """Bring the open moves of the processing ``orders``' amended items to what is left to move."""
    env = Order.env
    Line, Move = env[Order.fields["lines"].target], env["stock.move"]
    processing = {o.id for o in orders if o.state == "processing"}
    changes = [c for c in changes if order_of(Line, c.item).id in processing]
    if not changes:
        return
    moves = _moves_by_origin(Move, changes)
    fresh = [c for c in changes if c.old == 0 and not moves.get(_origin(c.item))]
    new_lines = list(dict.fromkeys(c.item if c.item._name == Line._name else c.item.line for c in fresh))
    specs = Line.move_specs(new_lines) if new_lines else []
    fresh_origins = {_origin(c.item) for c in fresh}
    specs = [spec for spec in specs if spec["origin"] in fresh_origins]
    lowered, cancelled = [], []
    locations = Line.move_locations(Order.browse(sorted(processing)))
    for change in changes:
        if _origin(change.item) in fresh_origins:
            continue
        more = _settle(env, change, moves.get(_origin(change.item), []), lowered, cancelled)
        if more > 1e-9:
            specs.append(_spec(Line, change, more, moves.get(_origin(change.item), []), locations))
    if lowered:
        Move.write_rows(lowered)
    if cancelled:
        Move.change_state(cancelled, "cancelled", "cancel")
    touched = {getattr(m, Line._move_shipment_field) for m in cancelled} - {None}
    touched |= _place(Order, Line, orders, specs, moves)
    _restate(env[Order._shipment_model], touched)


def _origin(item):
    return f"{item._name},{item.id}"


def _moves_by_origin(Move, changes):
    """``{origin: [moves not cancelled]}`` of the amended items, one search."""
    result = collections.defaultdict(list)
    for move in Move.search([("origin", "in", [_origin(c.item) for c in changes]), ("state", "!=", "cancelled")]):
        result[f"{move.origin._name},{move.origin.id}"].append(move)
    return result


def _in_unit(Uom, move, unit):
    if move.unit == unit:
        return move.quantity
    return Uom.compute_quantity(move.unit, move.quantity, unit, round=False)


def _settle(env, change, moves, lowered, cancelled):
    """Lower or cancel the item's open moves down to its new quantity less what moved; return what is missing."""
    Uom = env["product.uom"]
    item = change.item
    done = sum(_in_unit(Uom, m, item.unit) for m in moves if m.state == "done")
    wanted = max(change.new - done, 0.0)
    open_moves = [m for m in moves if m.state in OPEN]
    have = sum(_in_unit(Uom, m, item.unit) for m in open_moves)
    excess = have - wanted
    if excess <= 1e-9:
        return Uom.round(wanted - have, item.unit.rounding)
    for move in sorted(open_moves, key=lambda m: (_PRIORITY[m.state], -m.id)):
        if excess <= 1e-9:
            break
        carried = _in_unit(Uom, move, item.unit)
        if carried <= excess + 1e-9:
            cancelled.append(move)
            excess -= carried
            continue
        left = Uom.round(Uom.compute_quantity(item.unit, carried - excess, move.unit, round=False), move.unit.rounding)
        lowered.append({"id": move.id, "quantity": left,
                        "internal_quantity": move.internal_quantity * left / move.quantity})
        excess = 0.0
    return 0.0


def _spec(Line, change, quantity, moves, locations):
    """A waiting move of ``quantity`` more for an amended item, priced and planned as its other moves."""
    item = change.item
    order = order_of(Line, item)
    model = moves[-1] if moves else None
    source, destination = locations[order.id]
    return {"order": order.id, "product": item.product.id, "quantity": quantity, "unit": item.unit.id,
            "unit_price": model.unit_price if model else getattr(item, "unit_price", None),
            "from_location": source.id, "to_location": destination.id,
            "planned_date": model.planned_date if model else datetime.date.today(), "origin": _origin(item)}


def _place(Order, Line, orders, specs, moves):
    """Make the moves of ``specs`` on an open shipment of their order (a new waiting one if none); return those."""
    if not specs:
        return set()
    env = Order.env
    Shipment, field = env[Order._shipment_model], Line._move_shipment_field
    by_id = {o.id: o for o in orders}
    homes = {}
    for move in (m for ms in moves.values() for m in ms):
        shipment = getattr(move, field)
        if shipment is not None and shipment.state in OPEN:
            order = order_of(Line, move.origin)
            if shipment.warehouse == order.warehouse:
                homes.setdefault(order.id, shipment)
    wanted = sorted({spec["order"] for spec in specs})
    for order_id in [o for o in wanted if o not in homes]:
        order = by_id[order_id]
        home = next((s for s in order.shipments if s.state in OPEN and s.warehouse == order.warehouse), None)
        if home is not None:
            homes[order_id] = home
    missing = [o for o in wanted if o not in homes]
    created = Shipment.create_unchecked([{
        "party": by_id[o].party.id, "warehouse": by_id[o].warehouse.id, "state": "waiting",
        "planned_date": min(s["planned_date"] for s in specs if s["order"] == o)} for o in missing])
    homes.update(zip(missing, created))
    for spec in specs:
        spec[field] = homes[spec.pop("order")].id
        spec["state"] = "waiting"
    env["stock.move"].create_unchecked(specs)
    return set(homes.values())


def _restate(Shipment, shipments):
    """Shipments follow their moves: emptied ones cancelled, reserved ones assigned, others waiting."""
    shipments = [s for s in Shipment.browse(sorted(s.id for s in shipments)) if s.state in OPEN]
    emptied = [s for s in shipments if all(m.state == "cancelled" for m in s.moves)]
    if emptied:
        Shipment.change_state(emptied, "cancelled", "cancel")
    rest = [s for s in shipments if s not in emptied]
    ready = [s for s in rest if s.state != "assigned"
             and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
    if ready:
        Shipment.change_state(ready, "assigned", "assign")
    short = [s for s in rest if s.state == "assigned" and any(m.state in ("draft", "waiting") for m in s.moves)]
    if short:
        Shipment.change_state(short, "waiting", "wait for")
