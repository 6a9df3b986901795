"""Bills of materials: what goes in to make what comes out.

A ``production.bom`` lists its inputs and outputs, each a quantity of a
product in a unit of the product's category.  A product lists the BOMs that
make it (``product.product.boms``, by sequence): the first is the one a
production or a reordering rule takes unless told otherwise.  Nothing can
make itself: an output that is also an input, of the same BOM or through a
chain of BOMs (a table needs legs, legs need a table), is refused.
"""
import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_
from modules.product.product import refuse_unit_category_change


class Bom(Model):
    """A recipe: quantities of inputs consumed to make quantities of outputs."""

    _name = "production.bom"
    _order = (("name", "ASC"), ("id", "ASC"))

    name = fields.Char("Name", required=True, size=128)
    inputs = fields.One2Many("production.bom.input", "bom", "Inputs")
    outputs = fields.One2Many("production.bom.output", "bom", "Outputs")

    @classmethod
    def validate(cls, boms):
        """A BOM makes something, and nothing it makes is needed, directly or not, to make it."""
        super().validate(boms)
        for bom in boms:
            if not bom.outputs:
                raise errors.ValidationError(f"{bom.rec_name}: a bill of materials needs at least one output",
                                             {"outputs": ["At least one output."]}, bom.rec_name)
        check_cycles(cls.env, boms)

    def output_quantity(self, product):
        """How much of ``product`` one run of the BOM makes, in the product's unit (0.0 if it makes none)."""
        Uom = self.env["product.uom"]
        return sum(Uom.compute_quantity(o.unit, o.quantity, o.product.default_uom, round=False)
                   for o in self.outputs if o.product == product)


