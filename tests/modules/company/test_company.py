"""The company record, party addresses and tax identifiers, and what invoices take from them."""
import datetime
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_invoice", "sale", "purchase")


def test_the_company_is_made_at_activation_and_changed_by_write(database):
    with database.transaction() as env:
        Company = env["company.company"]
        company = Company.get()
        assert (company.name, company.currency, company.party, company.logo) == ("My company", "EUR", None, None)
        party, = env["party.party"].create([{"name": "Acme SA", "tax_identifier": "BE0477472701"}])
        Company.write([company], {"name": "Acme SA", "party": party.id, "currency": "CHF",
                                  "email": "ap@acme.example", "logo": b"\x89PNG\r\n\x1a\nrest"})
        assert (company.name, company.party.tax_identifier, company.currency) == ("Acme SA", "BE0477472701", "CHF")
        with pytest.raises(errors.UserError, match="one record"):
            Company.create([{"name": "Second"}])
        with pytest.raises(errors.UserError, match="cannot be deleted"):
            Company.delete([company])
        for values, field in (({"currency": "EURO"}, "currency"), ({"currency": "XYZ"}, "currency"),
                              ({"logo": b"GIF89a"}, "logo"), ({"email": "nobody"}, "email")):
            with pytest.raises(errors.ValidationError) as raised:
                Company.write([company], values)
            assert field in raised.value.errors
        assert len(Company.search([])) == 1 and company.currency == "CHF"   # nothing of the refused writes stayed


def test_addresses_country_codes_and_the_first_invoice_and_delivery_address(database):
    with database.transaction() as env:
        Party, Address, Sale = env["party.party"], env["party.address"], env["sale.sale"]
        ann, bob = Party.create([{"name": "Ann", "addresses": [
            {"street": "1 Depot Road", "city": "Leeds", "country": "GB", "invoice": False},
            {"name": "Accounts", "street": "2 High St\nFloor 3", "postal_code": "LS1 1AA", "city": "Leeds",
             "country": "GB", "delivery": False},
            {"street": "3 Other St", "country": "GB"}]}, {"name": "Bob"}])
        depot, accounts, _ = ann.addresses
        assert accounts.lines() == ["Accounts", "2 High St", "Floor 3", "LS1 1AA Leeds", "GB"]
        with pytest.raises(errors.ValidationError, match="ISO 3166-1") as raised:
            Address.create([{"party": bob.id, "country": "UK"}])
        assert "country" in raised.value.errors
        assert Address.search([("party", "=", bob.id)]) == []
        with pytest.raises(errors.ValidationError, match="tax identifier is blank"):
            Party.write([bob], {"tax_identifier": "  "})
        sale, bare = Sale.create([{"party": ann.id}, {"party": bob.id}])
        assert (sale.invoice_address, sale.shipment_address) == (accounts, depot)
        assert (bare.invoice_address, bare.shipment_address) == (None, None)
        with pytest.raises(errors.ValidationError, match="address of Ann, not of Bob") as raised:
            Sale.write([bare], {"invoice_address": accounts.id})
        assert "invoice_address" in raised.value.errors and bare.invoice_address is None
        purchase, = env["purchase.purchase"].create([{"party": ann.id}])
        assert purchase.invoice_address == accounts


@pytest.fixture
def goods(database):
    with database.transaction() as env:
        revenue, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id,
                                                "list_price": Decimal("10"), "revenue_account": revenue.id}])
        return lamp.id


def test_payment_terms_give_posted_invoices_their_due_date(database, goods):
    with database.transaction() as env:
        Term, Party, Sale, Invoice = (env["account.payment_term"], env["party.party"], env["sale.sale"],
                                      env["account.invoice"])
        split, = Term.create([{"name": "Half now, half in 60 days",
                               "lines": [{"ratio": Decimal("0.5"), "days": 0}, {"days": 60}]}])
        assert split.instalments(Decimal("100.01"), datetime.date(2026, 1, 1)) == [
            (datetime.date(2026, 1, 1), Decimal("50.00")), (datetime.date(2026, 3, 2), Decimal("50.01"))]
        for bad, field in (({"name": "Empty", "lines": []}, "lines"),
                           ({"name": "Too much", "lines": [{"ratio": Decimal("0.7")}, {"ratio": Decimal("0.6")},
                                                            {"days": 5}]}, "lines"),
                           ({"name": "Negative", "lines": [{"days": -1}]}, "lines")):
            with pytest.raises(errors.ValidationError):
                Term.create([bad])
        assert Term.search([]) == [split]
        ann, bob = Party.create([
            {"name": "Ann", "customer_payment_term": split.id,
             "addresses": [{"street": "1 Main St", "city": "Ghent", "country": "BE"}]},
            {"name": "Bob"}])
        sales = Sale.create([{"party": p.id, "lines": [{"product": goods, "quantity": 2}]} for p in (ann, bob)])
        Sale.quote(sales)
        Sale.confirm(sales)
        invoices = Sale.invoice(sales)
        first, second = invoices
        assert (first.currency, first.invoice_address, first.payment_term, first.reference) == (
            "EUR", ann.addresses[0], split, sales[0].number)
        assert (second.invoice_address, second.payment_term, second.due_date) == (None, None, None)
        day = datetime.date(2026, 3, 1)
        Invoice.write([first], {"invoice_date": day})
        Invoice.post(invoices)
        assert first.due_date == day + datetime.timedelta(days=60)
        assert second.due_date == second.invoice_date == datetime.date.today()
        with pytest.raises(errors.WorkflowError):
            Invoice.write([first], {"reference": "changed"})
        with pytest.raises(errors.ValidationError, match="ISO 4217") as raised:
            Invoice.create([{"party": bob.id, "currency": "eur"}])
        assert "currency" in raised.value.errors


def test_the_migration_fills_the_currency_of_invoices_made_before_it(database, goods):
    """account_invoice_0003 on a database holding invoices: they get the company's currency, posted ones a due date."""
    from alembic import command

    from core import migration
    with database.transaction() as env:
        env["company.company"].write([env["company.company"].get()], {"currency": "GBP"})
        party, = env["party.party"].create([{"name": "Ann"}])
        posted, draft = env["account.invoice"].create([
            {"party": party.id, "lines": [{"product": goods, "quantity": 1}]} for _ in range(2)])
        env["account.invoice"].post([posted])
        posted_id, draft_id, posted_date = posted.id, draft.id, posted.invoice_date
    with database.engine.begin() as connection:
        command.downgrade(migration.config(connection, database.available_modules()), "account_invoice_0002")
    database.upgrade()
    with database.transaction() as env:
        posted, draft = env["account.invoice"].browse([posted_id, draft_id])
        assert (posted.currency, draft.currency) == ("GBP", "GBP")
        assert (posted.due_date, draft.due_date) == (posted_date, None)
