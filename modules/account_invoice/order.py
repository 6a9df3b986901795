"""Sales and purchases with invoices: what their lines have invoiced, and invoicing them."""
import collections

import sqlalchemy as sa

from core import expose, fields
from core.model import batches, in_

from .invoice import records_of


class InvoicedLine:
    """Extension mixin of an order line: ``quantity_invoiced`` and what is to invoice."""

    @classmethod
    def get_quantity_invoiced(cls, lines, name):
        """What the invoice lines of each line add up to, in the line's unit; cancelled invoices do not count."""
        env = cls.env
        Uom = env["product.uom"]
        invoice, line = env["account.invoice"].table, env["account.invoice.line"].table
        facts = cls.line_facts(lines)
        origins = {f"{cls._name},{l.id}": l.id for l in lines}
        totals = collections.defaultdict(float)
        units = {}
        for batch in batches(env, list(origins)):
            query = (sa.select(line.c.origin, line.c.unit, sa.func.sum(line.c.quantity))
                     .join(invoice, invoice.c.id == line.c.invoice)
                     .where(in_(line.c.origin, batch), invoice.c.state != "cancelled")
                     .group_by(line.c.origin, line.c.unit))
            for origin, unit, quantity in env.execute(query).all():
                line_id = origins[origin]
                line_unit = facts[line_id].unit
                if unit != line_unit:
                    unit = units.get(unit) or units.setdefault(unit, Uom.browse([unit])[0])
                    quantity = Uom.compute_quantity(unit, quantity, Uom.browse([line_unit])[0], round=False)
                totals[line_id] += quantity
        return {l.id: Uom.round(totals[l.id], facts[l.id].rounding) if l.id in totals else 0.0 for l in lines}

    @classmethod
    def amendment_floors(cls, lines):
        """An amendment never takes a line below what invoices not cancelled hold of it."""
        floors = super().amendment_floors(lines)
        invoiced = cls.get_quantity_invoiced(lines, "quantity_invoiced") if lines else {}
        for line in lines:
            if invoiced[line.id] > 0:
                floors.setdefault(line.id, []).append((invoiced[line.id], "invoiced"))
        return floors

    @classmethod
    def quantities_to_invoice(cls, lines):
        """``{line id: quantity}`` to have been invoiced by now, invoiced or not.

        With stock, the line's ``quantity_to_invoice`` (the whole line on order,
        what moved on shipment — a kit by its least-shipped component —, nothing
        when manual; services in full).  Without stock nothing ships: the whole
        line, unless the order's invoice method is manual.
        """
        if "quantity_to_invoice" in cls.fields:
            return getattr(cls, cls.fields["quantity_to_invoice"].getter)(lines, "quantity_to_invoice")
        facts = cls.line_facts(lines)
        return {line.id: 0.0 if facts[line.id].invoice_method == "manual" else facts[line.id].quantity
                for line in lines}


class InvoicedOrder:
    """Extension mixin of an order: its invoices, and ``invoice``."""

    _invoice_type = None

    @classmethod
    @expose("write", returns="account.invoice")
    def invoice(cls, orders):
        """Invoice what each order has to invoice and has not invoiced yet; return the invoices.

        One draft invoice per order: a draft invoice already holding lines of
        the order gets the new lines.  Confirmed, processing or done orders
        only; orders with nothing new to invoice are skipped.  Runs whole or
        not at all.
        """
        with cls.env.atomic():
            orders = records_of(cls, orders)
            return cls.env["account.invoice"].invoice_orders(cls, orders, cls._invoice_type)

    @classmethod
    def get_invoices(cls, orders, name):
        """The invoices holding lines of each order (cancelled ones included), by id."""
        env = cls.env
        Line = env[cls.fields["lines"].target]
        invoice_line, order_line = env["account.invoice.line"].table, Line.table
        parent = order_line.c[Line._parent_field]
        result = {o.id: [] for o in orders}
        for batch in batches(env, list(result)):
            lines = dict(env.execute(sa.select(order_line.c.id, parent).where(in_(parent, batch))).all())
            origins = {f"{Line._name},{i}": order for i, order in lines.items()}
            for chunk in batches(env, list(origins)):
                query = (sa.select(invoice_line.c.origin, invoice_line.c.invoice).distinct()
                         .where(in_(invoice_line.c.origin, chunk)).order_by(invoice_line.c.invoice))
                for origin, invoice_id in env.execute(query).all():
                    if invoice_id not in result[origins[origin]]:
                        result[origins[origin]].append(invoice_id)
        return {i: tuple(ids) for i, ids in result.items()}


def invoices_field():
    return fields.Function(fields.One2Many("account.invoice", None, "Invoices"), "get_invoices")


def quantity_invoiced_field():
    return fields.Function(fields.Float("Quantity invoiced", help="On invoices not cancelled, in the line's unit."),
                           "get_quantity_invoiced")


class Sale(InvoicedOrder):
    _name = "sale.sale"
    _invoice_type = "out"

    invoices = invoices_field()


class SaleLine(InvoicedLine):
    _name = "sale.line"

    quantity_invoiced = quantity_invoiced_field()


class Purchase(InvoicedOrder):
    _name = "purchase.purchase"
    _invoice_type = "in"

    invoices = invoices_field()


class PurchaseLine(InvoicedLine):
    _name = "purchase.line"

    quantity_invoiced = quantity_invoiced_field()
