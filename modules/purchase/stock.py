"""purchase with stock: processing a purchase expects its goods from the supplier."""
from core import fields, hookimpl

from modules.stock.amendment import amend_moves
from modules.stock.order import StockLine, StockOrder, moves_field, quantity_to_invoice_field, warehouse_field
from modules.stock.returns import ReturnLine, ReturnOrder, returned_from_field


class Purchase(ReturnOrder, StockOrder):
    """``create_return`` makes a return purchase: processed, a supplier return shipment sends the goods back."""

    _name = "purchase.purchase"
    _shipment_model = "stock.shipment.in"
    _return_shipment_model = "stock.shipment.in.return"

    warehouse = warehouse_field("Where the goods arrive")

    shipments = fields.Function(fields.One2Many("stock.shipment.in", None, "Shipments"), "get_shipments")
    returned_from = fields.Many2One("purchase.purchase", "Returned from", readonly=True, ondelete="restrict",
                                    help="The purchase whose goods this return purchase sends back.")
    shipment_returns = fields.Function(fields.One2Many("stock.shipment.in.return", None, "Return shipments"),
                                       "get_shipment_returns")


class PurchaseLine(ReturnLine, StockLine):
    _name = "purchase.line"
    _move_shipment_field = "shipment_in"
    _moved_word = "received"
    _moved_field = "quantity_received"

    returned_from = returned_from_field("purchase.line")

    moves = moves_field()
    quantity_received = fields.Function(fields.Float("Quantity received"), "get_quantity_moved")
    quantity_to_invoice = quantity_to_invoice_field()

    @classmethod
    def move_locations(cls, purchases):
        supplier = cls.env["stock.location"].by_type("supplier")
        return {purchase.id: (supplier, purchase.warehouse.storage_location) for purchase in purchases}

    @classmethod
    def planned_date_sql(cls, table, order):
        """The line's own delivery date."""
        return table.c.delivery_date


@hookimpl
def purchase_process(env, purchases):
    env["purchase.purchase"].create_shipments(purchases)


@hookimpl
def purchase_cancel(env, purchases):
    env["purchase.purchase"].cancel_moves(purchases)


@hookimpl
def purchase_amend(env, purchases, changes):
    """The incoming moves follow the amended quantities."""
    amend_moves(env["purchase.purchase"], purchases, changes)


@hookimpl
def stock_moves_done(env, moves):
    lines = [m.origin for m in moves if m.origin is not None and m.origin._name == "purchase.line"]
    finish_purchases(env, {line.purchase for line in lines})


def finish_purchases(env, purchases):
    """Purchases whose moves are all done or cancelled become done."""
    processing = [p for p in purchases if p.state == "processing"]
    if processing:
        env["purchase.purchase"].check_done(processing)
