"""product_kit with sale: sale lines explode into components when quoted."""
from core import Model, fields, hookimpl

from . import line


class SaleLine(line.KitLine):
    _name = "sale.line"

    components = fields.One2Many("sale.line.component", "line", "Components", readonly=True)
    component_parent = fields.Many2One("sale.line", "Component of", readonly=True, ondelete="cascade")
    component_children = fields.One2Many("sale.line", "component_parent", "Component lines", readonly=True)


class SaleLineComponent(line.LineComponent, Model):
    """The quantity of a component shipped in place of a kit sold."""

    _name = "sale.line.component"

    line = fields.Many2One("sale.line", "Line", required=True, ondelete="cascade")


@hookimpl
def sale_quote(env, sales):
    line.explode(env, "sale.line", "sale.line.component", sales)


@hookimpl
def sale_draft(env, sales):
    line.remove(env, "sale.line", "sale.line.component", sales)
