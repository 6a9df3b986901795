"""Exploding order lines into components, for sale and purchase alike.

Quoting calls :func:`explode` with the orders quoted; resetting to draft
calls :func:`remove`.  Both work on every line of every order at once: the
number of statements depends on how deeply kits nest, not on how many lines
there are.
"""
import collections

import sqlalchemy as sa

from core import errors, fields
from core.model import batches, in_

_Row = collections.namedtuple("_Row", "id order product quantity unit sequence")


class KitLine:
    """Extension mixin of an order line: its components and its child lines.

    The concrete class declares ``components``, ``component_parent`` and
    ``component_children`` (their targets differ between sale and purchase).
    What quoting creates cannot be changed or deleted by hand.
    """

    @classmethod
    def write(cls, lines, values):
        cls._refuse_children(lines, "changed")
        super().write(lines, values)

    @classmethod
    def delete(cls, lines):
        cls._refuse_children(lines, "deleted")
        super().delete(lines)

    @classmethod
    def _refuse_children(cls, lines, what):
        for line in lines:
            if line.component_parent is not None:
                raise errors.AccessError(
                    f"{line.rec_name} cannot be {what} by hand: it was created from the components of "
                    f"{line.component_parent.rec_name} when quoting; change that line instead")


class LineComponent:
    """Mixin of a line component model (``sale.line.component``, ``purchase.line.component``).

    A line component is the quantity of a product shipped or received in place
    of the kit of its line.  Only quoting creates them; only reset to draft
    deletes them.
    """

    _order = (("line", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True)
    fixed = fields.Boolean("Fixed")
    component = fields.Many2One("product.component", "Product component", ondelete="set null")

    @classmethod
    def create(cls, vlist):
        raise errors.AccessError(f"{cls._name} records are created by quoting their order, not by hand")

    @classmethod
    def write(cls, components, values):
        raise errors.AccessError(f"{cls._name} records are set by quoting their order and cannot be changed")

    @classmethod
    def delete(cls, components):
        raise errors.AccessError(f"{cls._name} records are deleted by resetting their order to draft")


class Catalog:
    """Units, products and components as plain rows: what exploding needs, read set-based.

    Components are loaded one nesting level per query, so the number of
    queries follows the depth of the kits, not the number of lines.
    """

    def __init__(self, env, product_ids):
        Uom, Product, Component = env["product.uom"], env["product.product"], env["product.component"]
        units, products, components = Uom.table, Product.table, Component.table
        self.Uom = Uom
        self.units = {row.id: row for row in env.execute(
            sa.select(units.c.id, units.c.factor, units.c.rounding, units.c.category))}
        self.products = {}
        self.of = {}
        self._per_line = {}
        todo = set(product_ids)
        while todo:
            for batch in batches(env, sorted(todo)):
                self.products.update((row.id, row) for row in env.execute(
                    sa.select(products.c.id, products.c.type, products.c.default_uom).where(in_(products.c.id, batch))))
            self.of.update((product_id, []) for product_id in todo)
            for batch in batches(env, sorted(todo)):
                for row in env.execute(sa.select(components).where(in_(components.c.parent_product, batch))
                                       .order_by(components.c.id)):
                    self.of[row.parent_product].append(row)
            todo = {c.product for group in self.of.values() for c in group} - set(self.of)

    def convert(self, quantity, unit, product):
        """``quantity`` in ``unit`` as a quantity in ``product``'s default unit, unrounded."""
        target = self.units[self.products[product].default_uom]
        source = self.units[unit]
        if source.category != target.category:
            raise errors.UserError(f"product {product}: unit {unit} is not of its unit category")
        return quantity * source.factor / target.factor

    def round(self, quantity, unit):
        return self.Uom.round(quantity, self.units[unit].rounding)

    def is_kit(self, product):
        return self.products[product].type == "kit"

    def scaled(self, product, quantity, unit, fixed=False):
        """``(component row, quantity, fixed)`` of each direct component of ``product``.

        A component's quantity is its own when fixed, else its own times the
        quantity of ``product`` in its default unit; unrounded.
        """
        per_unit = self.convert(quantity, unit, product)
        for component in self.of.get(product, ()):
            scale = 1 if component.fixed else per_unit
            yield component, component.quantity * scale, fixed or component.fixed

    def leaves(self, product, quantity, unit, fixed=False):
        """The non-kit products a kit comes down to: ``(component row, quantity, fixed)``."""
        for component, amount, is_fixed in self.scaled(product, quantity, unit, fixed):
            if self.is_kit(component.product):
                yield from self.leaves(component.product, amount, component.unit, is_fixed)
            else:
                yield component, amount, is_fixed

    def per_line(self, explode, product, unit):
        """``explode(product, 1, unit)`` once per product and unit, as a list.

        Quantities are linear in the line quantity (a fixed one is constant),
        so each line multiplies instead of walking the kit again.
        """
        key = (explode.__name__, product, unit)
        result = self._per_line.get(key)
        if result is None:
            result = self._per_line[key] = list(explode(product, 1.0, unit))
        return result


def explode(env, line_model, component_model, orders):
    """Give the lines of ``orders`` their line components and child lines."""
    Line = env[line_model]
    table = Line.table
    parent = table.c[Line._parent_field]
    lines = []
    for batch in batches(env, [o.id for o in orders]):
        lines += env.execute(sa.select(table.c.id, parent.label("order"), table.c.product, table.c.quantity,
                                       table.c.unit, table.c.sequence)
                             .where(in_(parent, batch), table.c.component_parent.is_(None))).all()
    if _explode_lines(env, Line, env[component_model], lines):
        _resequence(Line, orders)


def _explode_lines(env, Line, LineComponent, lines):
    """Explode ``lines`` (rows), then the child lines that creates; True if child lines were made."""
    made = False
    while lines:
        catalog = Catalog(env, {line.product for line in lines})
        components, children = [], []
        for line in lines:
            if not catalog.of[line.product]:
                continue
            if catalog.is_kit(line.product):
                for component, amount, fixed in catalog.per_line(catalog.leaves, line.product, line.unit):
                    quantity = amount if fixed else amount * line.quantity
                    components.append({
                        "line": line.id, "product": component.product, "unit": component.unit,
                        "quantity": catalog.round(quantity, component.unit), "fixed": fixed,
                        "component": component.id})
            else:
                for component, amount, fixed in catalog.per_line(catalog.scaled, line.product, line.unit):
                    children.append({
                        Line._parent_field: line.order, "component_parent": line.id, "product": component.product,
                        "unit": component.unit, "quantity": amount if fixed else amount * line.quantity,
                        "sequence": line.sequence})
        LineComponent.create_unchecked(components)
        created = Line.create_unchecked(children)   # priced from their own products; exploded in turn
        lines = [_Row(r.id, c[Line._parent_field], c["product"], r.quantity, c["unit"], c["sequence"])
                 for c, r in zip(children, created)]
        made = made or bool(children)
    return made


def _resequence(Line, orders):
    """Number the lines so that each child line comes right after its parent (one update)."""
    table = Line.table
    parent = table.c[Line._parent_field]
    lines = []
    for batch in batches(Line.env, [o.id for o in orders]):
        lines += Line.env.execute(
            sa.select(table.c.id, parent.label("order"), table.c.component_parent)
            .where(in_(parent, batch)).order_by(parent, *Line.sql_order(None))).all()
    children = collections.defaultdict(list)
    for line in lines:
        if line.component_parent is not None:
            children[line.component_parent].append(line)
    rows, position, order = [], 0, None

    def place(line):
        nonlocal position
        position += 1
        rows.append({"id": line.id, "sequence": position})
        for child in children[line.id]:
            place(child)

    for line in lines:
        if line.order != order:
            order, position = line.order, 0
        if line.component_parent is None:
            place(line)
    Line.write_rows(rows)


def remove(env, line_model, component_model, orders):
    """Delete every line component and child line quoting made for ``orders`` (set-based)."""
    Line = env[line_model]
    order_ids = [o.id for o in orders]
    for batch in batches(env, order_ids):
        env[component_model].delete_where([(f"line.{Line._parent_field}", "in", batch)])
        Line.delete_where([(Line._parent_field, "in", batch), ("component_parent", "!=", None)])
