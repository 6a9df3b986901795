"""sale with stock: processing a sale ships it to the customer."""
from core import fields, hookimpl

from modules.stock.order import StockLine, StockOrder, moves_field, quantity_to_invoice_field, warehouse_field


class Sale(StockOrder):
    _name = "sale.sale"
    _shipment_model = "stock.shipment.out"

    warehouse = warehouse_field("Where the goods leave from")

    shipments = fields.Function(fields.One2Many("stock.shipment.out", None, "Shipments"), "get_shipments")


class SaleLine(StockLine):
    _name = "sale.line"
    _move_shipment_field = "shipment_out"

    moves = moves_field()
    quantity_shipped = fields.Function(fields.Float("Quantity shipped"), "get_quantity_moved")
    quantity_to_invoice = quantity_to_invoice_field()

    @classmethod
    def move_locations(cls, sales):
        customer = cls.env["stock.location"].by_type("customer")
        return {sale.id: (sale.warehouse.storage_location, customer) for sale in sales}

    @classmethod
    def planned_date(cls, line):
        return line.sale.delivery_date


@hookimpl
def sale_process(env, sales):
    env["sale.sale"].create_shipments(sales)


@hookimpl
def sale_cancel(env, sales):
    env["sale.sale"].cancel_moves(sales)


@hookimpl
def stock_moves_done(env, moves):
    lines = [m.origin for m in moves if m.origin is not None and m.origin._name == "sale.line"]
    finish_sales(env, {line.sale for line in lines})


def finish_sales(env, sales):
    """Sales whose moves are all done or cancelled become done."""
    processing = [s for s in sales if s.state == "processing"]
    if processing:
        env["sale.sale"].check_done(processing)
