"""Sale lines below the product's minimum, or not a multiple of it, are refused."""
import math

from core import errors, hookimpl


def in_product_unit(line):
    """The line's quantity in its product's unit."""
    Uom = line.env["product.uom"]
    return Uom.compute_quantity(line.unit, line.quantity, line.product.default_uom, round=False)


class SaleLine:
    _name = "sale.line"

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        for line in lines:
            # Lines product_kit creates when quoting (component_parent set) follow their parent.
            if "component_parent" in cls.fields and line.component_parent is not None:
                continue
            minimum = line.product.sale_minimum
            if minimum and in_product_unit(line) < minimum:
                raise errors.ValidationError(
                    f"{line.rec_name} of {line.sale.rec_name}: {line.product.name} is sold by "
                    f"at least {minimum:g} {line.product.default_uom.symbol}",
                    {"quantity": [f"At least {minimum:g}."]}, line.rec_name)


@hookimpl
def sale_before_quote(env, sales):
    """Quotations hold whole multiples; drafts may not yet."""
    lines = env["sale.line"].search([("sale", "in", [sale.id for sale in sales])])
    for line in lines:
        multiple = line.product.sale_multiple
        if multiple:
            ratio = in_product_unit(line) / multiple
            if not math.isclose(ratio, round(ratio), abs_tol=1e-9):
                raise errors.UserError(
                    f"cannot quote {line.sale.rec_name}: {line.product.name} is sold by multiples of "
                    f"{multiple:g} {line.product.default_uom.symbol}, and line {line.id} holds {line.quantity:g}")
