"""product_kit with stock: kits are stocked and moved as their components.

A kit's available quantity is the number of whole kits its components
allow.  With sale or purchase too, a kit line moves as one move per line
component (its origin), priced so that the component moves of a line add up
to the line's amount, and counts as shipped (received) in proportion to the
least-shipped component.
"""
import collections
import math
from decimal import Decimal

import sqlalchemy as sa

from core import fields, hookimpl
from core.fields import Reference
from core.model import batches, in_

from .line import Catalog

CENT = Decimal("0.01")
Part = collections.namedtuple("Part", "id product quantity unit list_price default_uom")


class Location:
    _name = "stock.location"

    @classmethod
    def quantities(cls, products, location, date=None, forecast=False):
        return cls._with_kits(products, lambda ids: super(Location, cls).quantities(
            ids, location, date=date, forecast=forecast), lambda catalog, kit, result: float(
            _whole_kits(catalog, kit, result)))

    @classmethod
    def quantities_by_warehouse(cls, products, date=None, forecast=False):
        def whole_kits(catalog, kit, result):
            warehouses = next(iter(result.values()), {})
            return {w: float(_whole_kits(catalog, kit, {p: by_site[w] for p, by_site in result.items()}))
                    for w in warehouses}
        return cls._with_kits(products, lambda ids: super(Location, cls).quantities_by_warehouse(
            ids, date=date, forecast=forecast), whole_kits)

    @classmethod
    def _with_kits(cls, products, quantities, whole_kits):
        """``quantities`` of the products, where a kit has what its components' quantities make."""
        ids = [getattr(p, "id", p) for p in products]
        catalog = Catalog(cls.env, ids)
        kits = [i for i in ids if catalog.is_kit(i)]
        if not kits:
            return quantities(ids)
        goods = {p for p in catalog.products if not catalog.is_kit(p)} | {i for i in ids if i not in kits}
        result = quantities(sorted(goods))
        for kit in kits:
            result[kit] = whole_kits(catalog, kit, result)
        return {i: result[i] for i in ids}


def _whole_kits(catalog, kit, available):
    """How many whole ``kit`` the ``available`` quantities of its components make.

    Only what a kit may be made of counts: per commercial alternative, its
    normal components and one variant of each variant group (kits of
    different variants draw on different stock, so a group allows the sum of
    what each variant allows); options are extras a kit can do without.
    The best alternative gives the answer.

    A component that nested kits share with their parent (a bulb in the
    chandelier and in its pack of bulbs) counts once per kit it is needed
    for: each component alone gives an upper bound, and the answer is the
    most kits whose components can all be taken from the same stock at once
    (checked by taking them, largest count first, then by bisection).
    """
    most = _bound(catalog, kit, available)
    if most <= 0:
        return 0
    stock = {product: available.get(product, 0.0) for product in _leaves(catalog, kit)}
    if _make(catalog, kit, most, dict(stock)):   # nothing shared: the bound is the answer
        return most
    return _largest(most, lambda count: _make(catalog, kit, count, dict(stock)))


def _largest(limit, possible):
    """The largest count from 0 to ``limit`` that is ``possible`` (0 always is; what one is, fewer are)."""
    low, high = 0, limit + 1   # low is possible, high is not
    while high - low > 1:
        middle = (low + high) // 2
        if possible(middle):
            low = middle
        else:
            high = middle
    return low


def _bound(catalog, kit, available):
    """What each component alone allows, the fewest of them (each taken from all the stock)."""
    best = 0
    for code in catalog.alternatives(kit) or [None]:
        limits = []
        groups = {}
        for component in catalog.of[kit]:
            if component.bom != code or component.kind == "option":
                continue
            allows = _allows(catalog, component, available)
            if component.kind == "variant":
                groups[component.group] = groups.get(component.group, 0) + allows
            else:
                limits.append(allows)
        limits += groups.values()
        fewest = min(limits, default=math.inf)
        best = max(best, fewest if fewest != math.inf else 0)
    return best


def _allows(catalog, component, available):
    """How many kits ``component``'s available quantity allows (a fixed one: none or any number)."""
    product = component.product
    have = _whole_kits(catalog, product, available) if catalog.is_kit(product) else available.get(product, 0.0)
    need = catalog.convert(component.quantity, component.unit, product)
    if component.fixed:   # needed once, whatever the number of kits
        return 0 if have + 1e-9 < need else math.inf
    return math.floor(have / need + 1e-9) if need > 0 else math.inf


def _leaves(catalog, kit):
    """The products (not kits) ``kit`` may be made of, at any depth."""
    found, todo, seen = set(), [kit], set()
    while todo:
        product = todo.pop()
        if product in seen:
            continue
        seen.add(product)
        for component in catalog.of.get(product, ()):
            (todo.append if catalog.is_kit(component.product) else found.add)(component.product)
    return found


