"""Invoices from sales and purchases: what to invoice, posting, cancelling, bad input, concurrency."""
import io
import json
import os
import subprocess
import sys
from decimal import Decimal

import pytest

from core import cli, errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_invoice", "sale", "purchase", "stock", "product_kit")


class Shop:
    """Accounts, a tax, goods, a 1 kg-a-bag kit (Tryton's scenario), a customer and a supplier, in stock."""

    def __init__(self, env):
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        self.unit, self.kg = units["u"], units["kg"]
        self.revenue, self.expense, self.other = env["account.account"].create([
            {"code": "4000", "name": "Sales", "type": "revenue"},
            {"code": "5000", "name": "Purchases", "type": "expense"},
            {"code": "4100", "name": "Other sales", "type": "revenue"}])
        self.vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
        Product = env["product.product"]
        self.flour, self.jar = Product.create([
            {"name": "Flour", "default_uom": self.kg, "list_price": Decimal("2"), "cost_price": Decimal("1"),
             "revenue_account": self.revenue.id, "expense_account": self.expense.id},
            {"name": "Jar", "default_uom": self.unit, "list_price": Decimal("3"), "cost_price": Decimal("1.5"),
             "revenue_account": self.revenue.id, "expense_account": self.expense.id,
             "customer_taxes": [self.vat.id], "supplier_taxes": [self.vat.id]}])
        self.bag, = Product.create([{
            "name": "Bag", "type": "kit", "default_uom": self.unit, "list_price": Decimal("10"),
            "revenue_account": self.revenue.id, "customer_taxes": [self.vat.id],
            "components": [{"product": self.flour.id, "quantity": 1, "unit": self.kg}]}])
        self.customer, self.supplier = env["party.party"].create([
            {"name": "Ann", "email": "ann@example.com"}, {"name": "Supplies Ltd"}])
        Location, Move = env["stock.location"], env["stock.move"]
        self.warehouse = Location.warehouse()
        Move.do(Move.create([{"product": p.id, "quantity": 100, "from_location": Location.by_type("supplier").id,
                              "to_location": self.warehouse.storage_location.id} for p in (self.flour, self.jar)]))

    def sale(self, env, lines, invoice_method="shipment"):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.customer.id, "invoice_method": invoice_method, "lines": lines}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        return sale

    def ship(self, env, sale, quantities=None):
        Shipment = env["stock.shipment.out"]
        open_ = [s for s in sale.shipments if s.state not in ("done", "cancelled")]
        Shipment.assign([s for s in open_ if s.state in ("draft", "waiting")])
        Shipment.ship(open_, quantities)


@pytest.fixture
def shop(database):
    with database.transaction() as env:
        return Shop(env)


def lines_of(invoice):
    return sorted((line.product.name, line.quantity) for line in invoice.lines)


def test_partial_kit_shipment_invoices_the_smallest_ratio_then_only_the_rest(database, shop):
    with database.transaction() as env:
        Sale, Invoice = env["sale.sale"], env["account.invoice"]
        sale = shop.sale(env, [{"product": shop.bag.id, "quantity": 5}, {"product": shop.jar.id, "quantity": 2}])
        bag_line, jar_line = sale.lines
        flour_move, = bag_line.moves
        assert (flour_move.quantity, flour_move.unit.symbol) == (5.0, "kg")
        shop.ship(env, sale, {flour_move.id: 3, jar_line.moves[0].id: 2})     # 3 of 5 kg
        invoice, = Sale.invoice([sale])
        assert (invoice.type, invoice.state, invoice.party, invoice.number) == ("out", "draft", shop.customer, None)
        assert lines_of(invoice) == [("Bag", 3.0), ("Jar", 2.0)]
        assert {line.origin for line in invoice.lines} == {bag_line, jar_line}
        assert (bag_line.quantity_invoiced, jar_line.quantity_invoiced) == (3.0, 2.0)
        assert Sale.invoice([sale]) == []                                   # invoicing twice: nothing new
        assert len(invoice.lines) == 2
        Invoice.post([invoice])
        shop.ship(env, sale)                                                  # the rest: 2 kg
        assert sale.state == "done"
        second, = Sale.invoice([sale])
        assert second != invoice and lines_of(second) == [("Bag", 2.0)]
        assert bag_line.quantity_invoiced == 5.0
        assert sale.invoices == [invoice, second]


