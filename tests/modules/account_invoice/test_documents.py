"""Invoices as PDF (read back with pypdf) and as mail delivered to a real SMTP server."""
import io
from decimal import Decimal

import pypdf
import pytest

from core import cli, errors
from modules.account_invoice import pdf


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_invoice", "sale")


@pytest.fixture
def posted(database):
    """A posted invoice of two lines, one taxed, from a sale; its id."""
    with database.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        revenue, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
        Product = env["product.product"]
        lamp, shade = Product.create([
            {"name": "Desk lamp", "default_uom": unit.id, "list_price": Decimal("39.90"),
             "revenue_account": revenue.id, "customer_taxes": [vat.id]},
            {"name": "Lamp shade", "default_uom": unit.id, "list_price": Decimal("5"), "revenue_account": revenue.id}])
        ann, = env["party.party"].create([{"name": "Ann Smith", "code": "C042", "email": "ann@example.com"}])
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": ann.id, "lines": [{"product": lamp.id, "quantity": 2},
                                                          {"product": shade.id, "quantity": 3}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        invoice, = Sale.invoice([sale])
        env["account.invoice"].post([invoice])
        return invoice.id


def repost(env, invoice):
    """The same invoice issued again (a posted one prints its party as it was then): posted, as INV0002."""
    Invoice = env["account.invoice"]
    again, = Invoice.create([{"party": invoice.party.id, "lines": [
        {"product": line.product.id, "quantity": line.quantity} for line in invoice.lines]}])
    Invoice.post([again])
    return again


def pdf_text(data):
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_the_pdf_shows_number_party_lines_taxes_and_totals(database, posted):
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        invoice, = Invoice.browse([posted])
        assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
            Decimal("94.80"), Decimal("15.96"), Decimal("110.76"))
        pdfs = Invoice.render_pdf([invoice])
        assert list(pdfs) == [invoice.id] and pdfs[invoice.id].startswith(b"%PDF")
        text = pdf_text(pdfs[invoice.id])
        for expected in ("Invoice INV0001", str(invoice.invoice_date), "Ann Smith", "ann@example.com",
                         "Desk lamp", "2 u", "39.9", "VAT 20%", "79.80", "Lamp shade", "15.00",
                         "Untaxed amount", "94.80", "Tax amount", "15.96", "Total", "110.76"):
            assert expected in text, expected
        draft, = Invoice.create([{"party": invoice.party.id, "lines": [
            {"product": invoice.lines[1].product.id, "quantity": 1}]}])
        assert "Draft invoice" in pdf_text(Invoice.render_pdf([draft.id])[draft.id])
        with pytest.raises(errors.UserError, match="expected a list"):
            Invoice.render_pdf(draft)


@pytest.fixture
def no_unicode_font(monkeypatch):
    """No Unicode font to embed: the PDF falls back to its built-in Latin-1 fonts."""
    monkeypatch.setattr(pdf, "SYSTEM_FONTS", ())
    monkeypatch.setenv("KITWORK_PDF_FONT", "/nowhere/missing.ttf")
    pdf.unicode_font.cache_clear()
    yield
    pdf.unicode_font.cache_clear()


def test_without_a_unicode_font_other_characters_print_as_question_marks(database, posted, no_unicode_font):
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        invoice, = Invoice.browse([posted])
        env["party.party"].write([invoice.party], {"name": "Zoë Ünal ☕"})   # beyond the PDF fonts' Latin-1
        invoice = repost(env, invoice)
        text = pdf_text(Invoice.render_pdf([invoice])[invoice.id])
        assert "Zoë Ünal ?" in text and "110.76" in text


def test_names_beyond_latin_1_print_with_an_embedded_unicode_font(database, posted, monkeypatch):
    pdf.unicode_font.cache_clear()
    font = pdf.unicode_font("")
    if font is None:
        pytest.skip("no DejaVu or Liberation font on this machine (KITWORK_PDF_FONT names one)")
    monkeypatch.setenv("KITWORK_PDF_FONT", font[0])
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        invoice, = Invoice.browse([posted])
        env["party.party"].write([invoice.party], {"name": "Łukasz Żółć — Ελλάδα Москва"})
        invoice = repost(env, invoice)
        data = Invoice.render_pdf([invoice])[invoice.id]
        text = pdf_text(data)
        assert "Łukasz Żółć — Ελλάδα Москва" in text and "Invoice INV0002" in text and "110.76" in text
        assert b"FontFile2" in data   # the font is embedded (a subset): the PDF reads the same anywhere


