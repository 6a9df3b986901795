"""Amending a confirmed purchase: its lines' quantities and prices, lines added and removed (§14)."""
from core import Model, fields
from modules.product.amendment import STATES, Amendment, AmendmentLine, line_fields


class PurchaseAmendment(Amendment, Model):
    """Changes to a confirmed or processing purchase, applied together by ``validate``."""

    _name = "purchase.amendment"
    _order = (("id", "ASC"),)
    _order_field = "purchase"

    purchase = fields.Many2One("purchase.purchase", "Purchase", required=True, ondelete="cascade")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    lines = fields.One2Many("purchase.amendment.line", "amendment", "Lines")


class PurchaseAmendmentLine(AmendmentLine, Model):
    """One change: a line's quantity or unit price, a line added, a line removed."""

    _name = "purchase.amendment.line"
    _order = (("amendment", "ASC"), ("id", "ASC"))


for _name, _field in line_fields("purchase.amendment", "purchase.line").items():
    setattr(PurchaseAmendmentLine, _name, _field)
del _name, _field