def test_half_a_kit_shipped_is_not_invoiced(database, shop):
    """Components for 2.5 of 5 kits shipped: 2 kits are shipped and invoiced, not 3."""
    with database.transaction() as env:
        sale = shop.sale(env, [{"product": shop.bag.id, "quantity": 5}])
        bag_line, = sale.lines
        flour_move, = bag_line.moves
        shop.ship(env, sale, {flour_move.id: 2.5})
        assert bag_line.quantity_to_invoice == 2.0
        invoice, = env["sale.sale"].invoice([sale])
        assert lines_of(invoice) == [("Bag", 2.0)]


def test_cancelling_an_invoice_makes_its_quantities_invoiceable_again(database, shop):
    with database.transaction() as env:
        Sale, Invoice = env["sale.sale"], env["account.invoice"]
        sale = shop.sale(env, [{"product": shop.bag.id, "quantity": 5}])
        shop.ship(env, sale, {sale.lines[0].moves[0].id: 3})
        first, = Sale.invoice([sale])
        Invoice.post([first])
        Invoice.cancel([first])
        assert (first.state, first.number) == ("cancelled", "INV0001")       # the number stays used
        assert sale.lines[0].quantity_invoiced == 0.0
        again, = Sale.invoice([sale])
        assert again != first and lines_of(again) == [("Bag", 3.0)]
        Invoice.cancel([again])                                               # a draft one too
        assert lines_of(Sale.invoice([sale])[0]) == [("Bag", 3.0)]


def test_a_draft_invoice_of_the_order_gets_the_new_lines(database, shop):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        sale = shop.sale(env, [{"product": shop.jar.id, "quantity": 4}])
        move, = sale.lines[0].moves
        shop.ship(env, sale, {move.id: 1})
        invoice, = Sale.invoice([sale])
        shop.ship(env, sale)
        assert Sale.invoice([sale]) == [invoice]
        assert lines_of(invoice) == [("Jar", 1.0), ("Jar", 3.0)]
        assert sale.lines[0].quantity_invoiced == 4.0


def test_invoice_lines_carry_price_taxes_account_and_amounts(database, shop):
    with database.transaction() as env:
        Sale, Invoice = env["sale.sale"], env["account.invoice"]
        sale = shop.sale(env, [{"product": shop.jar.id, "quantity": 3, "unit_price": Decimal("2.5")},
                               {"product": shop.flour.id, "quantity": 1.5, "account": shop.other.id}],
                         invoice_method="order")
        jar_line, flour_line = sale.lines
        assert (jar_line.account, flour_line.account) == (shop.revenue, shop.other)
        invoice, = Sale.invoice([sale])                                       # on order: before shipping
        jar, flour = invoice.lines
        assert (jar.unit_price, jar.taxes, jar.account, jar.amount, jar.tax_amount) == (
            Decimal("2.5"), [shop.vat], shop.revenue, Decimal("7.50"), Decimal("1.50"))
        assert (flour.quantity, flour.unit.symbol, flour.account, flour.taxes) == (1.5, "kg", shop.other, [])
        assert (invoice.untaxed_amount, invoice.tax_amount, invoice.total_amount) == (
            Decimal("10.50"), Decimal("1.50"), Decimal("12.00"))
        assert invoice.total_amount == sale.total_amount
        Invoice.post([invoice])
        assert invoice.invoice_date is not None and invoice.number == "INV0001"


