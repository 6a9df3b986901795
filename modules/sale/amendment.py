"""Amending a confirmed sale: its lines' quantities and prices, lines added and removed (§14)."""
from core import Model, fields
from modules.product.amendment import STATES, Amendment, AmendmentLine, line_fields


class SaleAmendment(Amendment, Model):
    """Changes to a confirmed or processing sale, applied together by ``validate``."""

    _name = "sale.amendment"
    _order = (("id", "ASC"),)
    _order_field = "sale"

    sale = fields.Many2One("sale.sale", "Sale", required=True, ondelete="cascade")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    lines = fields.One2Many("sale.amendment.line", "amendment", "Lines")


class SaleAmendmentLine(AmendmentLine, Model):
    """One change: a line's quantity or unit price, a line added, a line removed."""

    _name = "sale.amendment.line"
    _order = (("amendment", "ASC"), ("id", "ASC"))


for _name, _field in line_fields("sale.amendment", "sale.line").items():
    setattr(SaleAmendmentLine, _name, _field)
del _name, _field
