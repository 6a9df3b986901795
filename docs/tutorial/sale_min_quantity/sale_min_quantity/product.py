"""The quantities a product is sold by."""
from core import errors, fields


class Product:
    """Extension of product.product: a plain class with the model's name."""

    _name = "product.product"

    sale_minimum = fields.Float("Minimum sale quantity", help="In the product's unit; empty: no minimum.")
    sale_multiple = fields.Float("Sale multiple", help="Quantities sold are multiples of it, in the product's unit.")

    @classmethod
    def validate(cls, products):
        super().validate(products)          # the rules of the other modules first
        for product in products:
            if product.sale_multiple is not None and product.sale_multiple <= 0:
                raise errors.ValidationError(
                    f"{product.rec_name}: the sale multiple must be greater than zero",
                    {"sale_multiple": ["Must be greater than zero."]}, product.rec_name)
