import datetime
from decimal import Decimal

from core import Model, fields
from modules.product.order import INVOICE_METHODS, STATES, Order, OrderLine


class Purchase(Order, Model):
    """An order to a supplier: quoted, confirmed, then processed until done."""

    _name = "purchase.purchase"
    _order = (("purchase_date", "DESC"), ("id", "DESC"))
    _hook_prefix, _hook_argument, _number_prefix = "purchase", "purchases", "P"

    number = fields.Char("Number", size=32, readonly=True, unique=True,
                         help="Given when the purchase is first quoted, and kept.")
    party = fields.Many2One("party.party", "Supplier", required=True)
    purchase_date = fields.Date("Purchase date", required=True, default=datetime.date.today)
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    invoice_method = fields.Selection(INVOICE_METHODS, "Invoice method", required=True, default="order")
    lines = fields.One2Many("purchase.line", "purchase", "Lines")
    untaxed_amount = fields.Function(fields.Numeric("Untaxed amount", digits=2), "get_untaxed_amount")


class PurchaseLine(OrderLine, Model):
    """What is ordered from the supplier, priced and dated from the product's suppliers."""

    _name = "purchase.line"
    _order = (("sequence", "ASC"), ("id", "ASC"))
    _parent_field = "purchase"

    purchase = fields.Many2One("purchase.purchase", "Purchase", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10)
    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    unit_price = fields.Numeric("Unit price", digits=4, required=True,
                                help="Default: the supplier's price, else the cost price, in the line's unit.")
    amount = fields.Function(fields.Numeric("Amount", digits=2), "get_amount")
    delivery_date = fields.Date("Delivery date", help="Expected receipt; default: purchase date + lead time.")
    origin = fields.Reference("Origin", help="What asked for this line: a sale line, a reorder rule, …")

    @classmethod
    def _suppliers(cls, products, purchase_ids):
        purchases = {p.id: p for p in cls.env["purchase.purchase"].browse(set(purchase_ids))}
        parties = [purchases[i].party for i in purchase_ids]
        return purchases, cls.env["purchase.product_supplier"].preferred(products, parties)

    @classmethod
    def default_prices(cls, products, units, parents):
        """The supplier's price (the purchase's party, else the first supplier), else the cost price."""
        _, suppliers = cls._suppliers(products, [getattr(p, "id", p) for p in parents])
        prices = []
        for product, unit, supplier in zip(products, units, suppliers):
            price = supplier.unit_price if supplier is not None and supplier.unit_price is not None \
                else product.cost_price if product.cost_price is not None else Decimal(0)
            prices.append(cls._price_in_unit(price, product, unit))
        return prices

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        undated = [v for v in vlist if v.get("delivery_date") is None and v.get("product") is not None]
        if not undated:
            return vlist
        products = cls.env["product.product"].browse([v["product"] for v in undated])
        purchases, suppliers = cls._suppliers(products, [getattr(v["purchase"], "id", v["purchase"])
                                                         for v in undated])
        dated = {}
        for values, supplier in zip(undated, suppliers):
            lead_time = supplier.lead_time if supplier is not None else 0
            date = purchases[values["purchase"]].purchase_date + datetime.timedelta(days=lead_time)
            dated[id(values)] = {**values, "delivery_date": date}
        return [dated.get(id(values), values) for values in vlist]
