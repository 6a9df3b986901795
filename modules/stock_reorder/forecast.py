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
import collections
import datetime

import sqlalchemy as sa

from core.model import chunks

PENDING = ("draft", "waiting", "assigned")


class Profile:
    """One product in one warehouse: on hand today, then dated ins and outs."""

    def __init__(self, on_hand):
        self.on_hand = on_hand
        self.events = collections.defaultdict(lambda: [0.0, 0.0])   # date -> [in, out]
        self._dates = None

    def add(self, date, incoming, outgoing):
        event = self.events[date]
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
    moves = env["stock.move"]._table
    tree = env["stock.location"].warehouse_tree()
    day = sa.func.coalesce(moves.c.planned_date, today)
    zero = sa.literal(0.0)
    for chunk in chunks(product_ids, 20000):
        flows = []
        for here_column, there_column, entering in ((moves.c.to_location, moves.c.from_location, True),
                                                     (moves.c.from_location, moves.c.to_location, False)):
            here, there = tree.alias(), tree.alias()
            quantity = moves.c.internal_quantity
            flows.append(
                sa.select(here.c.warehouse.label("warehouse"), moves.c.product.label("product"), day.label("day"),
                          (quantity if entering else zero).label("incoming"),
                          (zero if entering else quantity).label("outgoing"))
                .select_from(moves.join(here, here.c.location == here_column)
                             .outerjoin(there, there.c.location == there_column))
                .where(moves.c.product.in_(chunk), moves.c.state.in_(PENDING), day <= until,
                       here.c.warehouse.in_(warehouse_ids),
                       sa.or_(there.c.warehouse.is_(None), there.c.warehouse != here.c.warehouse)))
        flow = sa.union_all(*flows).subquery()
        yield from env.execute(
            sa.select(flow.c.warehouse, flow.c.product, flow.c.day, sa.func.sum(flow.c.incoming),
                      sa.func.sum(flow.c.outgoing))
            .group_by(flow.c.warehouse, flow.c.product, flow.c.day))


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
    line_field = Order._fields["lines"]
    Line = env[line_field.target]
    orders, lines = Order._table, Line._table
    units, products = env["product.uom"]._table, env["product.product"]._table
    line_unit, product_unit = units.alias("line_unit"), units.alias("product_unit")
    date = lines.c.delivery_date if date_of == "line" else orders.c.delivery_date
    ordered = lines.join(orders, lines.c[line_field.field] == orders.c.id)
    sources = [(lines, ordered)]   # what is counted: the lines themselves …
    component_model = f"{Line._name}.component"
    if component_model in env:     # … and the line components of kit lines
        components = env[component_model]._table
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
