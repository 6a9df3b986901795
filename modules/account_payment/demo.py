"""The demo's account_payment chapter."""


def demo(database, out):
    """The demo's invoice is paid in two receipts: partial, then paid; the sale's payment state follows."""
    from decimal import Decimal

    with database.transaction() as env:
        Invoice, Payment = env["account.invoice"], env["account.payment"]
        invoices = Invoice.search([("number", "=", "INV0001")])
        if not invoices:
            out.write("(no invoice to pay: account_invoice's demo needs sale and stock)\n")
            return
        invoice, = invoices
        sale = env["sale.sale"].search([("number", "=", invoice.reference)])[0] if "sale.sale" in env else None
        first, second = Payment.create([
            {"party": invoice.party.id, "amount": Decimal("50"), "reference": "bank 0001",
             "lines": [{"invoice": invoice.id, "amount": Decimal("50")}]},
            {"party": invoice.party.id, "amount": invoice.total_amount - 50, "reference": "bank 0002",
             "lines": [{"invoice": invoice.id, "amount": invoice.total_amount - 50}]}])
        Payment.post([first])
        out.write(f"received 50.00 for {invoice.number}: invoice {invoice.state}, {invoice.amount_to_pay} to pay"
                  + (f"; sale {sale.number} payment {sale.payment_state}" if sale else "") + "\n")
        Payment.post([second])
        out.write(f"received {second.amount}: invoice {invoice.state}"
                  + (f"; sale {sale.number} payment {sale.payment_state}" if sale else "") + "\n")
