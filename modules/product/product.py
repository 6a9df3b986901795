from core import Model, errors, fields


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

    @classmethod
    def validate(cls, records):
        super().validate(records)
        for product in records:
            for name in ("list_price", "cost_price"):
                if (getattr(product, name) or 0) < 0:
                    raise errors.ValidationError(
                        f"{product.rec_name}: {name} cannot be negative",
                        {name: ["Cannot be negative."]}, product.rec_name)
