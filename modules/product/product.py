from decimal import Decimal

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_


COST = Decimal("0.0001")   # cost_price's digits


class Product(Model):
    """Something Kitwork buys, sells or stocks.

    ``type`` is a selection other modules extend (product_kit adds ``kit``).
    """

    _name = "product.product"
    _order = (("name", "ASC"),)

    code = fields.Char("Code", size=64, unique=True, help="Unique when set.")
    name = fields.Char("Name", required=True, size=256)
    type = fields.Selection([("goods", "Goods"), ("service", "Service")], "Type",
                            required=True, default="goods")
    default_uom = fields.Many2One("product.uom", "Default unit", required=True)
    list_price = fields.Numeric("List price", digits=4, required=True, default=0)
    cost_price = fields.Numeric("Cost price", digits=4, help="Empty: the cost is unknown (not zero).")
    active = fields.Boolean("Active", default=True)
    category = fields.Many2One("product.category", "Category", ondelete="set null",
                               help="Its family: price lists may price a whole category and its subcategories.")

    @classmethod
    def validate(cls, records):
        super().validate(records)
        for product in records:
            for name in ("list_price", "cost_price"):
                if (getattr(product, name) or 0) < 0:
                    raise errors.ValidationError(
                        f"{product.rec_name}: {name} cannot be negative",
                        {name: ["Cannot be negative."]}, product.rec_name)

    @classmethod
    def _write(cls, records, values):
        """A product whose default unit moves to another category is checked by every module counting it.

        Quantities recorded in the old category (an order line in units, a
        rule's minimum) cannot be converted into the new one, so each module
        owning such records refuses the change in
        :meth:`check_unit_category_change`.  A unit of the same category
        converts, and stays allowed.
        """
        if "default_uom" not in values:
            super()._write(records, values)
        else:
            before = unit_categories(cls.env, records)
            super()._write(records, values)
            after = unit_categories(cls.env, records)
            moved = [product for product in records if before.get(product.id) != after.get(product.id)]
            if moved:
                cls.check_unit_category_change(moved)
        if {"cost_price", "default_uom", "type"} & set(values):
            cls.cost_prices_changed(records)

    @classmethod
    def set_cost_prices(cls, costs):
        """Set many products' cost prices at once: ``{product id: Decimal, or None for unknown}``.

        One statement, whatever the number of products (an average cost
        updated by a batch of receipts); what depends on the costs follows
        (:meth:`cost_prices_changed`).
        """
        if not costs:
            return
        cls.write_rows([{"id": id_, "cost_price": None if cost is None else Decimal(cost).quantize(COST)}
                        for id_, cost in costs.items()])
        cls.cost_prices_changed(cls.browse(list(costs)))

    @classmethod
    def cost_prices_changed(cls, products):
        """``products``' cost prices changed, or the unit or type they are counted in: what depends on them follows.

        Called after a write of ``cost_price``, ``default_uom`` or ``type``
        and by :meth:`set_cost_prices`.  A module whose records derive a cost
        from products' costs overrides it and calls ``super()``
        (product_kit: a kit costs what its components cost).
        """

    @classmethod
    def check_unit_category_change(cls, products):
        """Refuse ``products``, whose default unit now measures another category, if something counts them.

        Called after the write, inside its savepoint: raising undoes it.  A
        module whose records hold quantities of products overrides it,
        calls ``super()`` and refuses for its own records (see
        :func:`refuse_unit_category_change`), so this module needs to know
        none of them.
        """


def unit_categories(env, products):
    """``{product id: unit category id}`` of ``products`` (one query per batch)."""
    product, uom = env["product.product"].table, env["product.uom"].table
    categories = {}
    for batch in batches(env, [p.id for p in products]):
        categories.update(env.execute(
            sa.select(product.c.id, uom.c.category).select_from(product.join(uom, uom.c.id == product.c.default_uom))
            .where(in_(product.c.id, batch))).all())
    return categories


def refuse_unit_category_change(Model, products, product_field="product", unit_field="unit", describe=None):
    """Refuse ``products``' new unit category if a record of ``Model`` counts one of them (a query per batch).

    ``Model``'s records point to a product through ``product_field`` and
    give their quantities in ``unit_field`` (None: in the product's own
    unit, as a reordering rule's minimum).  The error names the product, its
    new unit and the first such record, ``describe(record)`` naming it
    (default: its ``rec_name``).
    """
    env, table = Model.env, Model.table
    column = table.c[product_field]
    for batch in batches(env, sorted({p.id for p in products})):
        found = env.execute(sa.select(table.c.id, column).where(in_(column, batch))
                            .order_by(table.c.id).limit(1)).first()
        if found is None:
            continue
        record, = Model.browse([found[0]])
        product, = env["product.product"].browse([found[1]])
        counted = (f"counts it in {getattr(record, unit_field).name}" if unit_field
                   else "counts it in its former unit")
        where = describe(record) if describe else record.rec_name
        new = product.default_uom
        raise errors.ValidationError(
            f"{product.rec_name}: its default unit cannot become {new.name} ({new.category.name}): {where} "
            f"{counted}, which does not convert into {new.category.name}; a product in use keeps its unit "
            f"category (another unit of that category is fine)",
            {"default_uom": [f"In use: must stay a unit of the category {where} counts it in."]},
            product.rec_name)
