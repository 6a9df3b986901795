"""Sales and purchases with taxes: lines taxed by default as their product, orders with totals."""
from decimal import Decimal

from core import fields


class TaxedLine:
    """Extension mixin of an order line: its taxes and account, default the product's, and its tax amount.

    ``_product_taxes`` names the product's Many2Many the line's taxes default to, ``_product_account``
    the product's Many2One its account (nominal code) defaults to.
    """

    _product_taxes = None
    _product_account = None

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        wanted = [v for v in vlist if ("taxes" not in v or v.get("account") is None) and v.get("product") is not None]
        if not wanted:
            return vlist
        products = cls.env["product.product"].browse([getattr(v["product"], "id", v["product"]) for v in wanted])
        completed = {}
        for values, product in zip(wanted, products):
            line = dict(values)
            if "taxes" not in line:
                line["taxes"] = [t.id for t in getattr(product, cls._product_taxes)]
            if line.get("account") is None:
                account = getattr(product, cls._product_account)
                line["account"] = account.id if account is not None else None
            completed[id(values)] = line
        return [completed.get(id(values), values) for values in vlist]

    @classmethod
    def get_tax_amount(cls, lines, name):
        """Fixed taxes count the line's quantity in its product's unit (a dozen pays twelve times)."""
        Tax = cls.env["account.tax"]
        return {line.id: Tax.line_amount(line.taxes, line.amount, cls._product_quantity(line)) for line in lines}

    @classmethod
    def _product_quantity(cls, line):
        return product_quantity(line)


def product_quantity(line):
    """The quantity of a line (order or invoice) in its product's unit: what fixed taxes count.

    As it is when there is no product or no unit to convert.
    """
    quantity, unit, product = line.quantity, line.unit, line.product
    if quantity is None or unit is None or product is None or unit.id == product.default_uom.id \
            or unit.category.id != product.default_uom.category.id:
        return quantity
    return type(line).env["product.uom"].compute_quantity(unit, quantity, product.default_uom, round=False)


class TaxedOrder:
    """Extension mixin of an order: tax and total amounts, sums of the lines' rounded amounts."""

    @classmethod
    def get_amounts(cls, orders, name):
        """``tax_amount`` or ``total_amount`` of each order: sums of its lines' rounded amounts."""
        line_field = cls.fields["lines"]
        lines = cls.env[line_field.target].search([(line_field.field, "in", [o.id for o in orders])])
        result = {o.id: Decimal(0) for o in orders}
        for line in lines:
            result[getattr(line, line_field.field).id] += line.tax_amount + (
                line.amount if name == "total_amount" else 0)
        return result


def taxes_field(help):
    return fields.Many2Many("account.tax", "Taxes", help=help)


def account_field(default):
    return fields.Many2One("account.account", "Account", ondelete="restrict",
                           help=f"The nominal code the line is booked to; default: the product's {default}.")


def line_tax_field():
    return fields.Function(fields.Numeric("Tax amount", digits=2), "get_tax_amount")


def order_amount_fields():
    return (fields.Function(fields.Numeric("Tax amount", digits=2), "get_amounts"),
            fields.Function(fields.Numeric("Total amount", digits=2, help="Untaxed amount + tax amount."),
                            "get_amounts"))


class SaleLine(TaxedLine):
    _name = "sale.line"
    _product_taxes, _product_account = "customer_taxes", "revenue_account"

    taxes = taxes_field("Default: the product's customer taxes.")
    account = account_field("revenue account")
    tax_amount = line_tax_field()


class Sale(TaxedOrder):
    _name = "sale.sale"

    tax_amount, total_amount = order_amount_fields()


class PurchaseLine(TaxedLine):
    _name = "purchase.line"
    _product_taxes, _product_account = "supplier_taxes", "expense_account"

    taxes = taxes_field("Default: the product's supplier taxes.")
    account = account_field("expense account")
    tax_amount = line_tax_field()


class Purchase(TaxedOrder):
    _name = "purchase.purchase"

    tax_amount, total_amount = order_amount_fields()
