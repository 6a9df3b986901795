import datetime

from core import Model, errors, fields, hookimpl
from modules.party.party import PartyAddresses, check_names
from modules.product.amendment import AmendableLine
from modules.product.order import INVOICE_METHODS, STATES, Order, OrderLine


class Configuration(Model):
    """The sales settings of the database: one record, made at activation; modules add their settings to it."""

    _name = "sale.configuration"

    @classmethod
    def get(cls):
        """The one configuration record."""
        return cls.search([], limit=1)[0]

    @classmethod
    def create(cls, vlist):
        """There is one, made at activation: a second would be ignored, so it is refused."""
        raise errors.AccessError(
            f"{cls._name} has one record, made when the module was activated: change it with "
            f"{cls._name}.write([{cls._name}.get()], values)")

    @classmethod
    def delete(cls, configurations):
        """Every sale reads it: without it, nothing could be sold."""
        raise errors.AccessError(f"the {cls._name} record cannot be deleted: every sale reads its settings")


class Status(Model):
    """A label of a sale's progress in the business's own words, independent of its state."""

    _name = "sale.status"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128, unique=True)

    @classmethod
    def validate(cls, records):
        super().validate(records)
        check_names(records)


class ShippingMethod(Model):
    """How a sale's goods travel to the customer (a carrier, a service)."""

    _name = "sale.shipping_method"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128, unique=True)

    @classmethod
    def validate(cls, records):
        super().validate(records)
        check_names(records)


class Sale(PartyAddresses, Order, Model):
    """A customer's order: quoted, confirmed, then processed until done."""

    _name = "sale.sale"
    _order = (("sale_date", "DESC"), ("id", "DESC"))
    _hook_prefix, _hook_argument, _number_prefix = "sale", "sales", "S"
    writable_after_draft = ("status", "shipping_method", "reference")
    _party_addresses = {"invoice_address": "invoice", "shipment_address": "delivery"}
    number = fields.Char("Number", size=32, readonly=True, unique=True,
                         help="Given when the sale is first quoted, and kept.")
    party = fields.Many2One("party.party", "Customer", required=True)
    reference = fields.Char("Reference", size=64, index=True,
                            help="The customer's reference for the order (their order number); searchable.")
    sale_date = fields.Date("Sale date", required=True, default=datetime.date.today)
    delivery_date = fields.Date("Delivery date", help="When the customer wants the goods; default the sale date.")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="draft")
    invoice_method = fields.Selection(INVOICE_METHODS, "Invoice method", required=True, default="order")
    lines = fields.One2Many("sale.line", "sale", "Lines")
    untaxed_amount = fields.Function(fields.Numeric("Untaxed amount", digits=2), "get_untaxed_amount")
    status = fields.Many2One("sale.status", "Status", ondelete="restrict",
                             help="A label of the sale's progress, independent of its state; may change any time.")
    shipping_method = fields.Many2One("sale.shipping_method", "Shipping method", ondelete="restrict",
                                      help="May change any time.")
    revision = fields.Integer("Revision", readonly=True, default=0,
                              help="How many amendments (sale.amendment) were validated on the sale.")
    invoice_address = fields.Many2One("party.address", "Invoice address", ondelete="restrict",
                                      help="Default: the customer's first invoice address; copied onto invoices.")
    shipment_address = fields.Many2One("party.address", "Shipment address", ondelete="restrict",
                                       help="Default: the customer's first delivery address.")

    @classmethod
    def write(cls, sales, values):
        """Write; a change of ``status`` is announced by ``sale_status_changed`` (with old and new)."""
        if not isinstance(values, dict) or "status" not in values:
            return super().write(sales, values)
        sales = list(sales)
        old = {sale.id: sale.status for sale in sales}
        super().write(sales, values)
        changes = [(sale, old[sale.id], sale.status) for sale in sales if old[sale.id] != sale.status]
        if changes:
            cls.env.hooks.sale_status_changed(env=cls.env, changes=changes)

    @classmethod
    def _defaults(cls, values):
        values = super()._defaults(values)
        if values.get("delivery_date") is None and values.get("sale_date") is not None:
            values = {**values, "delivery_date": values["sale_date"]}
        return values


class Product:
    """Products counted by sale lines: their unit keeps its category while they count them."""

    _name = "product.product"

    @classmethod
    def check_unit_category_change(cls, products):
        super().check_unit_category_change(products)
        cls.env["sale.line"].refuse_unit_category_change(products)


class SaleLine(AmendableLine, OrderLine, Model):
    """What the customer orders: a quantity of a product, at the product's list price by default."""

    _name = "sale.line"
    _order = (("sequence", "ASC"), ("id", "ASC"))
    _parent_field = "sale"

    sale = fields.Many2One("sale.sale", "Sale", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10)
    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True, help="Default: the product's unit.")
    unit_price = fields.Numeric("Unit price", digits=4, required=True,
                                help="Default: the product's list price, in the line's unit.")
    amount = fields.Function(fields.Numeric("Amount", digits=2), "get_amount")


@hookimpl
def core_modules_activated(env, modules):
    """The sales settings live in one configuration record, made now."""
    if "sale" in modules:
        env["sale.configuration"].create_unchecked([{}])
