from decimal import Decimal

from core import Model, errors, fields

CENT = Decimal("0.01")
# the line models whose taxes make the amounts of a document (order or invoice) with a state
TAXED_LINES = ("sale.line", "purchase.line", "account.invoice.line")


class Account(Model):
    """A nominal code of the chart of accounts: where revenue, expenses and the rest are booked."""

    _name = "account.account"
    _order = (("code", "ASC"),)

    code = fields.Char("Code", required=True, size=32, unique=True, help="The nominal code, e.g. 4000.")
    name = fields.Char("Name", required=True, size=128)
    type = fields.Selection([("revenue", "Revenue"), ("expense", "Expense"), ("other", "Other")], "Type",
                            required=True, default="other")


class Tax(Model):
    """A tax on a line: a percentage of its amount, or a fixed amount per unit.

    ``rate`` is a fraction (0.2 for 20 %), unlike the percentages of
    discounts, which are in percent.
    """

    _name = "account.tax"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128)
    type = fields.Selection([("percentage", "Percentage"), ("fixed", "Fixed")], "Type", required=True,
                            default="percentage")
    rate = fields.Numeric("Rate", digits=6, help="Of a percentage tax: a fraction, 0.2 for 20 %.")
    amount = fields.Numeric("Amount", digits=4, help="Of a fixed tax: the amount per unit of the product.")

    @classmethod
    def validate(cls, taxes):
        super().validate(taxes)
        for tax in taxes:
            name = "rate" if tax.type == "percentage" else "amount"
            value = getattr(tax, name)
            if value is None or value < 0:
                raise errors.ValidationError(
                    f"{tax.rec_name}: a {tax.type} tax needs a {name} of zero or more, not {value}",
                    {name: ["Must be zero or more."]}, tax.rec_name)
            if name == "rate" and value > 1:   # 20 for 20 % is the usual slip: it would charge 2,000 %
                raise errors.ValidationError(
                    f"{tax.rec_name}: the rate is a fraction, 0.2 for 20 %, at most 1 (100 %), not {value}",
                    {name: ["A fraction from 0 to 1."]}, tax.rec_name)

    @classmethod
    def delete(cls, taxes):
        """A tax charged on a line of an order (or invoice) past draft stays: its amounts must not change.

        Products only say which taxes their lines get by default, and draft
        lines can still change: those links go with the tax.
        """
        ids = [tax.id for tax in taxes]
        for name in TAXED_LINES:
            if name not in cls.env:
                continue
            model = cls.env[name]
            parent = model._parent_field
            for field in model.fields.values():
                if isinstance(field, fields.Many2Many) and field.target == cls._name:
                    used = cls.env[name].search([(field.name, "in", ids), (f"{parent}.state", "!=", "draft")],
                                                limit=1)
                    if used:
                        tax = next(t for t in taxes if t in getattr(used[0], field.name))
                        raise errors.ValidationError(
                            f"cannot delete {tax.rec_name}: {used[0].rec_name} of "
                            f"{getattr(used[0], parent).rec_name} is taxed with it and is no longer a draft",
                            {"id": [f"Used by {name}."]}, tax.rec_name)
        super().delete(taxes)

    @staticmethod
    def line_amount(taxes, untaxed, quantity):
        """The tax of a line of ``untaxed`` amount and ``quantity`` units, rounded to the cent.

        ``quantity`` is in the product's unit: a fixed tax is an amount per
        unit of the product, whatever unit the line is in.

        Percentage taxes apply to the untaxed amount, fixed ones per unit;
        none applies to another's result.
        """
        total = Decimal(0)
        for tax in taxes:
            if tax.type == "percentage":
                total += untaxed * tax.rate
            else:
                total += tax.amount * Decimal(repr(quantity))
        return total.quantize(CENT)

    @staticmethod
    def excluded(price, taxes, units=1):
        """A tax-included unit ``price`` without ``taxes``: (price − fixed) / (1 + rates), to 4 digits.

        ``units``: how many units of the product one unit of the price is (12
        for a price per dozen of a product counted in units), since a fixed
        tax is an amount per unit of the product.
        """
        fixed = sum((t.amount for t in taxes if t.type == "fixed"), Decimal(0)) * Decimal(repr(float(units)))
        rates = sum((t.rate for t in taxes if t.type == "percentage"), Decimal(0))
        return ((price - fixed) / (1 + rates)).quantize(Decimal("0.0001"))


class Product:
    _name = "product.product"

    customer_taxes = fields.Many2Many("account.tax", "Customer taxes", help="Charged when it is sold.")
    supplier_taxes = fields.Many2Many("account.tax", "Supplier taxes", help="Charged when it is bought.")
    revenue_account = fields.Many2One("account.account", "Revenue account", ondelete="restrict",
                                      help="The nominal code its sales are booked to (default of sale lines).")
    expense_account = fields.Many2One("account.account", "Expense account", ondelete="restrict",
                                      help="The nominal code its purchases are booked to (default of purchase lines).")