def test_manual_and_service_lines(database, shop):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        fitting, = env["product.product"].create([{"name": "Fitting", "type": "service", "default_uom": shop.unit,
                                                    "list_price": Decimal("50")}])
        manual = shop.sale(env, [{"product": shop.jar.id, "quantity": 1}], invoice_method="manual")
        assert Sale.invoice([manual]) == []
        service = shop.sale(env, [{"product": fitting.id, "quantity": 2}])
        invoice, = Sale.invoice([service])
        assert lines_of(invoice) == [("Fitting", 2.0)] and invoice.lines[0].account is None
        with pytest.raises(errors.UserError, match=r"\(Fitting\) has no account.*give Fitting a revenue account"):
            env["account.invoice"].post([invoice])
        assert (invoice.state, invoice.number) == ("draft", None)


def test_purchase_invoice(database, shop):
    with database.transaction() as env:
        Purchase, Invoice = env["purchase.purchase"], env["account.invoice"]
        purchase, = Purchase.create([{"party": shop.supplier.id, "invoice_method": "shipment",
                                      "lines": [{"product": shop.jar.id, "quantity": 10}]}])
        line, = purchase.lines
        assert (line.account, line.unit_price, line.taxes) == (shop.expense, Decimal("1.5"), [shop.vat])
        Purchase.quote([purchase])
        Purchase.confirm([purchase])
        Purchase.process([purchase])
        assert Purchase.invoice([purchase]) == []                              # nothing received yet
        env["stock.shipment.in"].receive(purchase.shipments, {line.moves[0].id: 6})
        bill, = Purchase.invoice([purchase])
        assert (bill.type, bill.party, lines_of(bill), bill.lines[0].account) == (
            "in", shop.supplier, [("Jar", 6.0)], shop.expense)
        Invoice.post([bill])
        assert bill.number == "BILL0001" and line.quantity_invoiced == 6.0
        assert purchase.invoices == [bill]


