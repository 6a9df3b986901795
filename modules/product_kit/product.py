import collections

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_

from . import cost

KINDS = [("normal", "Normal"), ("variant", "Variant"), ("option", "Option")]
COMPONENT_LINES = [("regenerated", "Regenerated"), ("independent", "Independent")]
KIT_PRICING = [("parent", "Parent"), ("components", "Components")]


class Product:
    _name = "product.product"

    type = fields.Selection.extend([("kit", "Kit")])
    components = fields.One2Many("product.component", "parent_product", "Components",
                                 help="What one unit of this product is made of.")
    component_lines = fields.Selection(
        COMPONENT_LINES, "Component lines", required=True, default="regenerated",
        help="For a product with components that is not a kit: 'regenerated' child lines are made on quote and "
             "deleted on reset to draft; 'independent' ones are made once, then edited like any line, and a "
             "change of quantity or a deletion of their parent line asks whether to pass it on.")
    kit_pricing = fields.Selection(
        KIT_PRICING, "Kit pricing", required=True, default="parent",
        help="For a kit: 'parent' prices the kit line as the kit (spread over its components by list price); "
             "'components' prices it, on quote, as the sum of its chosen components' searched prices times "
             "their quantity per kit.")

    @classmethod
    def validate(cls, products):
        super().validate(products)
        cls._check_component_units(products)
        kits = [p for p in products if p.type == "kit"]
        if kits:
            filled = {c.parent_product.id for c in cls.env["product.component"].search(
                [("parent_product", "in", [k.id for k in kits])])}
            for kit in kits:
                if kit.id not in filled:
                    raise errors.ValidationError(
                        f"{kit.rec_name}: a kit needs at least one component",
                        {"components": ["A kit needs at least one component."]}, kit.rec_name)


    @classmethod
    def cost_prices_changed(cls, products):
        """A kit costs what its components cost: the kits above ``products`` follow (see :mod:`.cost`)."""
        super().cost_prices_changed(products)
        cost.refresh(cls.env, [p.id for p in products])

    @classmethod
    def _check_component_units(cls, products):
        """A product whose unit changes category cannot stay a component counted in the old one."""
        categories = {p.id: p.default_uom.category for p in products if p.default_uom is not None}
        if not categories:
            return
        for component in cls.env["product.component"].search([("product", "in", sorted(categories))]):
            category = categories[component.product.id]
            if component.unit.category.id != category.id:
                where = f"{component.product.rec_name}"
                raise errors.ValidationError(
                    f"{where}: its unit must measure {component.unit.category.name}, as it is a component of "
                    f"{component.parent_product.rec_name} counted in {component.unit.name}; change that "
                    f"component first", {"default_uom": [f"Must be a unit of {component.unit.category.name}."]},
                    where)