def _make(catalog, kit, count, stock):
    """Take from ``stock`` what ``count`` kits need (the first alternative that can); False if none can."""
    if count <= 0:
        return True
    for code in catalog.alternatives(kit) or [None]:
        trial = dict(stock)
        if _make_with(catalog, kit, code, count, trial):
            stock.update(trial)
            return True
    return False


def _make_with(catalog, kit, code, count, stock):
    """Take what ``count`` kits of alternative ``code`` need: normal components, then each variant group."""
    groups = {}
    for component in catalog.of[kit]:
        if component.bom != code or component.kind == "option":
            continue
        if component.kind == "variant":
            groups.setdefault(component.group, []).append(component)
        elif not _take(catalog, component, count, stock):
            return False
    for variants in groups.values():   # kits of one variant, then the next: as many of each as there is
        left = count
        for component in variants:
            made = _most(catalog, component, left, stock)
            if made:
                _take(catalog, component, made, stock)
                left -= made
        if left > 0:
            return False
    return True


def _take(catalog, component, count, stock):
    """Take from ``stock`` what ``count`` kits need of ``component``; False if it is not there."""
    product = component.product
    need = catalog.convert(component.quantity, component.unit, product)
    total = need if component.fixed else need * count
    if catalog.is_kit(product):
        return _make(catalog, product, math.ceil(total - 1e-9), stock)
    have = stock.get(product, 0.0)
    if have + 1e-9 < total:
        return False
    stock[product] = have - total
    return True


def _most(catalog, component, limit, stock):
    """The most kits, up to ``limit``, that ``stock`` has ``component`` for."""
    return _largest(limit, lambda count: _take(catalog, component, count, dict(stock)))


class KitStockLine:
    """Extension mixin of an order line with stock: kit lines move as their components."""

    _component_model = None

    @classmethod
    def moves_of(cls, lines):
        """A line's own moves, plus those of its line components (a kit line has only those)."""
        own = super().moves_of(lines)
        components = [c for line in lines for c in line.components]
        of_component = dict(zip([c.id for c in components],
                                cls.env[cls._component_model].moves_of(components)))
        return [moves + [m for c in line.components for m in of_component[c.id]] for line, moves in zip(lines, own)]

    @classmethod
    def move_origins(cls, where):
        """A line's own moves, and those of its line components."""
        line, component = cls.table, cls.env[cls._component_model].table
        return super().move_origins(where).union_all(
            sa.select(line.c[cls._parent_field], line.c.id, Reference.sql(cls._component_model, component.c.id))
            .join_from(component, line, line.c.id == component.c.line).where(where))

    @classmethod
    def row_move_specs(cls, rows, locations):
        """A kit line ships as its components, each priced by :func:`_spread`; the other lines as usual."""
        parts, units = cls._kit_parts([row.id for row in rows])
        specs = super().row_move_specs([row for row in rows if row.id not in parts], locations)
        kits = [row for row in rows if row.id in parts]
        if not kits:
            return specs
        Uom = cls.env["product.uom"]
        units = {u.id: u for u in Uom.browse(units)}
        amounts = cls.get_amount(cls.browse([row.id for row in kits]), "amount")
        spread = {}   # kit lines alike (same quantity, amount and components) share their prices
        for row in kits:
            source, destination = locations[row.order]
            key = (row.quantity, amounts[row.id], tuple(part[1:] for part in parts[row.id]))
            if key not in spread:
                spread[key] = _spread(Uom, row.quantity, amounts[row.id], parts[row.id], units)
            for part, price in zip(parts[row.id], spread[key]):
                specs.append({"order": row.order, "product": part.product,
                              "quantity": part.quantity, "unit": part.unit, "unit_price": price,
                              "from_location": source, "to_location": destination,
                              "planned_date": row.planned_date,
                              "origin": f"{cls._component_model},{part.id}"})
        return specs

    @classmethod
    def _kit_parts(cls, line_ids):
        """``{line id: [Part]}`` of the lines with components (kit lines), in the components' order, and their units.

        A :data:`Part` carries what pricing the component's move needs: its
        product's list price and default unit.  One query per batch of lines.
        """
        env = cls.env
        Component = env[cls._component_model]
        component, product = Component.table, env["product.product"].table
        query = (sa.select(component.c.id, component.c.product, component.c.quantity, component.c.unit,
                           product.c.list_price, product.c.default_uom, component.c.line)
                 .join_from(component, product, product.c.id == component.c.product)
                 .order_by(*Component.sql_order()))
        parts, units = collections.defaultdict(list), set()
        for batch in batches(env, line_ids):
            for row in env.execute(query.where(in_(component.c.line, batch))).all():
                part = Part._make(row[:6])
                parts[row[6]].append(part)
                units.update((part.unit, part.default_uom))
        return parts, units

    @classmethod
    def get_quantity_moved(cls, lines, name):
        """For a kit line: the line quantity times the smallest share moved of any component, rounded down.

        Half a kit's components shipped is no kit shipped: the quantity is
        floored to the line unit's rounding, so nothing is invoiced early.

        Only the components' ratios count: a component may be measured in
        another unit category than the kit line (a kit sold in units with a
        component in kg), so its moves never convert into the line's unit.
        """
        kits = [line for line in lines if line.components]
        result = super().get_quantity_moved([line for line in lines if not line.components], name)
        if not kits:
            return result
        Uom = cls.env["product.uom"]
        components = [c for line in kits for c in line.components]
        moved = dict(zip([c.id for c in components], (
            sum(Uom.compute_quantity(m.unit, m.quantity, c.unit, round=False) for m in moves if m.state == "done")
            for c, moves in zip(components, cls.env[cls._component_model].moves_of(components)))))
        for line in kits:   # a returned kit (below zero): its components came back, counted below zero too
            ratio = min(min(moved[c.id] / abs(c.quantity), 1.0) for c in line.components)
            result[line.id] = math.copysign(Uom.floor(abs(line.quantity) * ratio, line.unit.rounding),
                                            line.quantity)   # whole kits only
        return result