def test_an_invoice_made_by_hand_takes_the_product_defaults(database, shop):
    with database.transaction() as env:
        Invoice = env["account.invoice"]
        out, in_ = Invoice.create([
            {"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 2}]},
            {"type": "in", "party": shop.supplier.id, "lines": [{"product": shop.jar.id, "quantity": 2}]}])
        assert [(l.unit_price, l.account, l.taxes, l.unit.symbol) for l in out.lines + in_.lines] == [
            (Decimal("3"), shop.revenue, [shop.vat], "u"), (Decimal("1.5"), shop.expense, [shop.vat], "u")]
        Invoice.post([out, in_, out.id])
        assert (out.number, in_.number) == ("INV0001", "BILL0001")
        another, = Invoice.create([{"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 1}]}])
        Invoice.post([another])
        assert another.number == "INV0002"


def test_bad_input_is_a_clear_error_and_saves_nothing(database, shop):
    with database.transaction() as env:
        Sale, Invoice, Line = env["sale.sale"], env["account.invoice"], env["account.invoice.line"]
        draft, = Sale.create([{"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 1}]}])
        sale = shop.sale(env, [{"product": shop.jar.id, "quantity": 1}], invoice_method="order")
        with pytest.raises(errors.WorkflowError, match=r"cannot invoice sale.sale \d+: it is draft"):
            Sale.invoice([sale, draft])
        for bad, message in (("S0001", "expected a list"), ([sale, "x"], "expected a record"),
                             ([10 ** 6], "no sale.sale with id 1000000"), ([shop.jar], "expected a record")):
            with pytest.raises(errors.UserError, match=message):
                Sale.invoice(bad)
        assert Invoice.search([]) == [] and sale.lines[0].quantity_invoiced == 0.0
        with pytest.raises(errors.ValidationError, match="quantity must not be zero"):   # below zero credits
            Invoice.create([{"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 0}]}])
        with pytest.raises(errors.ValidationError, match="unit"):
            Invoice.create([{"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 1,
                                                                   "unit": shop.kg}]}])
        with pytest.raises(errors.ValidationError, match="type"):
            Invoice.create([{"party": shop.customer.id, "type": "sideways"}])
        assert Invoice.search([]) == [] and Line.search([]) == []
        empty, = Invoice.create([{"party": shop.customer.id}])
        with pytest.raises(errors.UserError, match="no lines"):
            Invoice.post([empty])
        invoice, = Sale.invoice([sale])
        Invoice.post([invoice])
        with pytest.raises(errors.WorkflowError, match="cannot post .* it is posted"):
            Invoice.post([invoice])
        for attempt in (lambda: Invoice.write([invoice], {"invoice_date": None}),
                        lambda: Line.write(invoice.lines, {"quantity": 5}),
                        lambda: Line.create([{"invoice": invoice.id, "product": shop.jar.id, "quantity": 1}]),
                        lambda: Invoice.delete([invoice])):
            with pytest.raises(errors.WorkflowError):
                attempt()
        assert (invoice.state, lines_of(invoice), invoice.number) == ("posted", [("Jar", 1.0)], "INV0001")
        Invoice.cancel([invoice])
        with pytest.raises(errors.WorkflowError, match="never given back"):
            Invoice.delete([invoice])
        with pytest.raises(errors.WorkflowError, match="cancelled"):
            Invoice.cancel([invoice])
        Invoice.delete([empty])


def test_invoice_command_posts_and_writes_the_pdfs(database, shop, tmp_path, capsys):
    with database.transaction() as env:
        sale = shop.sale(env, [{"product": shop.jar.id, "quantity": 2}], invoice_method="order")
        nothing = shop.sale(env, [{"product": shop.jar.id, "quantity": 1}], invoice_method="manual")
        numbers = sale.number, nothing.number
    out = io.StringIO()
    assert cli.main(["invoice", *numbers, "--db", database.url, "--pdf", str(tmp_path / "pdf")], out=out) == 0
    assert out.getvalue().splitlines() == [
        f"{numbers[0]}: invoice INV0001 for Ann, 1 line(s), total 7.20", f"{numbers[1]}: nothing to invoice",
        f"wrote {tmp_path / 'pdf' / 'INV0001.pdf'}"]
    assert (tmp_path / "pdf" / "INV0001.pdf").read_bytes().startswith(b"%PDF")
    assert cli.main(["invoice", numbers[0], "--db", database.url], out=io.StringIO()) == 0
    assert cli.main(["invoice", "S9999", "--db", database.url], out=io.StringIO()) == 1
    assert "no sale numbered S9999" in capsys.readouterr().err
    with database.transaction() as env:
        assert [(i.number, i.state) for i in env["account.invoice"].search([])] == [("INV0001", "posted")]


WORKER = """
import json, pathlib, sys, time
from core import Database, errors
url, go, task, ids = sys.argv[1], pathlib.Path(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4])
db = Database(url)
while not go.exists():
    time.sleep(0.01)
if task == "post":   # every invoice, each in a transaction of its own; "already posted" is expected
    for invoice_id in ids:
        try:
            with db.transaction() as env:
                env["account.invoice"].post([invoice_id])
        except errors.WorkflowError:
            pass
else:   # invoice, then hold the transaction open until the other one has invoiced too (or 3 s)
    with db.transaction() as env:
        env["account.invoice"].post(env["sale.sale"].invoice(ids))
        (go.parent / f"invoiced-{task}").write_text("")
        deadline = time.monotonic() + 3
        while len(list(go.parent.glob("invoiced-*"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
db.close()
"""


def concurrently(database, tmp_path, task, id_lists):
    """Run WORKER ``task`` in one process per list of ids, started together; their exit statuses."""
    go = tmp_path / "go"
    processes = [subprocess.Popen([sys.executable, "-c", WORKER, database.url, str(go),
                                   task if task == "post" else f"{task}{i}", json.dumps(ids)],
                                  stderr=subprocess.PIPE, text=True) for i, ids in enumerate(id_lists)]
    go.write_text("go")
    results = [(process.wait(timeout=120), process.stderr.read()) for process in processes]
    for process in processes:
        process.stderr.close()
    return results


def test_invoice_command_sends_the_invoices_or_refuses_the_whole_run(database, shop, capsys):
    with database.transaction() as env:
        mailed = shop.sale(env, [{"product": shop.jar.id, "quantity": 2}], invoice_method="order")
        silent, = env["party.party"].create([{"name": "No Mail Ltd"}])
        Sale = env["sale.sale"]
        unmailed, = Sale.create([{"party": silent.id, "invoice_method": "order",
                                  "lines": [{"product": shop.jar.id, "quantity": 1}]}])
        Sale.quote([unmailed])
        Sale.confirm([unmailed])
        numbers = mailed.number, unmailed.number
    assert cli.main(["invoice", *numbers, "--db", database.url, "--send"], out=io.StringIO()) == 1
    assert "party No Mail Ltd has no e-mail address" in capsys.readouterr().err
    with database.transaction() as env:   # nothing stayed: no invoice, no mail
        assert env["account.invoice"].search([]) == [] and env["mail.message"].search([]) == []
    out = io.StringIO()
    assert cli.main(["invoice", numbers[0], "--db", database.url, "--send"], out=out) == 0
    assert out.getvalue().splitlines()[-1] == "queued mail to ann@example.com: Invoice INV0001"
    with database.transaction() as env:
        message, = env["mail.message"].search([])
        assert (message.attachment_name, message.state) == ("INV0001.pdf", "queued")


postgresql_only = pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL", "").startswith("postgresql"),
                                     reason="row locks and concurrent transactions in two processes: PostgreSQL")


@postgresql_only
def test_concurrent_posting_numbers_without_gaps(database, shop, tmp_path):
    with database.transaction() as env:
        invoices = env["account.invoice"].create([
            {"party": shop.customer.id, "lines": [{"product": shop.jar.id, "quantity": 1}]} for _ in range(40)])
        ids = [i.id for i in invoices]

    # both processes post all of them, racing for each: each is posted once, numbered once
    assert concurrently(database, tmp_path, "post", [ids, ids]) == [(0, ""), (0, "")]
    with database.transaction() as env:
        numbers = sorted(i.number for i in env["account.invoice"].search([]))
        assert numbers == [f"INV{n:04d}" for n in range(1, 41)]


@postgresql_only
def test_concurrent_invoicing_and_posting_of_the_same_orders_happens_once(database, shop, tmp_path):
    with database.transaction() as env:
        sales = [shop.sale(env, [{"product": shop.jar.id, "quantity": 2}], invoice_method="order")
                 for _ in range(5)]
        ids = [s.id for s in sales]

    # the second process waits for the first's lock, then finds nothing new to invoice
    assert concurrently(database, tmp_path, "invoice", [ids, ids]) == [(0, ""), (0, "")]
    with database.transaction() as env:
        invoices = env["account.invoice"].search([])
        assert len(invoices) == 5 and all(lines_of(i) == [("Jar", 2.0)] for i in invoices)
        assert sorted(i.number for i in invoices) == [f"INV{n:04d}" for n in range(1, 6)]


def test_the_demo_invoices_a_shipped_sale_writes_its_pdf_and_queues_the_mail(tmp_path, monkeypatch):
    out = io.StringIO()
    monkeypatch.chdir(tmp_path)   # by default the PDF goes to the current folder, where the user opens it
    assert cli.main(["demo"], out=out) == 0
    chapter = out.getvalue().split("== account_invoice ==\n")[1].split("\n== ")[0]
    assert "shipped 3: invoice INV0001 (posted) for Alder & Co: 3 x 24.5, untaxed 73.50, tax 14.70, total 88.20" \
        in chapter
    assert "invoicing S0002 again: 0 new invoice" in chapter
    assert f"PDF written: {tmp_path / 'INV0001.pdf'}," in chapter and "b'%PDF-" in chapter
    assert (tmp_path / "INV0001.pdf").read_bytes().startswith(b"%PDF-")
    assert cli.main(["demo", "--out", str(tmp_path / "elsewhere")], out=io.StringIO()) == 0
    assert (tmp_path / "elsewhere" / "INV0001.pdf").read_bytes().startswith(b"%PDF-")
    assert "mail queued to orders@alder.example: 'Invoice INV0001' with INV0001.pdf attached (queued;" in chapter


def test_a_line_origin_must_be_an_existing_order_line_of_the_invoice_side(database, shop):
    with database.transaction() as env:
        Invoice, Line = env["account.invoice"], env["account.invoice.line"]
        sale = shop.sale(env, [{"product": shop.jar.id, "quantity": 2}], invoice_method="order")
        sale_line = sale.lines[0]
        for type_, origin in (("out", "sale.line,999999"), ("out", f"party.party,{shop.customer.id}"),
                              ("in", f"sale.line,{sale_line.id}"), ("out", f"sale.line,{2 ** 70}")):
            with pytest.raises(errors.ValidationError, match="origin"):
                with env.atomic():
                    Invoice.create([{"party": shop.customer.id, "type": type_, "lines": [
                        {"product": shop.jar.id, "quantity": 1, "origin": origin}]}])
            assert Invoice.search([]) == [] and Line.search([]) == []
        invoice, = Invoice.create([{"party": shop.customer.id}])
        with pytest.raises(errors.ValidationError, match="origin"):
            Line.create([{"invoice": invoice.id, "product": shop.jar.id, "quantity": 1, "origin": "sale.line,0"}])
        assert invoice.lines == () or list(invoice.lines) == []
        Line.create([{"invoice": invoice.id, "product": shop.jar.id, "quantity": 1, "origin": sale_line}])
        assert sale_line.quantity_invoiced == 1.0
        assert [line.quantity for line in env["sale.sale"].invoice([sale])[0].lines] == [1.0, 1.0]
        with pytest.raises(errors.ValidationError, match="origin 'sale.line,.*' is not an existing purchase.line"):
            with env.atomic():
                Invoice.write([invoice], {"type": "in"})   # its sale lines would count as invoiced by a bill
        with pytest.raises(errors.ValidationError, match="is not an existing sale.line"):
            with env.atomic():
                Line.write(list(invoice.lines), {"origin": f"party.party,{shop.customer.id}"})
        assert invoice.type == "out" and [l.origin for l in invoice.lines] == [sale_line, sale_line]


def test_an_invoice_counts_fixed_taxes_per_product_unit_as_its_sale(kitwork_database):
    """A line in dozens pays twelve fixed taxes on the invoice (and its PDF) as on the sale."""
    database = kitwork_database("account_invoice", "sale")
    with database.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        revenue, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        eco, = env["account.tax"].create([{"name": "Eco fee", "type": "fixed", "amount": Decimal("0.50")}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": units["u"], "list_price": Decimal(10),
                                                "revenue_account": revenue.id, "customer_taxes": [eco.id]}])
        ann, = env["party.party"].create([{"name": "Ann"}])
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": ann.id, "lines": [{"product": lamp.id, "quantity": 1, "unit": units["dz"]}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        invoice, = Sale.invoice([sale])
        assert sale.tax_amount == invoice.tax_amount == Decimal("6.00")
        assert invoice.total_amount == sale.total_amount == Decimal("126.00")
        env["account.invoice"].post([invoice])
        text = pypdf_text(env["account.invoice"].render_pdf([invoice])[invoice.id])
        assert "Eco fee" in text and "6.00" in text and "126.00" in text


def pypdf_text(data):
    import pypdf
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def test_an_invoiced_product_keeps_its_unit_category(kitwork_database):
    """An invoice line made by hand counts the product in units: its unit cannot start weighing it."""
    database = kitwork_database("account_invoice")
    with database.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        service, = env["product.product"].create([{"name": "Repair", "default_uom": units["u"],
                                                   "list_price": Decimal("40")}])
        ann, = env["party.party"].create([{"name": "Ann"}])
        invoice, = env["account.invoice"].create([{"party": ann.id, "lines": [{"product": service.id,
                                                                                "quantity": 2}]}])
        with pytest.raises(errors.ValidationError,
                           match=r"Repair.*Kilogram.*account\.invoice\.line .* of account\.invoice .* counts it in Unit"):
            env["product.product"].write([service], {"default_uom": units["kg"]})
        assert env["product.product"].browse([service.id])[0].default_uom.id == units["u"]
        env["product.product"].write([service], {"default_uom": units["dz"]})   # same category: fine