def test_send_queues_the_pdf_and_mail_send_delivers_it(database, posted, smtp_server, monkeypatch):
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        message, = Invoice.send([posted])
        assert (message.to, message.subject, message.state, message.attachment_name) == (
            "ann@example.com", "Invoice INV0001", "queued", "INV0001.pdf")
        assert message.origin == Invoice.browse([posted])[0] and message.attachment.startswith(b"%PDF")
    monkeypatch.setenv("KITWORK_SMTP_URL", smtp_server.url)
    out = io.StringIO()
    assert cli.main(["mail", "send", "--db", database.url], out=out) == 0
    assert "sent: message 1 to ann@example.com: Invoice INV0001" in out.getvalue()
    (_, recipients, received), = smtp_server.received
    assert recipients == ["ann@example.com"] and received["Subject"] == "Invoice INV0001"
    assert "total 110.76" in received.get_body(("plain",)).get_content()
    attachment, = received.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == ("INV0001.pdf", "application/pdf")
    text = pdf_text(attachment.get_content())
    assert "Invoice INV0001" in text and "Desk lamp" in text and "110.76" in text
    with database.transaction() as env:
        assert [m.state for m in env["mail.message"].search([])] == ["sent"]


def test_send_refuses_a_party_without_email_or_an_unposted_invoice(database, posted):
    with database.transaction() as env:
        Invoice, Party = env["account.invoice"], env["party.party"]
        invoice, = Invoice.browse([posted])
        bob, = Party.create([{"name": "Bob"}])
        draft, = Invoice.create([{"party": bob.id, "lines": [{"product": invoice.lines[0].product.id,
                                                                "quantity": 1}]}])
        with pytest.raises(errors.WorkflowError, match="it is draft; post it first"):
            Invoice.send([invoice, draft])
        Invoice.post([draft])
        with pytest.raises(errors.UserError, match="party Bob has no e-mail address"):
            Invoice.send([invoice, draft])
        assert env["mail.message"].search([]) == []
        with pytest.raises(errors.ValidationError, match="not an address"):
            Party.write([bob], {"email": "bob at example"})
        assert bob.email is None