def _spread(Uom, quantity, amount, components, units):
    """Unit prices of a kit line's components, in proportion to their list prices.

    ``quantity`` and ``amount`` are the kit line's, ``components`` its
    :data:`Part` rows, ``units`` the
    ``product.uom`` records by id.  A component weighs its list price times
    its quantity per kit (a fixed one: its quantity divided by the line
    quantity); the last price absorbs the rounding, so the moves add up to
    the line's amount.
    """
    weights = []
    for component in components:
        per_line = Uom.compute_quantity(units[component.unit], component.quantity, units[component.default_uom],
                                        round=False)
        weights.append(component.list_price * Decimal(repr(per_line / quantity)))
    total = sum(weights)
    if not total:
        weights, total = [Decimal(1)] * len(components), Decimal(len(components))
    prices, spent = [], Decimal(0)
    for component, weight in zip(components[:-1], weights[:-1]):
        share = (amount * weight / total).quantize(CENT)
        price = (share / Decimal(repr(component.quantity))).quantize(Decimal("0.0001"))
        prices.append(price)
        spent += (price * Decimal(repr(component.quantity))).quantize(CENT)
    last = components[-1]
    prices.append(((amount - spent) / Decimal(repr(last.quantity))).quantize(Decimal("0.0001")))
    return prices


class ComponentMoves:
    """Extension mixin of a line component model: its moves."""

    moves = fields.Function(fields.One2Many("stock.move", "origin", "Moves"), "get_moves")

    @classmethod
    def moves_of(cls, components):
        origins = {f"{cls._name},{c.id}": i for i, c in enumerate(components)}
        result = [[] for _ in components]
        if origins:
            for move in cls.env["stock.move"].search([("origin", "in", list(origins))]):
                result[origins[f"{move.origin._name},{move.origin.id}"]].append(move)
        return result

    @classmethod
    def get_moves(cls, components, name):
        return {c.id: tuple(m.id for m in moves) for c, moves in zip(components, cls.moves_of(components))}


class SaleLine(KitStockLine):
    _name = "sale.line"
    _component_model = "sale.line.component"


class SaleLineComponent(ComponentMoves):
    _name = "sale.line.component"


class PurchaseLine(KitStockLine):
    _name = "purchase.line"
    _component_model = "purchase.line.component"


class PurchaseLineComponent(ComponentMoves):
    _name = "purchase.line.component"


class Sale:
    _name = "sale.sale"

    @classmethod
    def allocation_kits(cls, moves):
        """The moves of a kit line's components: the kits each carries, whole kits in the line's unit."""
        result = super().allocation_kits(moves)
        Uom = cls.env["product.uom"]
        for move in moves:
            component = move.origin
            if component is None or component._name != "sale.line.component" or not component.quantity:
                continue
            line = component.line
            carried = Uom.compute_quantity(move.unit, move.quantity, component.unit, round=False)
            result[move.id] = (("kit", line.id), carried * line.quantity / component.quantity,
                               line.unit.rounding, component.fixed)
        return result


class SaleHooks:
    @staticmethod
    @hookimpl
    def stock_moves_done(env, moves):
        from modules.sale.stock import finish_sales
        components = [m.origin for m in moves if m.origin is not None and m.origin._name == "sale.line.component"]
        finish_sales(env, {c.line.sale for c in components})


class PurchaseHooks:
    @staticmethod
    @hookimpl
    def stock_moves_done(env, moves):
        from modules.purchase.stock import finish_purchases
        components = [m.origin for m in moves
                      if m.origin is not None and m.origin._name == "purchase.line.component"]
        finish_purchases(env, {c.line.purchase for c in components})
