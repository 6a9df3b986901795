"""stock_reorder with sale: make to order, and auto rules reacting to confirmed sales.

Confirming and processing many sales at once asks the database one
question per hook (which lines are supplied on order, which auto rules
the products sold have, which moves wait for goods bought on order);
most sales have none of these, and then nothing else is read.
"""
import math

import sqlalchemy as sa

from core import errors, expose, fields, hookimpl
from core.fields import Reference
from core.model import batches, in_

from modules.product.amendment import Amended
from modules.sale.stock import MAX_ID

from . import exception
from .rule import _add_days, buy


class Sale:
    _name = "sale.sale"

    purchases = fields.Function(fields.One2Many("purchase.purchase", None, "Purchases"), "get_purchases")

    @classmethod
    def _origins(cls, sales):
        """``{"model,id": sale id}`` of every line and line component of ``sales`` (one query per batch)."""
        env = cls.env
        origins = {}
        for batch in batches(env, [s.id for s in sales]):
            origins.update((origin, sale) for sale, origin in env.execute(_item_origins(env, batch)))
        return origins

    @classmethod
    def get_purchases(cls, sales, name):
        origins = cls._origins(sales)
        result = {s.id: [] for s in sales}
        for line in cls.env["purchase.line"].search([("origin", "in", list(origins))]):
            sale_id = origins[f"{line.origin._name},{line.origin.id}"]
            if line.purchase.id not in result[sale_id]:
                result[sale_id].append(line.purchase.id)
        return {i: tuple(ids) for i, ids in result.items()}


    # -- buying for a sale, to the warehouse or drop-shipped ------------------------------------
    @classmethod
    @expose("write", returns="purchase.purchase", vendor=fields.Many2One("party.party", "Vendor"),
            drop_ship=fields.Boolean("Drop ship", help="Deliver from the supplier straight to the customer."))
    def create_purchase(cls, sales, vendor=None, drop_ship=False):
        """Buy the goods of confirmed or processing ``sales``; return the purchases made or added to.

        Each goods line (each goods component of a kit line) is bought from
        ``vendor``, else from its product's first supplier valid today, at
        the price a purchase line would get from it today (its price breaks
        for the quantity), with the line as the purchase line's origin; only
        what is neither allocated (its assigned or shipped moves) nor already
        bought (by a purchase not cancelled) is bought.  To the warehouse: added to the
        vendor's draft purchase of the sale's warehouse (made when missing).
        ``drop_ship``: one draft drop-ship purchase per sale and vendor, whose
        goods go from the supplier straight to the customer; the sale's
        outgoing moves of those lines are cancelled (and never made for a
        sale not processed yet), so its warehouse's stock is untouched, and
        receiving the purchase ships the sale's lines.  A line without
        supplier when no vendor is given: a UserError, nothing bought.
        """
        env = cls.env
        with env.atomic():
            sales, vendor = cls._purchase_input(sales, vendor, drop_ship)
            cls.lock(sales)
            items = _goods_items(env, sales)
            if drop_ship:
                items = [item for item, bought in zip(items, _bought(env, items)) if not bought]
                wanted = [item.quantity for item in items]
            else:
                items, wanted = _still_needed(env, items)
            if not items:
                return []
            Supplier = env["purchase.product_supplier"]
            suppliers = Supplier.preferred([i.product for i in items], [vendor] * len(items))
            for item, supplier in zip(items, suppliers):
                if supplier is None and vendor is None:
                    raise errors.UserError(
                        f"cannot buy {item.product.name} for {_sale_of(item).rec_name}: the product has no "
                        f"supplier valid today; add one to the product or give a vendor")
            vendors = [vendor or s.party for s in suppliers]
            if not drop_ship:
                lines = buy(env, [{"vendor": v, "warehouse": _sale_of(i).warehouse, "product": i.product,
                                   "unit": i.unit, "quantity": q, "delivery_date": None, "origin": i,
                                   "explanation": f"bought for {_sale_of(i).rec_name}"}
                                  for i, v, q in zip(items, vendors, wanted)], merge=False)
                return list(dict.fromkeys(line.purchase for line in lines))
            return cls._drop_ship(items, vendors)

    @classmethod
    def _purchase_input(cls, sales, vendor, drop_ship):
        if isinstance(sales, (str, bytes, dict)) or not hasattr(sales, "__iter__"):
            raise errors.UserError(f"sale.sale.create_purchase: expected a list of sales or their ids, "
                                   f"got {sales!r:.80}")
        ids = []
        for sale in sales:
            if getattr(sale, "_name", None) == cls._name or (type(sale) is int and 0 < sale < MAX_ID):
                ids.append(getattr(sale, "id", sale))
            else:
                raise errors.UserError(f"sale.sale.create_purchase: expected a sale or its id, got {sale!r:.80}")
        if type(drop_ship) is not bool:
            raise errors.UserError(f"sale.sale.create_purchase: drop_ship must be True or False, not {drop_ship!r:.80}")
        sales = cls.browse(list(dict.fromkeys(ids)))
        for sale in sales:
            if sale.state not in ("confirmed", "processing"):
                raise errors.WorkflowError(f"cannot buy for {sale.rec_name}: it is {sale.state}; only confirmed "
                                           f"or processing sales are bought for")
        if vendor is not None:
            Party = cls.env["party.party"]
            given = getattr(vendor, "id", vendor)
            if getattr(vendor, "_name", Party._name) != Party._name or type(given) is not int \
                    or not 0 < given < MAX_ID or not Party.search([("id", "=", given)]):
                raise errors.UserError(f"sale.sale.create_purchase: vendor must be a party, not {vendor!r:.80}")
            vendor = Party.browse([given])[0]
        return sales, vendor

    @classmethod
    def _drop_ship(cls, items, vendors):
        """Drop-ship purchases for ``items``, their outgoing moves cancelled; return the purchases."""
        env = cls.env
        Purchase, Line, Move, Uom = env["purchase.purchase"], env["purchase.line"], env["stock.move"], env["product.uom"]
        open_moves = {}
        for item in items:
            moves = [m for m in item.moves if m.state in ("draft", "waiting", "assigned")]
            open_moves[item] = moves
        wanted = []
        for item, vendor in zip(items, vendors):
            if _sale_of(item).state == "processing":   # what is still to ship
                quantity = sum(Uom.compute_quantity(m.unit, m.quantity, item.unit, round=False)
                               for m in open_moves[item])
                quantity = Uom.round(quantity, item.unit.rounding)
            else:
                quantity = item.quantity
            if quantity > 0:
                wanted.append((item, vendor, quantity))
        keys = list(dict.fromkeys((vendor.id, _sale_of(item).id) for item, vendor, _ in wanted))
        by_sale = {_sale_of(item).id: _sale_of(item) for item, _, _ in wanted}
        purchases = dict(zip(keys, Purchase.create_unchecked([{
            "party": vendor_id, "warehouse": by_sale[sale_id].warehouse.id, "drop_ship": True,
            "customer": by_sale[sale_id].party.id} for vendor_id, sale_id in keys])))
        Line.create_unchecked([{
            "purchase": purchases[vendor.id, _sale_of(item).id].id, "product": item.product.id,
            "unit": item.unit.id, "quantity": quantity, "origin": item,
            "reorder_explanation": f"drop-shipped to {_sale_of(item).party.name} for {_sale_of(item).rec_name}"}
            for item, vendor, quantity in wanted])
        replaced = [m for item, _, _ in wanted for m in open_moves[item]]
        if replaced:
            Move.cancel(replaced)
            Shipment = env["stock.shipment.out"]
            emptied = [s for s in {m.shipment_out for m in replaced} - {None}
                       if s.state not in ("done", "cancelled") and all(m.state == "cancelled" for m in s.moves)]
            if emptied:
                Shipment.change_state(emptied, "cancelled", "cancel")
            held = [s for s in {m.shipment_out for m in replaced} - {None} if s.state == "waiting"
                    and s.moves and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
            if held:
                Shipment.change_state(held, "assigned", "assign")
        return list(purchases.values())

    @classmethod
    def get_pending(cls, sales):
        """A sale waits for its drop-ship purchases too, until they are received (or cancelled).

        Asked only of the sales nothing else keeps waiting (just processed,
        most wait for their moves): one query per batch of them.
        """
        pending = super().get_pending(sales)
        env = cls.env
        bought, purchase = env["purchase.line"].table, env["purchase.purchase"].table
        for batch in batches(env, [s.id for s in sales if s.id not in pending]):
            items = _item_origins(env, batch).subquery()
            pending.update(env.execute(
                sa.select(items.c.sale).distinct()
                .select_from(items.join(bought, bought.c.origin == items.c.origin)
                             .join(purchase, purchase.c.id == bought.c.purchase))
                .where(purchase.c.drop_ship.is_(True), purchase.c.state.not_in(["done", "cancelled"]))).scalars())
        return pending


class DropShipMoves:
    """A sale line's (line component's) moves include the drop-ship moves bought for it: they ship it."""

    @classmethod
    def moves_of(cls, items):
        result = super().moves_of(items)
        origins = {f"{cls._name},{item.id}": i for i, item in enumerate(items)}
        if not origins:
            return result
        env = cls.env
        lines = env["purchase.line"].search([("origin", "in", list(origins)), ("purchase.drop_ship", "=", True)])
        if lines:
            position = {f"purchase.line,{line.id}": origins[f"{line.origin._name},{line.origin.id}"]
                        for line in lines}
            for move in env["stock.move"].search([("origin", "in", list(position))]):
                result[position[f"{move.origin._name},{move.origin.id}"]].append(move)
        return result

    @classmethod
    def get_quantity_moved(cls, items, name):
        """The done drop-ship moves bought for an item count as moved too (their origin is the purchase line)."""
        result = super().get_quantity_moved(items, name)
        origins = {f"{cls._name},{item.id}": item for item in items}
        if not origins:
            return result
        env = cls.env
        lines = env["purchase.line"].search([("origin", "in", list(origins)), ("purchase.drop_ship", "=", True)])
        if not lines:
            return result
        item_of = {f"purchase.line,{line.id}": origins[f"{line.origin._name},{line.origin.id}"] for line in lines}
        Uom = env["product.uom"]
        extra = {}
        for move in env["stock.move"].search([("origin", "in", list(item_of)), ("state", "=", "done")]):
            item = item_of[f"{move.origin._name},{move.origin.id}"]
            extra[item.id] = extra.get(item.id, 0.0) + Uom.compute_quantity(move.unit, move.quantity, item.unit,
                                                                             round=False)
        for item in items:
            if item.id in extra:
                result[item.id] = Uom.round((result.get(item.id) or 0.0) + extra[item.id], item.unit.rounding)
        return result


class SaleLine(DropShipMoves):
    _name = "sale.line"

    @classmethod
    def move_origins(cls, where):
        """The drop-ship moves bought for a line (or its components) ship it too: their origin is the purchase line."""
        env = cls.env
        items = super().move_origins(where).subquery()
        bought, purchase = env["purchase.line"].table, env["purchase.purchase"].table
        return sa.union_all(
            sa.select(items.c.order, items.c.line, items.c.origin),
            sa.select(items.c.order, items.c.line, Reference.sql("purchase.line", bought.c.id))
            .select_from(items.join(bought, bought.c.origin == items.c.origin)
                         .join(purchase, purchase.c.id == bought.c.purchase))
            .where(purchase.c.drop_ship.is_(True)))

    @classmethod
    def move_specs(cls, lines):
        """No outgoing move for what a drop-ship purchase delivers (a sale processed after its purchase).

        One query per batch of lines finds what drop-ship purchases (not
        cancelled) buy for them or their components.
        """
        specs = super().move_specs(lines)
        if not specs:
            return specs
        env = cls.env
        table, bought, purchase = cls.table, env["purchase.line"].table, env["purchase.purchase"].table
        dropped = set()
        for batch in batches(env, [line.id for line in lines]):
            items = super().move_origins(in_(table.c.id, batch)).subquery()
            dropped.update(env.execute(
                sa.select(bought.c.origin)
                .select_from(items.join(bought, bought.c.origin == items.c.origin)
                             .join(purchase, purchase.c.id == bought.c.purchase))
                .where(purchase.c.drop_ship.is_(True), purchase.c.state != "cancelled")).scalars())
        return [spec for spec in specs if spec["origin"] not in dropped]


class SaleLineComponent(DropShipMoves):
    _name = "sale.line.component"


def _sale_of(item):
    return item.sale if item._name == "sale.line" else item.line.sale


def _goods_items(env, sales):
    """The goods lines of ``sales`` without components, and the goods components of the others, in order."""
    lines = env["sale.line"].search([("sale", "in", [s.id for s in sales])])
    items = []
    for line in lines:
        components = getattr(line, "components", None)
        if components:
            items += [c for c in components if c.product.type == "goods"]
        elif line.product.type == "goods":
            items.append(line)
    return items


def _bought(env, items):
    """For each item, whether a purchase line not cancelled already buys for it."""
    origins = [f"{item._name},{item.id}" for item in items]
    bought = {f"{line.origin._name},{line.origin.id}" for line in env["purchase.line"].search(
        [("origin", "in", origins), ("purchase.state", "!=", "cancelled")])}
    return [origin in bought for origin in origins]


def _still_needed(env, items):
    """The items with something left to buy, and how much: the quantity less what is allocated (assigned or
    shipped moves) and already bought (purchase lines of purchases not cancelled), in the item's unit.

    One search for the purchase lines and one for the moves of all items.
    """
    Uom = env["product.uom"]
    origins = {f"{item._name},{item.id}": item for item in items}
    covered = dict.fromkeys(origins, 0.0)
    for line in env["purchase.line"].search([("origin", "in", list(origins)), ("purchase.state", "!=", "cancelled")]):
        key = f"{line.origin._name},{line.origin.id}"
        covered[key] += Uom.compute_quantity(line.unit, line.quantity, origins[key].unit, round=False)
    for move in env["stock.move"].search([("origin", "in", list(origins)), ("state", "in", ["assigned", "done"])]):
        key = f"{move.origin._name},{move.origin.id}"
        covered[key] += Uom.compute_quantity(move.unit, move.quantity, origins[key].unit, round=False)
    needed = [(item, Uom.round(item.quantity - covered[key], item.unit.rounding)) for key, item in origins.items()]
    needed = [(item, quantity) for item, quantity in needed if quantity > 0]
    return [item for item, _ in needed], [quantity for _, quantity in needed]


def _item_origins(env, sales):
    """SQL ``(sale, origin)``: the reference of every line and line component of ``sales`` (a list of ids).

    What the purchase lines bought for a sale name as their origin.
    """
    line = env["sale.line"].table
    query = sa.select(line.c.sale, Reference.sql("sale.line", line.c.id).label("origin")).where(in_(line.c.sale, sales))
    if "sale.line.component" in env:
        component = env["sale.line.component"].table
        query = query.union_all(
            sa.select(line.c.sale, Reference.sql("sale.line.component", component.c.id))
            .join_from(component, line, line.c.id == component.c.line).where(in_(line.c.sale, sales)))
    return query


def _on_order(env, sales):
    """The sale lines (without components) and line components of ``sales`` whose goods are supplied on sale.

    One query per batch of sales finds them (most sales have none); only
    those are read as records, the lines in their order, then the
    components in their lines' order.
    """
    Line = env["sale.line"]
    found = []
    for batch in batches(env, [s.id for s in sales]):
        found += env.execute(_on_order_items(env, batch)).all()
    found.sort(key=lambda row: (row.sequence, row.line, row.id))
    items = Line.browse([row.id for row in found if row.model == Line._name])
    if "sale.line.component" in env:   # read together, as the lines are
        items += env["sale.line.component"].browse([row.id for row in found if row.model != Line._name])
    return items


def _on_order_items(env, sales):
    """SQL ``(model, id, sequence, line)`` of the lines (without components) and line components of ``sales``
    (a list of ids) whose goods are supplied on sale; ``sequence`` and ``line`` are the line's."""
    line, product = env["sale.line"].table, env["product.product"].table
    on_order = sa.and_(product.c.supply_on_sale.is_(True), product.c.type == "goods")
    query = (sa.select(sa.literal("sale.line").label("model"), line.c.id, line.c.sequence, line.c.id.label("line"))
             .join_from(line, product, product.c.id == line.c.product).where(in_(line.c.sale, sales), on_order))
    if "sale.line.component" not in env:
        return query
    component = env["sale.line.component"].table
    return query.where(~sa.exists().where(component.c.line == line.c.id)).union_all(
        sa.select(sa.literal("sale.line.component"), component.c.id, line.c.sequence, line.c.id)
        .join_from(component, line, line.c.id == component.c.line)
        .join(product, product.c.id == component.c.product).where(in_(line.c.sale, sales), on_order))


def _auto_rules(env, sales):
    """The auto rules of the products sold (lines and line components) in the sales' warehouses.

    One query per batch of sales, from what they sell to the rules.
    """
    Rule = env["stock.reorder.rule"]
    rule, line, sale = Rule.table, env["sale.line"].table, env["sale.sale"].table
    found = set()
    for batch in batches(env, [s.id for s in sales]):
        sold = (sa.select(sale.c.warehouse, line.c.product).join_from(line, sale, sale.c.id == line.c.sale)
                .where(in_(line.c.sale, batch)))
        if "sale.line.component" in env:
            component = env["sale.line.component"].table
            sold = sold.union_all(
                sa.select(sale.c.warehouse, component.c.product)
                .join_from(component, line, line.c.id == component.c.line).join(sale, sale.c.id == line.c.sale)
                .where(in_(line.c.sale, batch)))
        sold = sold.subquery()
        found.update(env.execute(
            sa.select(rule.c.id).distinct()
            .join_from(sold, rule, sa.and_(rule.c.product == sold.c.product, rule.c.warehouse == sold.c.warehouse))
            .where(rule.c.trigger == "auto")).scalars())
    return Rule.search([("id", "in", sorted(found))]) if found else []


def _on_order_moves(env, sales):
    """The moves of goods supplied on order in the shipments of ``sales``.

    Sought only for the sales selling goods supplied on order: one query
    per batch of sales, two when some do.
    """
    Move = env["stock.move"]
    move, product = Move.table, env["product.product"].table
    shipped = move.alias("shipped")
    found = set()
    for batch in batches(env, [s.id for s in sales]):
        if not env.execute(sa.select(_on_order_items(env, batch).exists())).scalar():
            continue   # nothing these sales sell is supplied on order: the usual case, one cheap question
        items = _item_origins(env, batch).subquery()
        shipments = sa.select(shipped.c.shipment_out).join_from(items, shipped, shipped.c.origin == items.c.origin)
        found.update(env.execute(
            sa.select(move.c.id).join_from(move, product, product.c.id == move.c.product)
            .where(move.c.shipment_out.in_(shipments), product.c.supply_on_sale.is_(True),
                   sa.or_(move.c.origin.like("sale.line,%"), move.c.origin.like("sale.line.component,%")))).scalars())
    return Move.browse(sorted(found))


def _drop_ship_purchases(env, sales, states):
    """``{sale id: [purchases]}``: the drop-ship purchases in ``states`` buying for ``sales``."""
    origins = env["sale.sale"]._origins(sales)
    result = {}
    if origins:
        for line in env["purchase.line"].search([("origin", "in", list(origins)), ("purchase.drop_ship", "=", True),
                                                 ("purchase.state", "in", list(states))]):
            purchases = result.setdefault(origins[f"{line.origin._name},{line.origin.id}"], [])
            if line.purchase not in purchases:
                purchases.append(line.purchase)
    return result


@hookimpl
def sale_before_cancel(env, sales):
    """A drop-ship purchase confirmed with the supplier binds it to deliver to the customer: refuse.

    Cancelling the sale would otherwise cancel that purchase's receipt
    behind the buyer's back (the supplier still delivers, the purchase
    waits for nothing).  Cancel the purchase, or receive it, first.
    """
    bound = _drop_ship_purchases(env, sales, ("confirmed", "processing"))
    for sale in sales:
        if sale.id in bound:
            names = ", ".join(p.rec_name for p in bound[sale.id])
            raise errors.WorkflowError(f"cannot cancel {sale.rec_name}: its drop-ship purchase {names} is "
                                       f"{bound[sale.id][0].state}; cancel that purchase first (or receive it)")


@hookimpl
def sale_cancel(env, sales):
    """The sale's drop-ship purchases not yet confirmed with the supplier go with it; what was bought on
    order follows the sale down to nothing (see :mod:`.exception`)."""
    unbound = [p for purchases in _drop_ship_purchases(env, sales, ("draft", "quotation")).values()
               for p in purchases]
    if unbound:
        env["purchase.purchase"].cancel(list(dict.fromkeys(unbound)))
    exception.follow(env, [Amended(item, item.quantity, 0.0) for item in _on_order(env, sales)])


@hookimpl
def sale_amend(env, sales, changes):
    """What was bought on order follows the amended items (see :mod:`.exception`)."""
    exception.follow(env, changes)


@hookimpl
def purchase_cancel(env, purchases):
    """A make-to-order purchase cancelled frees its sales: an exception says what no longer comes."""
    lines = [line for purchase in purchases for line in purchase.lines
             if line.origin is not None and line.origin._name in ("sale.line", "sale.line.component")]
    if lines:
        exception.purchase_dropped(env, lines, [max(line.quantity - line.quantity_received, 0.0) for line in lines])


@hookimpl
def purchase_amend(env, purchases, changes):
    """A make-to-order purchase line lowered or removed no longer brings all of its sale's goods: said."""
    lowered = [c for c in changes if c.item._name == "purchase.line" and c.new < c.old]
    if lowered:
        exception.purchase_dropped(env, [c.item for c in lowered], [c.old - c.new for c in lowered])


@hookimpl
def sale_confirm(env, sales):
    """Buy what is supplied on order; let auto rules react to the new demand.

    Each is one question to the database first: most sales have neither.
    """
    items = _on_order(env, sales)
    if items:
        Supplier = env["purchase.product_supplier"]
        sale_of = lambda item: item.sale if item._name == "sale.line" else item.line.sale
        suppliers = Supplier.preferred([i.product for i in items], [None] * len(items))
        for item, supplier in zip(items, suppliers):
            if supplier is None:
                raise_no_supplier(item)
        buy(env, [{"vendor": s.party, "warehouse": sale_of(i).warehouse, "product": i.product, "unit": i.unit,
                   "quantity": i.quantity, "delivery_date": _add_days(sale_of(i).sale_date, s.lead_time),
                   "origin": i, "explanation": f"bought on order for {sale_of(i).rec_name}"}
                  for i, s in zip(items, suppliers)], merge=False)
    rules = _auto_rules(env, sales)
    if rules:
        env["stock.reorder.rule"].order(rules)


def raise_no_supplier(item):
    raise errors.UserError(f"{item.product.name} is supplied on order but has no supplier valid today: "
                           f"add one to the product before confirming")


class Move:
    """Moves of goods supplied on order wait for their purchase, then are reserved for their sale."""

    _name = "stock.move"

    @classmethod
    def assign_try(cls, moves):
        """Moves supplied on order wait for their purchase; once none buys for them (cancelled), for stock."""
        on_order = [m for m in moves if _is_on_order(m)]
        live = exception.bought_on_order(cls.env, {f"{m.origin._name},{m.origin.id}" for m in on_order})
        on_order = [m for m in on_order if f"{m.origin._name},{m.origin.id}" in live]
        assigned = super().assign_try([m for m in moves if m not in set(on_order)])
        return assigned + reserve_on_order(cls.env, on_order)


def _is_on_order(move):
    origin = move.origin
    return (origin is not None and origin._name in ("sale.line", "sale.line.component")
            and move.product.supply_on_sale)


def reserve_on_order(env, moves):
    """Assign the waiting sale moves to what their purchase received (received goods are theirs).

    A move only partly received is split, like any partial assignment: the
    received part is assigned, the rest keeps waiting for the next receipt.
    """
    moves = [m for m in moves if m.state in ("draft", "waiting")]
    if not moves:
        return []
    origins = sorted({f"{m.origin._name},{m.origin.id}" for m in moves})
    received = {}
    for line in env["purchase.line"].search([("origin", "in", origins)]):
        key = f"{line.origin._name},{line.origin.id}"
        received[key] = received.get(key, 0.0) + line.quantity_received
    taken = {}
    for move in env["stock.move"].search([("origin", "in", origins), ("state", "in", ["assigned", "done"])]):
        key = f"{move.origin._name},{move.origin.id}"
        taken[key] = taken.get(key, 0.0) + move.quantity
    Move, Uom = env["stock.move"], env["product.uom"]
    ready = []
    for move in sorted(moves, key=lambda m: m.id):
        key = f"{move.origin._name},{move.origin.id}"
        free = received.get(key, 0.0) - taken.get(key, 0.0)
        if free < move.quantity - 1e-9:
            rounding = move.unit.rounding   # whole units of the move only, never more than received
            free = Uom.round(math.floor(free / rounding + 1e-9) * rounding, rounding)
            if free <= 0:
                continue
            Move.split(move, free)
        taken[key] = taken.get(key, 0.0) + move.quantity
        ready.append(move)
    if ready:
        Move.change_state(ready, "assigned", "reserve")
    return ready


@hookimpl
def stock_moves_done(env, moves):
    """A receipt of goods bought on order makes the sale's delivery available."""
    origins = [m.origin for m in moves if m.origin is not None and m.origin._name == "purchase.line"]
    sale_origins = [f"{line.origin._name},{line.origin.id}" for line in origins
                    if line.origin is not None and line.origin._name in ("sale.line", "sale.line.component")]
    if sale_origins:
        waiting = env["stock.move"].search([("origin", "in", sale_origins), ("state", "in", ["draft", "waiting"])])
        reserve_on_order(env, waiting)
        _update_shipments(env, waiting)
        dropped = [line for line in origins if line.purchase.drop_ship and line.origin is not None
                   and line.origin._name in ("sale.line", "sale.line.component")]
        if dropped:   # a drop shipment received is the sale's delivery
            from modules.sale.stock import finish_sales
            finish_sales(env, {_sale_of(line.origin) for line in dropped})


@hookimpl(trylast=True)
def sale_process(env, sales):
    """Goods bought on order and already received are reserved as soon as the delivery exists."""
    moves = _on_order_moves(env, sales)
    if moves:
        reserve_on_order(env, moves)
        _update_shipments(env, moves)


def _update_shipments(env, moves):
    shipments = {m.shipment_out for m in moves} - {None}
    complete = [s for s in shipments if s.state == "waiting"
                and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
    if complete:
        env["stock.shipment.out"].change_state(complete, "assigned", "assign")
