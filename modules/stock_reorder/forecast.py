"""Forecast profiles: what each warehouse will have, day by day, for many products at once.

The stock forecast counts done and planned moves (a warehouse transfer's
moves leave one warehouse and enter the other).  Replenishment also counts
what orders promise before they have moves: purchases not yet processed come
in on their lines' delivery dates (so a scheduler run counts the draft
purchases the previous run made), and confirmed sales not yet processed go
out on their delivery date — each order in its own warehouse.  Everything is
read with a few grouped queries, whatever the number of products, rules or
warehouses.
"""
import bisect
import datetime

import sqlalchemy as sa

from core.model import chunks

PENDING = ("draft", "waiting", "assigned")


class Profile:
    """One product in one warehouse: on hand today, then dated ins and outs."""

    __slots__ = ("on_hand", "events", "_dates", "_balances")

    def __init__(self, on_hand):
        self.on_hand = on_hand
        self.events = {}   # date -> [in, out]
        self._dates = None

    def add(self, date, incoming, outgoing):
        event = self.events.get(date)
        if event is None:
            event = self.events[date] = [0.0, 0.0]
        event[0] += incoming
        event[1] += outgoing
        self._dates = None

    def _prepare(self):
        if self._dates is None:
            self._dates = sorted(self.events)
            balance, self._balances = 0.0, []
            for date in self._dates:
                incoming, outgoing = self.events[date]
                balance += incoming - outgoing
                self._balances.append(balance)

    def forecast(self, date):
        """On hand plus everything expected in or out up to ``date`` included."""
        self._prepare()
        position = bisect.bisect_right(self._dates, date)
        return self.on_hand + (self._balances[position - 1] if position else 0.0)

    def demand(self, after, until):
        """What goes out after ``after`` and up to ``until`` included."""
        return sum(out for date, (_, out) in self.events.items() if after < date <= until)


def profiles(env, product_ids, warehouse_ids, until):
    """``{(warehouse id, product id): Profile}`` of every pair, up to ``until``."""
    today = datetime.date.today()
    Location = env["stock.location"]
    by_site = Location.quantities_by_warehouse(product_ids)
    result = {(w, p): Profile(by_site[p].get(w, 0.0)) for p in product_ids for w in warehouse_ids}
    for warehouse, product, date, incoming, outgoing in _planned_moves(env, product_ids, warehouse_ids, until):
        result[warehouse, product].add(max(_date(date), today), incoming or 0.0, outgoing or 0.0)
    for incoming in (True, False):
        for warehouse, product, date, quantity in _order_lines(env, product_ids, warehouse_ids, until, incoming):
            result[warehouse, product].add(max(date, today), *((quantity, 0.0) if incoming else (0.0, quantity)))
    return result


def _planned_moves(env, product_ids, warehouse_ids, until):
    """``(warehouse, product, day, in, out)`` of the moves still to happen, entering or leaving a warehouse."""
    today = datetime.date.today()
    Location = env["stock.location"]
    moves = env["stock.move"].table
    warehouses = {w: inside for w, inside in Location.warehouse_locations().items() if w in set(warehouse_ids)}
    everywhere = [i for inside in warehouses.values() for i in inside]
    day = sa.func.coalesce(moves.c.planned_date, today)
    entered = Location.warehouse_of(moves.c.to_location, warehouses).label("entered")
    left = Location.warehouse_of(moves.c.from_location, warehouses).label("left")
    for chunk in chunks(product_ids, 20000):
        query = (sa.select(moves.c.product, day, entered, left, sa.func.sum(moves.c.internal_quantity))
                 .where(moves.c.product.in_(chunk), moves.c.state.in_(PENDING), day <= until,
                        sa.or_(moves.c.to_location.in_(everywhere), moves.c.from_location.in_(everywhere)))
                 .group_by(moves.c.product, day, entered, left))
        for product, date, into, out_of, quantity in env.execute(query):
            if into != out_of:
                if into is not None:
                    yield into, product, date, quantity, 0.0
                if out_of is not None:
                    yield out_of, product, date, 0.0, quantity


def _date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _order_lines(env, product_ids, warehouse_ids, until, incoming):
    """``(warehouse, product, date, quantity in the product's unit)`` promised by orders without moves yet.

    Incoming: lines of purchases not processed; outgoing: lines of confirmed
    sales not processed; each in its order's warehouse.  Kit lines count
    through their line components.
    """
    if incoming:
        order_model, states, date_of = "purchase.purchase", ("draft", "quotation", "confirmed"), "line"
    else:
        if "sale.sale" not in env:
            return []
        order_model, states, date_of = "sale.sale", ("confirmed",), "order"
    Order = env[order_model]
    line_field = Order.fields["lines"]
    Line = env[line_field.target]
    orders, lines = Order.table, Line.table
    units, products = env["product.uom"].table, env["product.product"].table
    line_unit, product_unit = units.alias("line_unit"), units.alias("product_unit")
    date = lines.c.delivery_date if date_of == "line" else orders.c.delivery_date
    ordered = lines.join(orders, lines.c[line_field.field] == orders.c.id)
    sources = [(lines, ordered)]   # what is counted: the lines themselves …
    component_model = f"{Line._name}.component"
    if component_model in env:     # … and the line components of kit lines
        components = env[component_model].table
        sources.append((components, ordered.join(components, components.c.line == lines.c.id)))
    result = []
    for source, joined in sources:
        quantity = source.c.quantity * line_unit.c.factor / product_unit.c.factor
        query = (sa.select(orders.c.warehouse, source.c.product, date, sa.func.sum(quantity))
                 .select_from(joined)
                 .join(line_unit, line_unit.c.id == source.c.unit)
                 .join(products, products.c.id == source.c.product)
                 .join(product_unit, product_unit.c.id == products.c.default_uom)
                 .where(orders.c.state.in_(states), products.c.type == "goods", date <= until,
                        orders.c.warehouse.in_(warehouse_ids))
                 .group_by(orders.c.warehouse, source.c.product, date))
        for chunk in chunks(product_ids, 20000):
            rows = env.execute(query.where(source.c.product.in_(chunk)))
            result.extend((warehouse, product, _date(day), total or 0.0) for warehouse, product, day, total in rows)
    return result
