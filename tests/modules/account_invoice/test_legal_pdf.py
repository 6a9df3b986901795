"""The invoice PDF an accounts-payable clerk accepts (EU VAT Directive art. 226), read back with pypdf."""
import datetime
import io
import struct
import zlib
from decimal import Decimal

import pypdf
import pytest

from modules.account_invoice import pdf


def png(width=4, height=2):
    """A small valid PNG (grey pixels): the company's logo."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def pdf_text(data):
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def unicode_font(monkeypatch):
    pdf.unicode_font.cache_clear()
    font = pdf.unicode_font("")
    if font is None:
        pytest.skip("no DejaVu or Liberation font on this machine (KITWORK_PDF_FONT names one)")
    monkeypatch.setenv("KITWORK_PDF_FONT", font[0])


def test_the_invoice_and_credit_note_show_everything_a_legal_invoice_needs(kitwork_database, unicode_font):
    database = kitwork_database("account_invoice", "sale", "stock", "product_kit")
    with database.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        revenue, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        standard, reduced = env["account.tax"].create([
            {"name": "VAT 21%", "type": "percentage", "rate": Decimal("0.21")},
            {"name": "VAT 6%", "type": "percentage", "rate": Decimal("0.06")}])
        Product = env["product.product"]
        book, bulb, lamp = Product.create([
            {"name": "Field guide", "default_uom": units["u"], "list_price": Decimal("20"),
             "revenue_account": revenue.id, "customer_taxes": [reduced.id]},
            {"name": "LED bulb", "default_uom": units["u"], "list_price": Decimal("4"), "revenue_account": revenue.id},
            {"name": "Lamp base", "default_uom": units["u"], "list_price": Decimal("30"),
             "revenue_account": revenue.id}])
        kit, = Product.create([{"name": "Reading lamp kit", "type": "kit", "default_uom": units["u"],
                                "list_price": Decimal("50"), "revenue_account": revenue.id,
                                "customer_taxes": [standard.id],
                                "components": [{"product": lamp.id, "quantity": 1, "unit": units["u"]},
                                               {"product": bulb.id, "quantity": 2, "unit": units["u"]}]}])
        Location, Move = env["stock.location"], env["stock.move"]
        Move.do(Move.create([{"product": p.id, "quantity": 50, "from_location": Location.by_type("supplier").id,
                              "to_location": Location.warehouse().storage_location.id} for p in (book, bulb, lamp)]))
        Party = env["party.party"]
        seller, = Party.create([{"name": "Kitwork Trading SRL", "tax_identifier": "BE0477472701",
                                 "addresses": [{"street": "Rue de la Loi 16", "postal_code": "1000",
                                                "city": "Brussels", "country": "BE"}]}])
        Company = env["company.company"]
        Company.write([Company.get()], {"name": "Kitwork Trading SRL", "party": seller.id,
                                        "email": "accounts@kitwork.example", "logo": png()})
        term, = env["account.payment_term"].create([{"name": "30 days", "lines": [{"days": 30}]}])
        customer, = Party.create([{
            "name": "Łukasz Żółć Ελλάδα", "tax_identifier": "PL5260250274", "customer_payment_term": term.id,
            "addresses": [{"name": "Accounts payable", "street": "ul. Marszałkowska 1", "postal_code": "00-624",
                           "city": "Warszawa", "country": "PL"}]}])
        Sale, Invoice = env["sale.sale"], env["account.invoice"]
        sale, = Sale.create([{"party": customer.id, "invoice_method": "shipment", "lines": [
            {"product": kit.id, "quantity": 2}, {"product": book.id, "quantity": 3}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        Sale.fulfil([sale])
        invoice, = Sale.invoice([sale])
        Invoice.write([invoice], {"invoice_date": datetime.date(2026, 12, 1)})
        Invoice.post([invoice])
        data = Invoice.render_pdf([invoice])[invoice.id]
        text = pdf_text(data)
        for expected in (
                # the seller: name, address, VAT id, e-mail
                "Kitwork Trading SRL", "Rue de la Loi 16", "1000 Brussels", "VAT BE0477472701",
                "accounts@kitwork.example",
                # the buyer, beyond Latin-1, with its invoice address and VAT id
                "Łukasz Żółć Ελλάδα", "Accounts payable", "ul. Marszałkowska 1", "00-624 Warszawa",
                "VAT PL5260250274",
                # number, dates, currency, reference
                "Invoice INV0001", "2026-12-01", "2026-12-31", "Currency: EUR", f"Reference: {sale.number}",
                # the lines, the kit's components with their quantities, the tax table per rate, the totals
                "Reading lamp kit", "2 u", "Lamp base", "LED bulb", "4 u", "Field guide", "60.00",
                "VAT 21% 100.00 21.00", "VAT 6% 60.00 3.60", "Untaxed amount", "160.00", "Tax amount",
                "24.60", "Total (EUR)", "184.60"):
            assert expected in text, expected
        kit_row = text.index("Reading lamp kit")
        assert kit_row < text.index("Lamp base") < text.index("LED bulb") < text.index("Field guide")
        assert b"/Subtype /Image" in data   # the logo
        # who they were when it was posted: a party that moves, a company renamed, leave the invoice as issued
        Party.write([customer], {"name": "Someone Else", "tax_identifier": "PL0000000000"})
        env["party.address"].write(list(customer.addresses), {"city": "Kraków"})
        Company.write([Company.get()], {"name": "Renamed SA"})
        assert pdf_text(Invoice.render_pdf([invoice])[invoice.id]) == text
        # the credit note of a returned kit is titled so
        back, = Sale.create_return([sale], {sale.lines[0].id: 1})
        Sale.quote([back])
        Sale.confirm([back])
        Sale.process([back])
        env["stock.shipment.out.return"].receive(list(back.shipment_returns))
        credit, = Sale.invoice([back])
        Invoice.post([credit])
        text = pdf_text(Invoice.render_pdf([credit])[credit.id])
        assert "Credit note INV0002" in text and "Invoice INV" not in text
        assert "-1 u" in text and "-50.00" in text and "-60.50" in text
