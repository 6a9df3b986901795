"""stock_reorder with sale: make to order, and auto rules reacting to confirmed sales."""
import math

from core import errors, fields, hookimpl

from .rule import _add_days, buy


class Sale:
    _name = "sale.sale"

    purchases = fields.Function(fields.One2Many("purchase.purchase", None, "Purchases"), "get_purchases")

    @classmethod
    def _origins(cls, sales):
        """``"model,id"`` of every line and line component of ``sales``."""
        lines = cls.env["sale.line"].search([("sale", "in", [s.id for s in sales])])
        origins = {f"sale.line,{line.id}": line.sale.id for line in lines}
        if "sale.line.component" in cls.env:
            for component in cls.env["sale.line.component"].search([("line", "in", [l.id for l in lines])]):
                origins[f"sale.line.component,{component.id}"] = component.line.sale.id
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


def _on_order(env, sales):
    """The sale lines and line components of ``sales`` whose product is supplied on sale."""
    lines = env["sale.line"].search([("sale", "in", [s.id for s in sales])])
    items = [line for line in lines if not getattr(line, "components", None)]
    if "sale.line.component" in env:
        items += [c for line in lines for c in line.components]
    return [item for item in items if item.product.supply_on_sale and item.product.type == "goods"]


@hookimpl
def sale_confirm(env, sales):
    """Buy what is supplied on order; let auto rules react to the new demand."""
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
    Rule = env["stock.reorder.rule"]
    lines = env["sale.line"].search([("sale", "in", [s.id for s in sales])])
    sold = {(line.sale.warehouse.id, line.product.id) for line in lines}
    if "sale.line.component" in env:
        sold |= {(line.sale.warehouse.id, c.product.id) for line in lines for c in line.components}
    rules = [rule for rule in Rule.search([("trigger", "=", "auto"), ("product", "in", sorted({p for _, p in sold})),
                                           ("warehouse", "in", sorted({w for w, _ in sold}))])
             if (rule.warehouse.id, rule.product.id) in sold]
    if rules:
        Rule.order(rules)


def raise_no_supplier(item):
    raise errors.UserError(f"{item.product.name} is supplied on order but has no supplier: "
                           f"add one to the product before confirming")


class Move:
    """Moves of goods supplied on order wait for their purchase, then are reserved for their sale."""

    _name = "stock.move"

    @classmethod
    def assign_try(cls, moves):
        on_order = [m for m in moves if _is_on_order(m)]
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


@hookimpl(trylast=True)
def sale_process(env, sales):
    """Goods bought on order and already received are reserved as soon as the delivery exists."""
    moves = [m for s in sales for shipment in s.shipments for m in shipment.moves if _is_on_order(m)]
    reserve_on_order(env, moves)
    _update_shipments(env, moves)


def _update_shipments(env, moves):
    shipments = {m.shipment_out for m in moves} - {None}
    complete = [s for s in shipments if s.state == "waiting"
                and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
    if complete:
        env["stock.shipment.out"].change_state(complete, "assigned", "assign")
