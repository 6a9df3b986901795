"""The demo's account_invoice chapter."""


def demo(database, out, folder=None):
    """A partly shipped sale is invoiced by its shipment, posted, drawn as PDF (into ``folder``: the user opens
    it; without one, a temporary folder) and queued as mail."""
    import tempfile
    from decimal import Decimal
    from pathlib import Path

    from core import errors

    with database.transaction() as env:
        if "sale.sale" not in env or "stock.shipment.out" not in env:
            out.write("(invoicing sales needs sale and stock active)\n")
            return
        Product, Sale, Invoice = env["product.product"], env["sale.sale"], env["account.invoice"]
        revenue, = env["account.account"].search([("code", "=", "4000")])
        vat, = env["account.tax"].search([("name", "=", "VAT 20%")])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        fan, = Product.create([{"name": "Desk fan", "code": "FAN", "default_uom": unit.id,
                                "list_price": Decimal("24.50"), "cost_price": Decimal("11"),
                                "revenue_account": revenue.id, "customer_taxes": [vat.id]}])
        Location = env["stock.location"]
        warehouse = Location.warehouse()
        Move = env["stock.move"]
        Move.do(Move.create([{"product": fan.id, "quantity": 10, "from_location": Location.by_type("supplier").id,
                              "to_location": warehouse.storage_location.id}]))
        customer, = env["party.party"].search([("code", "=", "C001")])
        sale, = Sale.create([{"party": customer.id, "invoice_method": "shipment",
                              "lines": [{"product": fan.id, "quantity": 4}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        line = sale.lines[0]
        out.write(f"sale {sale.number}: 4 {fan.name} invoiced on shipment, booked to {line.account.code} "
                  f"{line.account.name}\n")
        Shipment = env["stock.shipment.out"]
        Shipment.assign(sale.shipments)
        Shipment.ship(sale.shipments, {line.moves[0].id: 3})
        invoice, = Sale.invoice([sale])
        Invoice.post([invoice])
        out.write(f"shipped 3: invoice {invoice.number} ({invoice.state}) for {invoice.party.name}: "
                  f"{invoice.lines[0].quantity:g} x {invoice.lines[0].unit_price.normalize():f}, "
                  f"untaxed {invoice.untaxed_amount}, tax {invoice.tax_amount}, total {invoice.total_amount}\n")
        out.write(f"invoicing {sale.number} again: {len(Sale.invoice([sale]))} new invoice "
                  f"(3 invoiced, the fourth waits for its shipment)\n")
        pdf = Invoice.render_pdf([invoice])[invoice.id]
        with tempfile.TemporaryDirectory(prefix="kitwork-invoices-") as temporary:
            path = Path(folder if folder is not None else temporary) / f"{invoice.number}.pdf"
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(pdf)
            except OSError as exc:
                raise errors.UserError(f"cannot write the demo's invoice PDF {path}: {exc}") from None
            out.write(f"PDF written: {path if folder is not None else path.name}, {len(pdf)} bytes, "
                      f"starts {pdf[:8]!r}\n")
        message, = Invoice.send([invoice])
        out.write(f"mail queued to {message.to}: {message.subject!r} with {message.attachment_name} attached "
                  f"({message.state}; 'kitwork mail send' delivers it over $KITWORK_SMTP_URL)\n")
        back, = Sale.create_return([sale], {line.id: 1})   # one fan comes back: received, then credited
        Sale.quote([back])
        Sale.confirm([back])
        Sale.process([back])
        env["stock.shipment.out.return"].receive(back.shipment_returns)
        credit, = Sale.invoice([back])
        Invoice.post([credit])
        out.write(f"{back.number} returns 1 {fan.name} of {sale.number}: received, {Invoice.title(credit).lower()} "
                  f"{credit.number}, total {credit.total_amount}\n")
