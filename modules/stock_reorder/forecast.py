"""Forecast profiles: what a warehouse will have, day by day, for many products at once.

The stock forecast counts done and planned moves.  Replenishment also counts
what orders promise before they have moves: purchases not yet processed come
in on their lines' delivery dates (so a scheduler run counts the draft
purchases the previous run made), and confirmed sales not yet processed go
out on their delivery date.  Everything is read with a few grouped queries,
whatever the number of products or rules.
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


def profiles(env, product_ids, warehouse, until):
    """``{product id: Profile}`` of ``warehouse`` up to ``until``."""
    today = datetime.date.today()
    Location = env["stock.location"]
    result = {p: Profile(q) for p, q in Location.quantities(product_ids, warehouse).items()}
    inside = Location.tree_ids(warehouse)
    moves = env["stock.move"]._table
    day = sa.func.coalesce(moves.c.planned_date, today)
    entering = sa.and_(moves.c.to_location.in_(inside), moves.c.from_location.not_in(inside))
    leaving = sa.and_(moves.c.from_location.in_(inside), moves.c.to_location.not_in(inside))
    for chunk in chunks(product_ids, 20000):
        query = (sa.select(moves.c.product, day,
                           sa.func.sum(sa.case((entering, moves.c.internal_quantity), else_=0.0)),
                           sa.func.sum(sa.case((leaving, moves.c.internal_quantity), else_=0.0)))
                 .where(moves.c.product.in_(chunk), moves.c.state.in_(PENDING), day <= until,
                        sa.or_(entering, leaving))
                 .group_by(moves.c.product, day))
        for product, date, incoming, outgoing in env.execute(query):
            result[product].add(max(_date(date), today), incoming or 0.0, outgoing or 0.0)
    if warehouse.id == Location.warehouse().id:   # orders are for the default warehouse
        for product, date, quantity in _order_lines(env, product_ids, until, incoming=True):
            result[product].add(max(date, today), quantity, 0.0)
        for product, date, quantity in _order_lines(env, product_ids, until, incoming=False):
            result[product].add(max(date, today), 0.0, quantity)
    return result


def _date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _order_lines(env, product_ids, until, incoming):
    """``(product, date, quantity in the product's unit)`` promised by orders without moves yet.

    Incoming: lines of purchases not processed; outgoing: lines of confirmed
    sales not processed.  Kit lines count through their line components.
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
        query = (sa.select(source.c.product, date, sa.func.sum(quantity))
                 .select_from(joined)
                 .join(line_unit, line_unit.c.id == source.c.unit)
                 .join(products, products.c.id == source.c.product)
                 .join(product_unit, product_unit.c.id == products.c.default_uom)
                 .where(orders.c.state.in_(states), products.c.type == "goods", date <= until)
                 .group_by(source.c.product, date))
        for chunk in chunks(product_ids, 20000):
            rows = env.execute(query.where(source.c.product.in_(chunk)))
            result.extend((product, _date(day), total or 0.0) for product, day, total in rows)
    return result
