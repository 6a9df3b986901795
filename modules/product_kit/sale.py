"""product_kit with sale: sale lines explode into components when quoted."""
from core import Model, fields, hookimpl

from . import line


class SaleLine(line.KitLine):
    _name = "sale.line"


for _name, _field in line.line_fields("sale.line").items():
    setattr(SaleLine, _name, _field)
del _name, _field


class Sale(line.KitOrder):
    _name = "sale.sale"
    _line_model = "sale.line"


class SaleLineComponent(line.LineComponent, Model):
    """The quantity of a component shipped in place of a kit sold."""

    _name = "sale.line.component"

    line = fields.Many2One("sale.line", "Line", required=True, ondelete="cascade")


class Product:
    """Products exploded on sale lines: their unit keeps its category while line components count them."""

    _name = "product.product"

    @classmethod
    def check_unit_category_change(cls, products):
        super().check_unit_category_change(products)
        cls.env["sale.line.component"].refuse_unit_category_change(products)


@hookimpl
def sale_quote(env, sales):
    line.explode(env, "sale.line", "sale.line.component", sales)


@hookimpl
def sale_draft(env, sales):
    line.remove(env, "sale.line", "sale.line.component", sales)