def test_a_posted_invoice_never_changes_when_its_taxes_do(kitwork_database):
    """Amounts, tax lines and PDF are frozen at posting (Tryton's account.invoice.tax); drafts follow the taxes."""
    database = kitwork_database("account_invoice", "sale")
    with database.transaction() as env:
        units = {u.symbol: u for u in env["product.uom"].search([])}
        revenue, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        vat, eco = env["account.tax"].create([
            {"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")},
            {"name": "Eco fee", "type": "fixed", "amount": Decimal("0.50")}])
        bolt, = env["product.product"].create([{"name": "Bolt", "default_uom": units["u"].id,
                                                "list_price": Decimal("10"), "revenue_account": revenue.id,
                                                "customer_taxes": [vat.id, eco.id]}])
        ann, = env["party.party"].create([{"name": "Ann", "email": "ann@example.com"}])
        Sale, Invoice = env["sale.sale"], env["account.invoice"]
        sale, = Sale.create([{"party": ann.id, "lines": [{"product": bolt.id, "quantity": 1, "unit": units["dz"].id}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        posted, = Sale.invoice([sale])
        Invoice.post([posted])
        draft, = Invoice.create([{"party": ann.id, "lines": [{"product": bolt.id, "quantity": 1}]}])
        ids = posted.id, draft.id, vat.id, eco.id
    frozen = (Decimal("120.00"), Decimal("30.00"), Decimal("150.00"))   # 120 + 24 VAT + 12 x 0.50

    def amounts(invoice):
        return invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount

    with database.transaction() as env:
        Invoice = env["account.invoice"]
        posted, draft = Invoice.browse(ids[:2])
        assert amounts(posted) == frozen and posted.lines[0].tax_amount == Decimal("30.00")
        assert [(t.description, t.base, t.amount) for t in posted.taxes] == [
            ("VAT 20%", Decimal("120.00"), Decimal("24.00")), ("Eco fee", Decimal("120.00"), Decimal("6.00"))]
        before = pdf_text(Invoice.render_pdf([posted])[posted.id])
        assert amounts(draft) == (Decimal("10.00"), Decimal("2.50"), Decimal("12.50"))
    with database.transaction() as env:   # the taxes change: rates, types, names
        Tax = env["account.tax"]
        vat, eco = Tax.browse(ids[2:])
        Tax.write([vat], {"rate": Decimal("0.5"), "name": "VAT 50%"})
        Tax.write([eco], {"type": "percentage", "rate": Decimal("1")})
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        posted, draft = Invoice.browse(ids[:2])
        assert amounts(posted) == frozen and posted.lines[0].tax_amount == Decimal("30.00")
        assert [(t.description, t.amount) for t in posted.taxes] == [("VAT 20%", Decimal("24.00")),
                                                                      ("Eco fee", Decimal("6.00"))]
        after = pdf_text(Invoice.render_pdf([posted])[posted.id])
        assert after == before and "VAT 50%" not in after and "150.00" in after
        assert amounts(draft) == (Decimal("10.00"), Decimal("15.00"), Decimal("25.00"))   # a draft follows
        message, = Invoice.send([posted])
        assert "total 150.00" in message.body
        Invoice.post([draft])
        assert amounts(draft) == (Decimal("10.00"), Decimal("15.00"), Decimal("25.00"))
        Invoice.cancel([posted])
        assert amounts(posted) == frozen   # what was posted stays as it was
    with database.transaction() as env:   # nothing of a posted invoice changes by hand
        Invoice, Line, InvoiceTax = env["account.invoice"], env["account.invoice.line"], env["account.invoice.tax"]
        invoice, = Invoice.browse([ids[1]])
        line, = invoice.lines
        for call in (lambda: Line.write([line], {"quantity": 5}), lambda: Line.write([line], {"taxes": [("set", [])]}),
                     lambda: Line.delete([line]), lambda: Invoice.write([invoice], {"lines": [("delete", [line.id])]}),
                     lambda: Line.create([{"invoice": invoice.id, "product": line.product.id, "quantity": 1}])):
            with pytest.raises(errors.WorkflowError, match="it is posted"):
                call()
        for call in (lambda: InvoiceTax.write(list(invoice.taxes), {"amount": Decimal(0)}),
                     lambda: InvoiceTax.delete(list(invoice.taxes)),
                     lambda: InvoiceTax.create([{"invoice": invoice.id, "description": "x", "base": 1, "amount": 1}])):
            with pytest.raises(errors.AccessError, match="account.invoice.tax"):
                call()
        assert amounts(invoice) == (Decimal("10.00"), Decimal("15.00"), Decimal("25.00"))


def test_the_migration_freezes_the_invoices_posted_before_it(database, posted):
    """account_invoice_0002 on a database holding posted and draft invoices: the posted ones get frozen."""
    from alembic import command

    from core import migration
    with database.transaction() as env:
        invoice, = env["account.invoice"].browse([posted])
        expected = (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount,
                    [(t.description, t.base, t.amount) for t in invoice.taxes])
        draft, = env["account.invoice"].create([{"party": invoice.party.id, "lines": [
            {"product": invoice.lines[0].product.id, "quantity": 1}]}])
    with database.engine.begin() as connection:   # back to the revision before, with the rows in place
        command.downgrade(migration.config(connection, database.available_modules()), "account_invoice_0001")
    database.upgrade()
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        invoice, draft_again = Invoice.browse([posted, draft.id])
        assert (invoice.untaxed_amount_cache, invoice.tax_amount_cache, invoice.total_amount_cache) == expected[:3]
        assert [line.tax_amount_cache for line in invoice.lines] == [Decimal("15.96"), Decimal("0.00")]
        assert [(t.description, t.base, t.amount) for t in invoice.taxes] == expected[3] == [
            ("VAT 20%", Decimal("79.80"), Decimal("15.96"))]
        assert draft_again.total_amount_cache is None and draft_again.taxes == []
        env["account.tax"].write(list(invoice.lines[0].taxes), {"rate": Decimal("0.5")})
        assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == expected[:3]
