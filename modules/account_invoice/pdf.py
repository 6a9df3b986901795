"""An invoice as a PDF (fpdf2: pure Python, no system package).

The built-in PDF fonts cover Latin-1; other characters print as ``?``.
"""
import collections
from decimal import Decimal

from fpdf import FPDF

COLUMNS = (("Product", 70, "L"), ("Quantity", 25, "R"), ("Unit price", 28, "R"), ("Taxes", 30, "L"),
           ("Amount", 27, "R"))


def text(value):
    """``value`` as text the PDF's Latin-1 fonts can draw."""
    return str(value).encode("latin-1", "replace").decode("latin-1")


def render(invoice):
    """The PDF of one invoice, as bytes."""
    title = "Invoice" if invoice.type == "out" else "Supplier invoice"
    pdf = FPDF(format="A4")
    pdf.set_title(text(f"{title} {invoice.number or '(draft)'}"))
    pdf.set_creator("Kitwork")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    heading = f"{title} {invoice.number}" if invoice.number else f"Draft {title.lower()}"
    if invoice.state == "cancelled":
        heading += " (cancelled)"
    pdf.cell(0, 10, text(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 10)
    pdf.cell(0, 6, text(f"Date: {invoice.invoice_date.isoformat() if invoice.invoice_date else '-'}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    party = invoice.party
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 6, text("Bill to:" if invoice.type == "out" else "From:"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    for value in (party.name, party.code and f"Reference {party.code}", party.email):
        if value:
            pdf.cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 10)
    pdf.set_fill_color(230, 230, 230)
    for label, width, align in COLUMNS:
        pdf.cell(width, 7, label, border=1, align=align, fill=True)
    pdf.ln()
    pdf.set_font("Helvetica", "", 10)
    per_tax = collections.OrderedDict()
    Tax = type(invoice).env["account.tax"]
    for line in invoice.lines:
        cells = (line.product.name, f"{line.quantity:g} {line.unit.symbol}", f"{line.unit_price.normalize():f}",
                 ", ".join(t.name for t in line.taxes) or "-", f"{line.amount}")
        for (label, width, align), value in zip(COLUMNS, cells):
            pdf.cell(width, 7, text(value)[:48], border=1, align=align)
        pdf.ln()
        for tax in line.taxes:
            per_tax[tax.name] = per_tax.get(tax.name, Decimal(0)) + Tax.line_amount([tax], line.amount, line.quantity)
    pdf.ln(4)
    labels = 153
    pdf.set_font("Helvetica", "", 10)
    for name, amount in per_tax.items():
        pdf.cell(labels, 6, text(name), align="R")
        pdf.cell(27, 6, f"{amount}", align="R", new_x="LMARGIN", new_y="NEXT")
    for label, amount, style in (("Untaxed amount", invoice.untaxed_amount, ""),
                                 ("Tax amount", invoice.tax_amount, ""),
                                 ("Total", invoice.total_amount, "B")):
        pdf.set_font("Helvetica", style, 11 if style else 10)
        pdf.cell(labels, 7, label, align="R")
        pdf.cell(27, 7, f"{amount}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
