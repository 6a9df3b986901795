"""An invoice as a PDF (fpdf2: pure Python, no system package).

Names are drawn with a Unicode TrueType font when one is found — the file
``KITWORK_PDF_FONT`` names (its bold face beside it as ``…-Bold.ttf``, else
the regular one again), else Liberation Sans or DejaVu Sans where the system
has them — and embedded in the PDF.  Without one, the PDF's built-in fonts
cover Latin-1 only and other characters print as ``?``.
"""
import collections
import functools
import io
import os
from decimal import Decimal
from pathlib import Path

from fpdf import FPDF

from modules.account.order import product_quantity

from .identity import company_lines, first_invoice_address, party_lines

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


def render(invoice, company=None):
    """The PDF of one invoice, as bytes: what an accounts-payable clerk checks (EU VAT Directive art. 226).

    The seller (the company on a customer invoice, the party on a supplier
    one) with address, tax id and e-mail, and the logo; the buyer with
    invoice address and tax id; number, dates, currency, reference; the
    lines (a kit line followed by its components, indented, unpriced); one
    row per tax with base and amount; the totals.  ``company`` is the
    ``company.company`` record (read once by the caller for many invoices).
    """
    from .invoice import Invoice
    title = Invoice.title(invoice)
    pdf = Document()
    text = pdf.text_of
    pdf.set_title(text(f"{title} {invoice.number or '(draft)'}"))
    pdf.set_creator("Kitwork")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    # frozen at posting; a draft (or an invoice posted before they were kept) shows them as they are now
    own = invoice.company_block.splitlines() if invoice.company_block else company_lines(company)
    other = invoice.party_block.splitlines() if invoice.party_block else party_lines(
        invoice.party, invoice.invoice_address or first_invoice_address(invoice.party))
    seller, buyer = (own, other) if invoice.type == "out" else (other, own)
    if company is not None and company.logo:
        pdf.image(io.BytesIO(company.logo), x=160, y=10, w=35)
    _block(pdf, seller, bold_first=True)
    pdf.ln(4)
    pdf.use("B", 16)
    heading = f"{title} {invoice.number}" if invoice.number else f"Draft {title.lower()}"
    if invoice.state == "cancelled":
        heading += " (cancelled)"
    pdf.cell(0, 10, text(heading), new_x="LMARGIN", new_y="NEXT")
    pdf.use("", 10)
    for label, value in (("Invoice date", invoice.invoice_date), ("Due date", invoice.due_date),
                         ("Currency", invoice.currency), ("Reference", invoice.reference)):
        pdf.cell(30, 6, f"{label}:")
        pdf.cell(0, 6, text(value.isoformat() if hasattr(value, "isoformat") else value or "-"),
                 new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.use("B", 11)
    pdf.cell(0, 6, "Bill to:" if invoice.type == "out" else "Billed to:", new_x="LMARGIN", new_y="NEXT")
    _block(pdf, buyer)
    pdf.ln(6)
    _lines(pdf, invoice)
    _taxes(pdf, invoice)
    labels = 153
    for label, amount, style in (("Untaxed amount", invoice.untaxed_amount, ""),
                                 ("Tax amount", invoice.tax_amount, ""),
                                 (f"Total ({invoice.currency})", invoice.total_amount, "B")):
        pdf.use(style, 11 if style else 10)
        pdf.cell(labels, 7, label, align="R")
        pdf.cell(27, 7, f"{amount}", align="R", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def _block(pdf, lines, bold_first=False):
    for position, value in enumerate(v for v in lines if v):
        pdf.use("B" if bold_first and position == 0 else "", 11)
        pdf.cell(0, 6, pdf.text_of(value), new_x="LMARGIN", new_y="NEXT")


def _lines(pdf, invoice):
    """One row per line; a kit line's components below it, indented, with their quantities only."""
    text = pdf.text_of
    pdf.use("B", 10)
    pdf.set_fill_color(230, 230, 230)
    for label, width, align in COLUMNS:
        pdf.cell(width, 7, label, border=1, align=align, fill=True)
    pdf.ln()
    pdf.use("", 10)
    names = {t.tax.id: t.description for t in invoice.taxes if t.tax is not None}
    for line in invoice.lines:
        cells = (line.product.name, f"{line.quantity:g} {line.unit.symbol}", f"{line.unit_price.normalize():f}",
                 ", ".join(names.get(t.id, t.name) for t in line.taxes) or "-", f"{line.amount}")
        for (label, width, align), value in zip(COLUMNS, cells):
            pdf.cell(width, 7, text(value)[:48], border=1, align=align)
        pdf.ln()
        for name, quantity in _components(line):
            pdf.cell(COLUMNS[0][1], 6, text(f"    {name}")[:48], border="LR")
            pdf.cell(COLUMNS[1][1], 6, quantity, border="LR", align="R")
            for _, width, _ in COLUMNS[2:]:
                pdf.cell(width, 6, "", border="LR")
            pdf.ln()


def _components(line):
    """``(name, quantity)`` of what a kit line is made of, for the quantity invoiced (a fixed one: as it is)."""
    origin = line.origin
    if origin is None or "components" not in type(origin).fields or not origin.quantity:
        return []
    share = line.quantity / origin.quantity
    return [(c.product.name, f"{(c.quantity if c.fixed else c.quantity * share):g} {c.unit.symbol}")
            for c in origin.components]


def _taxes(pdf, invoice):
    """One row per tax: as frozen at posting, else as the lines compute it now."""
    rows = [(t.description, t.base, t.amount) for t in invoice.taxes]
    if not rows and invoice.lines:
        Tax = type(invoice).env["account.tax"]
        per_tax = collections.OrderedDict()
        for line in invoice.lines:
            for tax in line.taxes:
                base, amount = per_tax.get(tax.name, (Decimal(0), Decimal(0)))
                per_tax[tax.name] = (base + line.amount, amount + Tax.line_amount(
                    [tax], line.amount, product_quantity(line)))
        rows = [(name, base, amount) for name, (base, amount) in per_tax.items()]
    pdf.ln(4)
    if not rows:
        return
    pdf.use("B", 10)
    for label, width, align in (("Tax", 70, "L"), ("Base", 30, "R"), ("Amount", 30, "R")):
        pdf.cell(width, 7, label, border=1, align=align, fill=True)
    pdf.ln()
    pdf.use("", 10)
    for name, base, amount in rows:
        pdf.cell(70, 7, pdf.text_of(name), border=1)
        pdf.cell(30, 7, f"{base}", border=1, align="R")
        pdf.cell(30, 7, f"{amount}", border=1, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
