"""Accounts and taxes; taxed sale and purchase lines; order totals."""
from decimal import Decimal

import pytest

from core import errors

D = Decimal


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account", "sale", "purchase")


class Books:
    def __init__(self, env):
        self.vat, self.reduced, self.eco = env["account.tax"].create([
            {"name": "VAT 20%", "type": "percentage", "rate": D("0.2")},
            {"name": "VAT 5.5%", "type": "percentage", "rate": D("0.055")},
            {"name": "Eco fee", "type": "fixed", "amount": D("0.50")}])
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        self.lamp, self.book = env["product.product"].create([
            {"name": "Lamp", "default_uom": unit, "list_price": D("19.99"), "cost_price": D("8"),
             "customer_taxes": [self.vat.id, self.eco.id], "supplier_taxes": [self.vat.id]},
            {"name": "Book", "default_uom": unit, "list_price": D("7.15"), "customer_taxes": [self.reduced.id]}])
        self.party, = env["party.party"].create([{"name": "Ann"}])


def test_accounts_and_taxes_are_checked(database):
    with database.transaction() as env:
        account, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        assert account.rec_name.endswith("(Sales)")
        for values, field in (({"name": "T", "rate": D("-0.1")}, "rate"), ({"name": "T"}, "rate"),
                              ({"name": "T", "type": "fixed", "amount": D("-1")}, "amount")):
            with pytest.raises(errors.ValidationError) as info:
                env["account.tax"].create([values])
            assert field in info.value.errors
        with pytest.raises(errors.ValidationError, match="unique"):
            env["account.account"].create([{"code": "4000", "name": "Again"}])
        assert env["account.tax"].search_count() == 0 and env["account.account"].search_count() == 1


def test_sale_lines_are_taxed_as_their_product_and_totals_add_rounded_lines(database):
    with database.transaction() as env:
        books = Books(env)
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": books.party.id, "lines": [
            {"product": books.lamp.id, "quantity": 3},                        # 59.97; 11.994 + 1.50
            {"product": books.book.id, "quantity": 1},                        # 7.15; 0.39325
            {"product": books.book.id, "quantity": 1, "taxes": []}]}])        # untaxed on purpose
        lamp, book, free = sale.lines
        assert sorted(t.name for t in lamp.taxes) == ["Eco fee", "VAT 20%"] and free.taxes == []
        assert (lamp.amount, lamp.tax_amount) == (D("59.97"), D("13.49"))
        assert (book.amount, book.tax_amount) == (D("7.15"), D("0.39"))
        assert (sale.untaxed_amount, sale.tax_amount, sale.total_amount) == (D("74.27"), D("13.88"), D("88.15"))
        dumped = Sale.dump([sale])[0]
        assert (dumped["tax_amount"], dumped["total_amount"]) == ("13.88", "88.15")
        env["sale.line"].write([book], {"taxes": [("set", [books.vat.id])]})
        assert book.tax_amount == D("1.43") and sale.tax_amount == D("14.92")


def test_purchase_lines_take_the_supplier_taxes(database):
    with database.transaction() as env:
        books = Books(env)
        purchase, = env["purchase.purchase"].create([{"party": books.party.id, "lines": [
            {"product": books.lamp.id, "quantity": 10, "unit_price": D("8")}]}])
        line, = purchase.lines
        assert [t.name for t in line.taxes] == ["VAT 20%"]
        assert (purchase.untaxed_amount, purchase.tax_amount, purchase.total_amount) == (D("80"), D("16"), D("96"))


@pytest.mark.parametrize("taxes, expected", [
    ([("percentage", D("0.2"))], D("100.0000")),
    ([("percentage", D("0.2")), ("fixed", D("0.50"))], ((D("120") - D("0.50")) / D("1.2")).quantize(D("0.0001"))),
    ([], D("120.0000")),
])
def test_tax_included_prices_become_tax_excluded(database, taxes, expected):
    with database.transaction() as env:
        Tax = env["account.tax"]
        records = Tax.create([{"name": f"t{i}", "type": kind, ("rate" if kind == "percentage" else "amount"): value}
                              for i, (kind, value) in enumerate(taxes)])
        assert Tax.excluded(D("120"), records) == expected


def test_a_deleted_tax_leaves_its_lines_and_products(database):
    with database.transaction() as env:
        books = Books(env)
        sale, = env["sale.sale"].create([{"party": books.party.id, "lines": [{"product": books.lamp.id,
                                                                               "quantity": 1}]}])
        env["account.tax"].delete([books.eco])
        assert [t.name for t in sale.lines[0].taxes] == ["VAT 20%"]
        assert [t.name for t in books.lamp.customer_taxes] == ["VAT 20%"]
        assert env["product.product"].search([("customer_taxes.name", "=", "VAT 20%")]) == [books.lamp]


def test_order_lines_are_booked_to_the_product_accounts_by_default(database):
    with database.transaction() as env:
        books = Books(env)
        Account, Product = env["account.account"], env["product.product"]
        sales, purchases, other = Account.create([{"code": "4000", "name": "Sales", "type": "revenue"},
                                                  {"code": "5000", "name": "Purchases", "type": "expense"},
                                                  {"code": "4100", "name": "Other", "type": "revenue"}])
        Product.write([books.lamp], {"revenue_account": sales.id, "expense_account": purchases.id})
        sale, = env["sale.sale"].create([{"party": books.party.id, "lines": [
            {"product": books.lamp.id, "quantity": 1}, {"product": books.lamp.id, "quantity": 1, "account": other.id},
            {"product": books.book.id, "quantity": 1}]}])
        assert [line.account for line in sale.lines] == [sales, other, None]
        purchase, = env["purchase.purchase"].create([{"party": books.party.id, "lines": [
            {"product": books.lamp.id, "quantity": 1}]}])
        assert purchase.lines[0].account == purchases
        with pytest.raises(errors.ValidationError, match="account"):
            env["sale.line"].create([{"sale": sale.id, "product": books.lamp.id, "quantity": 1, "account": 999}])
        with pytest.raises(errors.UserError, match="refers to it"):
            Account.delete([sales])
        assert len(sale.lines) == 3 and books.lamp.revenue_account == sales
