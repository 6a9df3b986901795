"""An invoice as a PDF (fpdf2: pure Python, no system package).

Names are drawn with a Unicode TrueType font when one is found — the file
``KITWORK_PDF_FONT`` names (its bold face beside it as ``…-Bold.ttf``, else
the regular one again), else Liberation Sans or DejaVu Sans where the system
has them — and embedded in the PDF.  Without one, the PDF's built-in fonts
cover Latin-1 only and other characters print as ``?``.
"""
import collections
import functools
import os
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from modules.account.order import product_quantity

COLUMNS = (("Product", 70, "L"), ("Quantity", 25, "R"), ("Unit price", 28, "R"), ("Taxes", 30, "L"),
           ("Amount", 27, "R"))


# Liberation first: Latin, Greek and Cyrillic in a file a fifth of DejaVu's, read four times faster.
SYSTEM_FONTS = ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
                "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
                "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@functools.lru_cache(maxsize=None)
def unicode_font(configured):
    """``(regular, bold)`` paths of the Unicode font to embed, or None: see the module docstring.

    A configured path that is not a readable TrueType file is ignored rather
    than failing every invoice: the PDF falls back to the built-in fonts.
    """
    for candidate in ([configured] if configured else []) + list(SYSTEM_FONTS):
        path = Path(candidate)
        if path.suffix.lower() == ".ttf" and path.is_file() and os.access(path, os.R_OK):
            bold = next((b for b in (path.with_name(path.stem.replace("-Regular", "") + "-Bold.ttf"),
                                     path.with_name(path.stem + "-Bold.ttf")) if b.is_file()), path)
            return str(path), str(bold)
    return None


class Document(FPDF):
    """An A4 page whose ``family`` is the embedded Unicode font when there is one, else Helvetica."""

    def __init__(self):
        super().__init__(format="A4")
        font = unicode_font(os.environ.get("KITWORK_PDF_FONT", ""))
        self.unicode = font is not None
        self.kitwork_family = "Helvetica"
        if self.unicode:
            self.add_font("kitwork", "", font[0])
            self.add_font("kitwork", "B", font[1])
            self.kitwork_family = "kitwork"

    def use(self, style="", size=10):
        self.set_font(self.kitwork_family, style, size)

    def text_of(self, value):
        """``value`` as text the current fonts can draw."""
        value = str(value)
        return value if self.unicode else value.encode("latin-1", "replace").decode("latin-1")


def render(invoice):
    """The PDF of one invoice, as bytes."""
    title = "Invoice" if invoice.type == "out" else "Supplier invoice"
    pdf = Document()
    text = pdf.text_of
    pdf.set_title(text(f"{title} {invoice.number or '(draft)'}"))
    pdf.set_creator("Kitwork")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    pdf.use("B", 16)
    heading = f"{title} {invoice.number}" if invoice.number else f"Draft {title.lower()}"
    if invoice.state == "cancelled":
        heading += " (cancelled)"
    pdf.cell(0, 10, text(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 10)
    pdf.cell(0, 6, text(f"Date: {invoice.invoice_date.isoformat() if invoice.invoice_date else '-'}"),
             new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    party = invoice.party
    pdf.use("B", 11)
    pdf.cell(0, 6, text("Bill to:" if invoice.type == "out" else "From:"), new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 11)
    for value in (party.name, party.code and f"Reference {party.code}", party.email):
        if value:
            pdf.cell(0, 6, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.use("B", 10)
    pdf.set_fill_color(230, 230, 230)
    for label, width, align in COLUMNS:
        pdf.cell(width, 7, label, border=1, align=align, fill=True)
    pdf.ln()
    pdf.use("", 10)
    per_tax = collections.OrderedDict()
    Tax = type(invoice).env["account.tax"]
    frozen = list(invoice.taxes)   # a posted invoice's taxes as they were at posting
    names = {t.tax.id: t.description for t in frozen if t.tax is not None}
    for line in invoice.lines:
        cells = (line.product.name, f"{line.quantity:g} {line.unit.symbol}", f"{line.unit_price.normalize():f}",
                 ", ".join(names.get(t.id, t.name) for t in line.taxes) or "-", f"{line.amount}")
        for (label, width, align), value in zip(COLUMNS, cells):
            pdf.cell(width, 7, text(value)[:48], border=1, align=align)
        pdf.ln()
        if not frozen:
            for tax in line.taxes:
                per_tax[tax.name] = per_tax.get(tax.name, Decimal(0)) + Tax.line_amount(
                    [tax], line.amount, product_quantity(line))
    for tax in frozen:
        per_tax[tax.description] = per_tax.get(tax.description, Decimal(0)) + tax.amount
    pdf.ln(4)
    labels = 153
    pdf.use("", 10)
    for name, amount in per_tax.items():
        pdf.cell(labels, 6, text(name), align="R")
        pdf.cell(27, 6, f"{amount}", align="R", new_x="LMARGIN", new_y="NEXT")
    for label, amount, style in (("Untaxed amount", invoice.untaxed_amount, ""),
                                 ("Tax amount", invoice.tax_amount, ""),
                                 ("Total", invoice.total_amount, "B")):
        pdf.use(style, 11 if style else 10)
        pdf.cell(labels, 7, label, align="R")
        pdf.cell(27, 7, f"{amount}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
