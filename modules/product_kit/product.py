import sqlalchemy as sa

from core import Model, errors, fields


class Product:
    _name = "product.product"

    type = fields.Selection.extend([("kit", "Kit")])
    components = fields.One2Many("product.component", "parent_product", "Components",
                                 help="What one unit of this product is made of.")

    @classmethod
    def validate(cls, products):
        super().validate(products)
        kits = [p for p in products if p.type == "kit"]
        if kits:
            filled = {c.parent_product.id for c in cls.env["product.component"].search(
                [("parent_product", "in", [k.id for k in kits])])}
            for kit in kits:
                if kit.id not in filled:
                    raise errors.ValidationError(
                        f"{kit.rec_name}: a kit needs at least one component",
                        {"components": ["A kit needs at least one component."]}, kit.rec_name)


class Component(Model):
    """A quantity of a product that goes into one unit of its parent product.

    ``quantity`` is in ``unit`` for one ``parent_product`` in its default
    unit, or, when ``fixed``, for a whole order line whatever its quantity.
    """

    _name = "product.component"
    _order = (("parent_product", "ASC"), ("id", "ASC"))

    parent_product = fields.Many2One("product.product", "Parent product", required=True, ondelete="cascade")
    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    fixed = fields.Boolean("Fixed", help="The quantity does not grow with the quantity ordered.")

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        unitless = [v for v in vlist if v.get("unit") is None and v.get("product") is not None]
        if unitless:
            products = cls.env["product.product"].browse([v["product"] for v in unitless])
            units = {id(v): p.default_uom.id for v, p in zip(unitless, products)}
            vlist = [{**v, "unit": units[id(v)]} if id(v) in units else v for v in vlist]
        return vlist

    @classmethod
    def validate(cls, components):
        super().validate(components)
        for component in components:
            where = f"{component.rec_name} of {component.parent_product.rec_name}"
            if component.quantity <= 0:
                raise errors.ValidationError(f"{where}: quantity must be greater than zero",
                                             {"quantity": ["Must be greater than zero."]}, where)
            category = component.product.default_uom.category
            if component.unit.category.id != category.id:
                raise errors.ValidationError(
                    f"{where}: unit {component.unit.name} does not measure {component.product.name} "
                    f"(counted in {category.name})", {"unit": [f"Must be a unit of {category.name}."]}, where)
        cls._check_cycles(components)

    @classmethod
    def _check_cycles(cls, components):
        """Refuse a product containing itself, directly or through nested kits (one query)."""
        table = cls.table
        edges = {}
        for parent, child in cls.env.execute(sa.select(table.c.parent_product, table.c.product)):
            edges.setdefault(parent, set()).add(child)
        for component in components:
            path = _path(edges, component.product.id, component.parent_product.id)
            if path is not None:
                products = {p.id: p.name for p in cls.env["product.product"].browse(set(path))}
                cycle = [component.parent_product.id] + path
                raise errors.ValidationError(
                    "a product cannot contain itself: " + " -> ".join(products[i] for i in cycle),
                    {"product": ["Makes the product contain itself."]}, component.rec_name)

    @classmethod
    def delete(cls, components):
        parents = list({c.parent_product for c in components})
        super().delete(components)
        cls.env["product.product"].validate(cls.env["product.product"].browse(parents))


def _path(edges, start, goal):
    """A path of product ids from ``start`` to ``goal`` along component edges, or None."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((child, path + [child]) for child in edges.get(node, ()))
    return None

