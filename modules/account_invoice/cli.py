"""``kitwork invoice NUMBER... [--pdf DIR] [--send]``: invoice sales, post the invoices, write or mail them."""
from pathlib import Path

from core import Database, errors


def invoice(args, out):
    database = Database(args.db)
    missing = [m for m in ("account_invoice", "sale") if m not in database.active_modules]
    if missing:
        raise errors.UserError(f"{' and '.join(missing)} not active in {database!r}: "
                               f"run 'kitwork activate {' '.join(missing)}'")
    folder = Path(args.pdf) if args.pdf else None
    if folder is not None and folder.exists() and not folder.is_dir():
        raise errors.UserError(f"--pdf {args.pdf}: not a folder")
    with database.transaction() as env:
        Sale, Invoice = env["sale.sale"], env["account.invoice"]
        numbers = list(dict.fromkeys(args.numbers))
        sales = Sale.search([("number", "in", numbers)])
        unknown = sorted(set(numbers) - {s.number for s in sales})
        if unknown:
            raise errors.UserError(f"no sale numbered {', '.join(unknown)}")
        sales.sort(key=lambda s: numbers.index(s.number))
        invoices = Sale.invoice(sales)
        Invoice.post(invoices)
        pdfs = Invoice.render_pdf(invoices) if folder is not None else {}
        made = set(invoices)
        for sale in sales:
            invoice = next((i for i in sale.invoices if i in made), None)
            if invoice is None:
                out.write(f"{sale.number}: nothing to invoice\n")
                continue
            out.write(f"{sale.number}: invoice {invoice.number} for {invoice.party.name}, "
                      f"{len(invoice.lines)} line(s), total {invoice.total_amount}\n")
        if args.send and invoices:
            for message in Invoice.send(invoices):
                out.write(f"queued mail to {message.to}: {message.subject}\n")
        if folder is not None:
            try:
                folder.mkdir(parents=True, exist_ok=True)
                for invoice in invoices:
                    path = folder / f"{invoice.number}.pdf"
                    path.write_bytes(pdfs[invoice.id])
                    out.write(f"wrote {path}\n")
            except OSError as exc:
                raise errors.UserError(f"--pdf {args.pdf}: cannot write the PDFs: {exc}") from None


def add_arguments(parser):
    parser.add_argument("numbers", nargs="+", metavar="SALE_NUMBER", help="the sales to invoice, e.g. S0001")
    parser.add_argument("--pdf", metavar="DIR", help="write each invoice's PDF into DIR (made if needed)")
    parser.add_argument("--send", action="store_true",
                        help="queue each invoice to its party's e-mail with its PDF ('kitwork mail send' delivers "
                             "it); a party without e-mail refuses the whole run")


cli_commands = [("invoice", "invoice sales (account_invoice) and post the invoices; print their numbers; write "
                            "(--pdf) or mail (--send) them",
                 invoice, add_arguments)]
