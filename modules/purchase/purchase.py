import datetime
from decimal import Decimal

from core import Model, fields
from modules.product.order import INVOICE_METHODS, STATES, Order, OrderLine


class Purchase(Order, Model):
    """An order to a supplier: quoted, confirmed, then processed until done."""

    _name = "purchase.purchase"
    _order = (("purchase_date", "DESC"), ("id", "DESC"))
    _hook_prefix, _hook_argument, _number_prefix = "purchase", "purchases", "P"
    _writable_after_draft = frozenset({"reference"})

    number = fields.Char("Number", size=32, readonly=True, unique=True,
                         help="Given when the purchase is first quoted, and kept.")
    party = fields.Many2One("party.party", "Supplier", required=True)
    reference = fields.Char("Reference", size=64, index=True,
                            help="The supplier's reference for the order (their order confirmation); searchable.")
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
    price_reason = fields.Char(
        "Price reason", size=128, readonly=True,
        help="Why this unit price: 'manual' (given by hand, never replaced), 'supplier price', 'cost price', "
             "or 'kit components' (a kit priced from its components on quote).")

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
        """The delivery date from the supplier's lead time, and why the line has its price.

        A price given with the line is ``manual``, kept as it is (as a sale
        line's price by hand): a kit priced from its components keeps it.
        """
        by_hand = [v.get("unit_price") is not None for v in vlist]
        vlist = super()._complete(vlist)   # one completed dict per given one, in order
        todo = [(values, manual) for values, manual in zip(vlist, by_hand) if values.get("product") is not None
                and (values.get("delivery_date") is None or values.get("price_reason") is None)]
        if not todo:
            return vlist
        products = cls.env["product.product"].browse([values["product"] for values, _ in todo])
        purchases, suppliers = cls._suppliers(products, [getattr(values["purchase"], "id", values["purchase"])
                                                         for values, _ in todo])
        completed = {}
        for (values, manual), supplier in zip(todo, suppliers):
            line = dict(values)
            if line.get("delivery_date") is None:
                lead_time = supplier.lead_time if supplier is not None else 0
                purchase = purchases[getattr(values["purchase"], "id", values["purchase"])]
                line["delivery_date"] = purchase.purchase_date + datetime.timedelta(days=lead_time)
            if line.get("price_reason") is None:
                line["price_reason"] = ("manual" if manual else "supplier price"
                                        if supplier is not None and supplier.unit_price is not None else "cost price")
            completed[id(values)] = line
        return [completed.get(id(values), values) for values in vlist]

    @classmethod
    def _write(cls, lines, values):
        """A price written by hand is the line's for good (reason ``manual``)."""
        if values.get("unit_price") is not None:
            values = {**values, "price_reason": "manual"}
        super()._write(lines, values)
