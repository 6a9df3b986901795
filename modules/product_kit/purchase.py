"""product_kit with purchase: purchase lines explode into components when quoted."""
from core import Model, fields, hookimpl

from . import line


class PurchaseLine(line.KitLine):
    _name = "purchase.line"

    @classmethod
    def price_kits(cls, kits):
        """Kit lines priced by hand keep their price, as sale lines do; the others get reason ``kit components``."""
        manual = {purchase_line.id for purchase_line in cls.browse(list(kits))
                  if purchase_line.price_reason == "manual"}
        priced = super().price_kits({line_id: wanted for line_id, wanted in kits.items() if line_id not in manual})
        cls.write_rows([{"id": line_id, "price_reason": line.KIT_PRICE_REASON} for line_id in priced])
        return priced


for _name, _field in line.line_fields("purchase.line").items():
    setattr(PurchaseLine, _name, _field)
del _name, _field


class Purchase(line.KitOrder):
    _name = "purchase.purchase"
    _line_model = "purchase.line"


class PurchaseLineComponent(line.LineComponent, Model):
    """The quantity of a component received in place of a kit bought."""

    _name = "purchase.line.component"

    line = fields.Many2One("purchase.line", "Line", required=True, ondelete="cascade")


class Product:
    """Products exploded on purchase lines: their unit keeps its category while line components count them."""

    _name = "product.product"

    @classmethod
    def check_unit_category_change(cls, products):
        super().check_unit_category_change(products)
        cls.env["purchase.line.component"].refuse_unit_category_change(products)


@hookimpl
def purchase_quote(env, purchases):
    line.explode(env, "purchase.line", "purchase.line.component", purchases)


@hookimpl
def purchase_draft(env, purchases):
    line.remove(env, "purchase.line", "purchase.line.component", purchases)
