"""Exploding order lines into components, for sale and purchase alike.

Quoting calls :func:`explode` with the orders quoted; resetting to draft
calls :func:`remove`.  Both work on every line of every order at once: the
number of statements depends on how deeply kits nest, not on how many lines
there are.
"""
from core import errors, fields


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


class Components:
    """The components of products, loaded one nesting level per query."""

    def __init__(self, env, products):
        self.env = env
        self.Uom = env["product.uom"]
        self.of = {}
        Component = env["product.component"]
        todo = {p.id for p in products}
        while todo:
            self.of.update((product_id, []) for product_id in todo)
            for component in Component.search([("parent_product", "in", sorted(todo))]):
                self.of[component.parent_product.id].append(component)
            todo = {c.product.id for group in self.of.values() for c in group} - set(self.of)

    def scaled(self, product, quantity, unit, fixed=False):
        """``(component, quantity, fixed)`` of each direct component of ``product``.

        ``quantity`` of ``product`` is given in ``unit``; a component's
        quantity is its own for a fixed one, else its own times the quantity
        of the product in its default unit, unrounded.
        """
        per_unit = self.Uom.compute_quantity(unit, quantity, product.default_uom, round=False)
        for component in self.of.get(product.id, ()):
            scale = 1 if component.fixed else per_unit
            yield component, component.quantity * scale, fixed or component.fixed

    def leaves(self, product, quantity, unit, fixed=False):
        """The non-kit products a kit comes down to: ``(component, quantity, fixed)``."""
        for component, amount, is_fixed in self.scaled(product, quantity, unit, fixed):
            if component.product.type == "kit":
                yield from self.leaves(component.product, amount, component.unit, is_fixed)
            else:
                yield component, amount, is_fixed


def explode(env, line_model, component_model, orders):
    """Give the lines of ``orders`` their line components and child lines."""
    Line = env[line_model]
    lines = Line.search([(Line._parent_field, "in", [o.id for o in orders]), ("component_parent", "=", None)])
    if _explode_lines(env, Line, env[component_model], lines):
        _resequence(Line, orders)


def _explode_lines(env, Line, LineComponent, lines):
    """Explode ``lines``, then the child lines that creates; True if anything was made."""
    made = False
    while lines:
        tree = Components(env, {line.product for line in lines})
        components, children = [], []
        for line in lines:
            product = line.product
            if product.type == "kit":
                for component, quantity, fixed in tree.leaves(product, line.quantity, line.unit):
                    components.append({
                        "line": line.id, "product": component.product.id, "unit": component.unit.id,
                        "quantity": tree.Uom.round(quantity, component.unit.rounding),
                        "fixed": fixed, "component": component.id})
            else:
                for component, quantity, _ in tree.scaled(product, line.quantity, line.unit):
                    children.append({
                        Line._parent_field: getattr(line, Line._parent_field).id, "component_parent": line.id,
                        "product": component.product.id, "unit": component.unit.id, "quantity": quantity,
                        "sequence": line.sequence})
        LineComponent._create(components)
        lines = Line._create(children)   # priced from their own products; exploded in turn
        made = made or bool(components or children)
    return made


def _resequence(Line, orders):
    """Number the lines so that each child line comes right after its parent."""
    parent_field = Line._parent_field
    lines = Line.search([(parent_field, "in", [o.id for o in orders])])
    children = {}
    for line in lines:
        if line.component_parent is not None:
            children.setdefault(line.component_parent.id, []).append(line)
    rows = []

    def place(line, position):
        rows.append({"id": line.id, "sequence": position})
        for child in children.get(line.id, ()):
            position = place(child, position + 1)
        return position

    for order_id in sorted({getattr(line, parent_field).id for line in lines}):
        position = 0
        for line in lines:
            if getattr(line, parent_field).id == order_id and line.component_parent is None:
                position = place(line, position + 1)
    Line._write_each(rows)


def remove(env, line_model, component_model, orders):
    """Delete every line component and child line quoting made for ``orders``."""
    Line = env[line_model]
    order_ids = [o.id for o in orders]
    LineComponent = env[component_model]
    LineComponent._delete(LineComponent.search([(f"line.{Line._parent_field}", "in", order_ids)]))
    Line._delete(Line.search([(Line._parent_field, "in", order_ids), ("component_parent", "!=", None)]))
