import datetime
from decimal import Decimal

from core import Model, fields
from modules.party.party import PartyAddresses
from modules.product.amendment import AmendableLine
from modules.product.order import INVOICE_METHODS, STATES, Order, OrderLine

PRICE = Decimal("0.0001")   # the digits of a line's unit price


class Purchase(PartyAddresses, Order, Model):
    """An order to a supplier: quoted, confirmed, then processed until done."""

    _name = "purchase.purchase"
    _order = (("purchase_date", "DESC"), ("id", "DESC"))
    _hook_prefix, _hook_argument, _number_prefix = "purchase", "purchases", "P"
    writable_after_draft = ("reference",)
    _party_addresses = {"invoice_address": "invoice"}

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
    revision = fields.Integer("Revision", readonly=True, default=0,
                              help="How many amendments (purchase.amendment) were validated on the purchase.")
    invoice_address = fields.Many2One("party.address", "Invoice address", ondelete="restrict",
                                      help="Where the supplier's invoices come from: default the supplier's first "
                                           "invoice address; copied onto invoices.")


class PurchaseLine(AmendableLine, OrderLine, Model):
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
                                help="Default: the supplier's price for the quantity, else the cost price, in the "
                                     "line's unit.")
    amount = fields.Function(fields.Numeric("Amount", digits=2), "get_amount")
    delivery_date = fields.Date("Delivery date", help="Expected receipt; default: purchase date + lead time.")
    origin = fields.Reference("Origin", help="What asked for this line: a sale line, a reorder rule, …")
    price_reason = fields.Char(
        "Price reason", size=128, readonly=True,
        help="Why this unit price: 'manual' (given by hand, never replaced), 'supplier price', 'supplier price "
             "from N' (the supplier's price break from N units of the product), 'cost price', or 'kit "
             "components' (a kit priced from its components on quote).")

    @classmethod
    def default_prices(cls, products, units, parents, quantities=None):
        """The supplier's price for each quantity, else the cost price (else 0), in the line's unit.

        The supplier is the purchase's party if it supplies the product at
        the purchase date, else the product's first supplier valid then (see
        ``purchase.product_supplier``); a price break at or below the
        quantity (compared in the product's unit) wins over its unit price.
        """
        return [price for price, _, _ in cls._supplier_terms(products, units, parents, quantities)]

    @classmethod
    def _supplier_terms(cls, products, units, parents, quantities=None):
        """``(price in the line's unit, reason, supplier row or None)`` of each line to be of ``parents``."""
        purchases = {p.id: p for p in cls.env["purchase.purchase"].browse({getattr(p, "id", p) for p in parents})}
        orders = [purchases[getattr(p, "id", p)] for p in parents]
        return cls.supplier_prices(products, units, [order.party.id for order in orders],
                                   [order.purchase_date for order in orders], quantities)

    @classmethod
    def supplier_prices(cls, products, units, parties, dates, quantities=None):
        """``(price per unit, reason, supplier row or None)`` of buying each quantity of a product in a unit.

        What a line of a purchase from the party at the date gets by default
        (see :meth:`default_prices`), one query or two per batch; the
        replenishment, make to order and ``Sale.create_purchase`` price
        their lines with it too.
        """
        Uom = cls.env["product.uom"]
        quantities = quantities or [None] * len(products)
        in_product_unit = [0.0 if quantity is None or unit.category.id != product.default_uom.category.id
                           else Uom.compute_quantity(unit, quantity, product.default_uom, round=False)
                           for product, unit, quantity in zip(products, units, quantities)]
        Supplier = cls.env["purchase.product_supplier"]
        choices = Supplier.choose([(product.id, getattr(party, "id", party), date)
                                   for product, party, date in zip(products, parties, dates)])
        prices = Supplier.price([choice.preferred for choice in choices], in_product_unit)
        terms = []
        for product, unit, choice, price in zip(products, units, choices, prices):
            if price.unit_price is not None:
                unit_price, reason = price.unit_price, price.reason
            else:
                unit_price, reason = product.cost_price if product.cost_price is not None else Decimal(0), "cost price"
            terms.append((cls._price_in_unit(unit_price, product, unit).quantize(PRICE), reason, choice.preferred))
        return terms

    @classmethod
    def _complete(cls, vlist):
        """The supplier's price and lead time (delivery date), and why the line has its price.

        A price given with the line is ``manual``, kept as it is (as a sale
        line's price by hand): a kit priced from its components keeps it.
        """
        by_hand = [v.get("unit_price") is not None for v in vlist]
        todo = [(values, manual) for values, manual in zip(vlist, by_hand) if values.get("product") is not None
                and (values.get("unit_price") is None or values.get("delivery_date") is None
                     or values.get("price_reason") is None)]
        if not todo:
            return super()._complete(vlist)
        env = cls.env
        products = env["product.product"].browse([values["product"] for values, _ in todo])
        given = {u.id: u for u in env["product.uom"].browse({getattr(v["unit"], "id", v["unit"]) for v, _ in todo
                                                             if v.get("unit") is not None})}
        units = [given[getattr(v["unit"], "id", v["unit"])] if v.get("unit") is not None else product.default_uom
                 for (v, _), product in zip(todo, products)]
        parents = [getattr(values["purchase"], "id", values["purchase"]) for values, _ in todo]
        quantities = [None if values.get("quantity") is None else env["product.uom"].round(values["quantity"],
                                                                                          unit.rounding)
                      for (values, _), unit in zip(todo, units)]
        terms = cls._supplier_terms(products, units, parents, quantities)
        purchases = {p.id: p for p in env["purchase.purchase"].browse(set(parents))}
        completed = {}
        for (values, manual), parent, (price, reason, supplier) in zip(todo, parents, terms):
            line = dict(values)
            if line.get("unit_price") is None:
                line["unit_price"] = price
            if line.get("delivery_date") is None:
                lead_time = supplier.lead_time if supplier is not None else 0
                line["delivery_date"] = purchases[parent].purchase_date + datetime.timedelta(days=lead_time)
            if line.get("price_reason") is None:
                line["price_reason"] = "manual" if manual else reason
            completed[id(values)] = line
        return super()._complete([completed.get(id(values), values) for values in vlist])

    @classmethod
    def _write(cls, lines, values):
        """A price written by hand is the line's for good (reason ``manual``); a new quantity, unit or
        product of a draft line priced by its supplier or cost is priced again (a price break may apply)."""
        if values.get("unit_price") is not None:
            values = {**values, "price_reason": "manual"}
        super()._write(lines, values)
        if values.get("unit_price") is None and {"product", "quantity", "unit"} & set(values):
            cls.reprice(lines)

    @classmethod
    def reprice(cls, lines):
        """Price again the draft ``lines`` whose price is their supplier's or cost price (not by hand, not a kit's)."""
        lines = [line for line in cls.browse([line.id for line in lines])
                 if line.purchase.state == "draft" and priced_by_supplier(line.price_reason)]
        if not lines:
            return
        terms = cls._supplier_terms([line.product for line in lines], [line.unit for line in lines],
                                    [line.purchase for line in lines], [line.quantity for line in lines])
        cls.write_rows([{"id": line.id, "unit_price": price, "price_reason": reason}
                        for line, (price, reason, _) in zip(lines, terms)])


def priced_by_supplier(reason):
    """Whether a purchase line's ``price_reason`` says its supplier or the cost price priced it (not a hand, not a kit).

    Such a price follows the line's quantity: a price break may apply.
    """
    return reason in ("supplier price", "cost price") or (reason or "").startswith("supplier price from ")