class _BomLine:
    """What inputs and outputs share: a product, a quantity above zero, a unit of the product's category."""

    _order = (("bom", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")

    @classmethod
    def _complete(cls, vlist):
        """A line without a unit is in its product's unit (one query per batch)."""
        vlist = super()._complete(vlist)
        wanted = sorted({getattr(v["product"], "id", v["product"]) for v in vlist
                         if v.get("unit") is None and v.get("product") is not None})
        if not wanted:
            return vlist
        product = cls.env["product.product"].table
        units = {}
        for batch in batches(cls.env, wanted):
            units.update(cls.env.execute(sa.select(product.c.id, product.c.default_uom)
                                         .where(in_(product.c.id, batch))).all())
        return [{**v, "unit": units.get(getattr(v.get("product"), "id", v.get("product")))}
                if v.get("unit") is None else v for v in vlist]

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        for line in lines:
            where = f"{line.rec_name} ({line.product.name}) of {line.bom.rec_name}"
            if not line.quantity > 0:
                raise errors.ValidationError(f"{where}: quantity must be greater than zero, not {line.quantity:g}",
                                             {"quantity": ["Must be greater than zero."]}, where)
            if line.unit.category != line.product.default_uom.category:
                raise errors.ValidationError(
                    f"{where}: unit {line.unit.name} does not measure {line.product.name} (a unit of "
                    f"{line.product.default_uom.category.name} is needed)",
                    {"unit": [f"Must be a unit of {line.product.default_uom.category.name}."]}, where)
        check_cycles(cls.env, sorted({line.bom for line in lines}, key=lambda b: b.id))   # a line added or changed



class BomInput(_BomLine, Model):
    """What one run of a BOM consumes."""

    _name = "production.bom.input"

    bom = fields.Many2One("production.bom", "Bill of materials", required=True, ondelete="cascade")


class BomOutput(_BomLine, Model):
    """What one run of a BOM makes."""

    _name = "production.bom.output"

    bom = fields.Many2One("production.bom", "Bill of materials", required=True, ondelete="cascade")

    @classmethod
    def _delete(cls, outputs):
        """A BOM keeps at least one output: deleting its last one is refused."""
        boms = sorted({output.bom for output in outputs}, key=lambda b: b.id)
        super()._delete(outputs)
        cls.env["production.bom"].validate(boms)


class ProductBom(Model):
    """A BOM making a product, in the product's order of preference (the first is its default)."""

    _name = "production.product_bom"
    _order = (("product", "ASC"), ("sequence", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True, ondelete="cascade")
    bom = fields.Many2One("production.bom", "Bill of materials", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", required=True, default=0, help="The lowest comes first.")

    @classmethod
    def validate(cls, links):
        super().validate(links)
        for link in links:
            if not link.bom.output_quantity(link.product) > 0:
                where = f"{link.product.rec_name}: bill of materials {link.bom.rec_name}"
                raise errors.ValidationError(f"{where} does not make {link.product.name} (not among its outputs)",
                                             {"bom": [f"Must have {link.product.name} among its outputs."]}, where)


class Product:
    _name = "product.product"

    boms = fields.One2Many("production.product_bom", "product", "Bills of materials",
                           help="The BOMs that make the product; the first is the default.")
    production_lead_time = fields.Integer(
        "Production lead time (days)", required=True, default=0, min=0, max=3650,
        help="How long making it takes: a production starts that many days before its output is due.")

    @property
    def first_bom(self):
        """The default bill of materials: the first of ``boms``, or None."""
        return self.boms[0].bom if self.boms else None

    @classmethod
    def check_unit_category_change(cls, products):
        """BOM lines count products in units of their category: it stays while a line counts them."""
        super().check_unit_category_change(products)
        for model in ("production.bom.input", "production.bom.output", "production.production"):
            refuse_unit_category_change(cls.env[model], products)


def first_boms(env, products):
    """``{product id: the id of its first BOM}`` of the ``products`` that have one (one query per batch)."""
    links = env["production.product_bom"].table
    result = {}
    for batch in batches(env, sorted(products)):
        for product, bom in env.execute(sa.select(links.c.product, links.c.bom).where(in_(links.c.product, batch))
                                        .order_by(links.c.product, links.c.sequence.desc(), links.c.id.desc())):
            result[product] = bom   # the last row of a product is its first BOM
    return result


def line_quantities(env, model, boms):
    """``{bom: {product: quantity in the product's unit}}`` of the BOMs' lines of ``model`` (one query per batch)."""
    lines, product = env[model].table, env["product.product"].table
    unit, product_unit = env["product.uom"].table.alias("line_unit"), env["product.uom"].table.alias("product_unit")
    quantity = lines.c.quantity * unit.c.factor / product_unit.c.factor
    result = {}
    for batch in batches(env, sorted(boms)):
        query = (sa.select(lines.c.bom, lines.c.product, sa.func.sum(quantity))
                 .join_from(lines, unit, unit.c.id == lines.c.unit)
                 .join(product, product.c.id == lines.c.product)
                 .join(product_unit, product_unit.c.id == product.c.default_uom)
                 .where(in_(lines.c.bom, batch)).group_by(lines.c.bom, lines.c.product))
        for bom, product_id, total in env.execute(query):
            result.setdefault(bom, {})[product_id] = total or 0.0
    return result


def check_cycles(env, boms):
    """Refuse ``boms`` if one makes something needed, directly or through other BOMs, to make itself.

    The edges output → input of every BOM are read in one query; the walk
    starts from the outputs of ``boms`` only.
    """
    if not boms:
        return
    inputs, outputs = env["production.bom.input"].table, env["production.bom.output"].table
    pairs = env.execute(sa.select(outputs.c.product, inputs.c.product, outputs.c.bom)
                        .join_from(outputs, inputs, inputs.c.bom == outputs.c.bom).distinct()).all()
    needs, by_bom = {}, {}
    for made, needed, bom in pairs:
        needs.setdefault(made, set()).add(needed)
        by_bom.setdefault(bom, set()).add(made)
    for bom in boms:
        for start in sorted(by_bom.get(bom.id, ())):
            path = _path_back(needs, start)
            if path:
                names = {p.id: p.name for p in env["product.product"].browse(sorted(set(path)))}
                chain = " -> ".join(names[p] for p in path)
                raise errors.ValidationError(
                    f"{bom.rec_name}: {names[start]} would be needed to make itself ({chain}): an output cannot "
                    f"be an input, in this BOM or through the BOMs of its inputs",
                    {"inputs": [f"{names[start]} is needed to make itself."]}, bom.rec_name)


def _path_back(needs, start):
    """The chain of products from ``start`` back to ``start`` through ``needs``, or None (depth first)."""
    stack, seen = [(start, [start])], set()
    while stack:
        node, path = stack.pop()
        for needed in sorted(needs.get(node, ())):
            if needed == start:
                return path + [start]
            if needed not in seen:
                seen.add(needed)
                stack.append((needed, path + [needed]))
    return None