class Component(Model):
    """A quantity of a product that goes into one unit of its parent product.

    ``quantity`` is in ``unit`` for one ``parent_product`` in its default
    unit, or, when ``fixed``, for a whole order line whatever its quantity.
    """

    _name = "product.component"
    _completed = frozenset({"unit"})   # the component product's unit when left out
    _order = (("parent_product", "ASC"), ("id", "ASC"))

    parent_product = fields.Many2One("product.product", "Parent product", required=True, ondelete="cascade")
    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    fixed = fields.Boolean("Fixed", help="The quantity does not grow with the quantity ordered.")
    bom = fields.Char("Commercial BOM", size=32,
                      help="The code of the commercial alternative this component belongs to; components with "
                           "the same code form one list, chosen on the order line. Empty: the product has one list.")
    kind = fields.Selection(KINDS, "Kind", required=True, default="normal",
                            help="'normal': always there; 'variant': one of its group is chosen on the order line; "
                                 "'option': accepted or refused on the order line.")
    group = fields.Char("Group", size=64,
                        help="Variants of one group are alternatives of which exactly one is chosen; options of "
                             "one group form one level where any of them may be accepted.")

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        unitless = [v for v in vlist if v.get("unit") is None and v.get("product") is not None]
        if unitless:
            products = cls.env["product.product"].browse([v["product"] for v in unitless])
            units = {id(v): p.default_uom.id for v, p in zip(unitless, products)}
            vlist = [{**v, "unit": units[id(v)]} if id(v) in units else v for v in vlist]
        return vlist

    # -- the kits above follow their components' costs (see .cost) ------------------------
    @classmethod
    def _create(cls, vlist):
        components = super()._create(vlist)
        cost.refresh(cls.env, {c.parent_product.id for c in components})
        return components

    @classmethod
    def _write(cls, components, values):
        parents = {c.parent_product.id for c in components}
        super()._write(components, values)
        cost.refresh(cls.env, parents | {c.parent_product.id for c in components})

    @classmethod
    def _delete(cls, components):
        parents = {c.parent_product.id for c in components}
        super()._delete(components)
        cost.refresh(cls.env, parents)

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
            for name in ("bom", "group"):
                code = getattr(component, name)
                if code is not None and (not code.strip() or code != code.strip()):
                    raise errors.ValidationError(
                        f"{where}: {name} {code!r} is blank or has spaces around it; give a code without them "
                        f"(or none)", {name: ["Must not be blank or have spaces around it."]}, where)
            if component.kind != "normal" and not component.group:
                article = "an" if component.kind == "option" else "a"
                raise errors.ValidationError(
                    f"{where}: {article} {component.kind} needs a group (the choice it belongs to)",
                    {"group": [f"Required for {article} {component.kind}."]}, where)
            if component.kind == "normal" and component.group:
                raise errors.ValidationError(
                    f"{where}: only variants and options belong to a group (group {component.group!r})",
                    {"group": ["Only for a variant or an option."]}, where)
        cls._check_structure({c.parent_product.id for c in components})
        cls._check_cycles(components)

    @classmethod
    def _check_structure(cls, parent_ids):
        """The rules over all the components of each product: alternatives and groups (one query per batch).

        Every component of a product belongs to an alternative (a ``bom``
        code) or none does; a group holds variants or options, not both; a
        variant group offers at least two variants.
        """
        table, env = cls.table, cls.env
        of = collections.defaultdict(list)
        for batch in batches(env, sorted(parent_ids)):
            for row in env.execute(sa.select(table.c.parent_product, table.c.product, table.c.bom, table.c.kind,
                                             table.c.group).where(in_(table.c.parent_product, batch))):
                of[row.parent_product].append(row)
        if not of:
            return
        Product = env["product.product"]
        names = {p.id: p.rec_name for p in Product.browse(
            set(of) | {row.product for rows in of.values() for row in rows})}
        for parent, rows in of.items():
            codes = {row.bom for row in rows}
            if None in codes and len(codes) > 1:
                loose = ", ".join(names[row.product] for row in rows if row.bom is None)
                raise errors.ValidationError(
                    f"{names[parent]}: its components are in commercial alternatives "
                    f"({', '.join(sorted(c for c in codes if c))}), so each must be in one; {loose} has no bom code",
                    {"bom": ["Every component of a product with alternatives belongs to one."]}, names[parent])
            groups = collections.defaultdict(list)
            for row in rows:
                if row.kind != "normal":
                    groups[(row.bom, row.group)].append(row)
            for (bom, group), members in groups.items():
                where = f"{names[parent]}" + (f", alternative {bom}" if bom else "") + f", group {group!r}"
                if len({row.kind for row in members}) > 1:
                    raise errors.ValidationError(
                        f"{where}: a group holds variants or options, not both",
                        {"kind": ["Variants and options cannot share a group."]}, where)
                if members[0].kind == "variant" and len(members) < 2:
                    raise errors.ValidationError(
                        f"{where}: a variant group needs at least two variants to choose from "
                        f"(only {names[members[0].product]}); create them together",
                        {"kind": ["A variant group needs at least two variants."]}, where)

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
        cls._check_structure({p.id for p in parents})


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

