"""The invoice and nominal code actions, and their condition: the sale has lines."""
from decimal import Decimal

import pytest


def run(env, sales=None):
    return env["sale.automation.rule"].run(sales)


@pytest.fixture
def accounts(database):
    def make(env, shop):
        revenue, other = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"},
                                                        {"code": "4010", "name": "Web sales", "type": "revenue"}])
        env["product.product"].write([shop.lamp, shop.gift, shop.setup], {"revenue_account": revenue.id})
        return revenue, other
    return make


def test_invoice_posts_and_sends(database, shop, accounts):
    with database.transaction() as env:
        s = shop(env)
        accounts(env, s)
        env["party.party"].write([s.customer], {"email": "ann@example.com"})
        sale = s.sale(quantity=3)
        s.rule([{"type": "invoice", "send": True}], name="invoice")
        log, = run(env)
        invoice, = sale.invoices
        assert (invoice.state, invoice.total_amount, invoice.number) == ("posted", Decimal("300.00"), "INV0001")
        assert log.detail == "invoice: applied: invoice: invoice INV0001 posted, 300.00, sent to ann@example.com"
        message, = env["mail.message"].search([])
        assert (message.to, message.state) == ("ann@example.com", "queued")
        assert run(env) == []      # never invoiced twice
        assert len(env["account.invoice"].search([])) == 1


def test_invoice_waits_for_an_email_address_and_a_confirmed_sale(database, shop, accounts):
    with database.transaction() as env:
        s = shop(env)
        accounts(env, s)
        quoted = s.sale(state="quotation", party=s.other)
        sale = s.sale()
        s.rule([{"type": "invoice", "send": True}], name="invoice")
        logs = {log.sale: log.detail for log in run(env)}
        assert logs == {quoted: "invoice: cannot apply yet: invoice: the sale is quotation: only confirmed sales "
                                "are invoiced",
                        sale: "invoice: cannot apply yet: invoice: customer Ann has no e-mail address to send the "
                              "invoice to"}
        assert env["account.invoice"].search([]) == []


def test_invoice_condition_the_sale_has_lines(database, shop, accounts):
    with database.transaction() as env:
        s = shop(env)
        accounts(env, s)
        empty, = env["sale.sale"].create([{"party": s.customer.id}])
        env["sale.sale"].quote([empty])
        env["sale.sale"].confirm([empty])
        s.rule([{"type": "invoice"}], name="invoice")
        log, = run(env)
        assert log.detail == "invoice: cannot apply yet: invoice: the sale has no lines"


def test_invoice_without_an_account_is_refused_by_posting_and_undone(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"sequence": 1, "type": "set_status", "status": s.review.id}, {"sequence": 2, "type": "invoice"}],
               name="invoice")
        log, = run(env)
        assert log.outcome == "watching" and "has no account" in log.detail
        assert sale.status is None and env["account.invoice"].search([]) == []


def test_set_nominal_code_on_every_line_or_only_empty_ones(database, shop, accounts):
    with database.transaction() as env:
        s = shop(env)
        revenue, web = accounts(env, s)
        Sale = env["sale.sale"]
        every, = Sale.create([{"party": s.customer.id, "lines": [
            {"product": s.lamp.id, "quantity": 1}, {"product": s.gift.id, "quantity": 1}]}])
        empty_only, = Sale.create([{"party": s.other.id, "lines": [
            {"product": s.lamp.id, "quantity": 1}, {"product": s.setup.id, "quantity": 1, "account": None}]}])
        env["sale.line"].write([empty_only.lines[1]], {"account": None})
        Sale.quote([every, empty_only])
        s.rule([{"type": "set_nominal_code", "account": web.id}], [["party", "=", s.customer.id]], name="all")
        s.rule([{"type": "set_nominal_code", "account": web.id, "only_empty": True}], [["party", "=", s.other.id]],
               name="empty")
        logs = {log.sale: log.detail for log in run(env)}
        assert [line.account for line in every.lines] == [web, web]
        assert [line.account for line in empty_only.lines] == [revenue, web]
        assert logs == {every: "all: applied: set_nominal_code: 2 line(s) booked to 4010",
                        empty_only: "empty: applied: set_nominal_code: 1 line(s) booked to 4010"}


def test_set_nominal_code_condition_the_sale_has_lines(database, shop, accounts):
    with database.transaction() as env:
        s = shop(env)
        _, web = accounts(env, s)
        empty, = env["sale.sale"].create([{"party": s.customer.id}])
        env["sale.sale"].quote([empty])
        s.rule([{"type": "set_nominal_code", "account": web.id}], name="code")
        log, = run(env)
        assert log.detail == "code: cannot apply yet: set_nominal_code: the sale has no lines"


def test_invoice_on_shipment_waits_for_the_shipment(database, shop, accounts):
    with database.transaction() as env:
        s = shop(env)
        accounts(env, s)
        s.stock(s.lamp, 5)
        sale = s.sale(state="processing", invoice_method="shipment")
        s.rule([{"type": "invoice"}], name="invoice")
        log, = run(env)
        assert log.detail == "invoice: cannot apply yet: invoice: nothing to invoice yet (by its invoice method)"
        env["sale.sale"].fulfil([sale])
        log, = run(env)
        assert log.outcome == "applied" and sale.invoices[0].total_amount == Decimal("200.00")
