"""account_invoice.invoice: a big invoicing run in batches, each committed with the job carrying on."""
import pytest

from .test_invoice import Shop


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account_invoice", "sale", "purchase", "stock", "product_kit")


def test_an_invoicing_run_goes_in_batches_with_progress_and_never_twice(database, run_jobs):
    with database.transaction() as env:
        shop = Shop(env)
        sales = [shop.sale(env, [{"product": shop.jar.id, "quantity": n}], invoice_method="order")
                 for n in range(1, 6)]
        draft, = env["sale.sale"].create([{"party": shop.customer.id,
                                           "lines": [{"product": shop.jar.id, "quantity": 1}]}])
        ids = [s.id for s in sales] + [draft.id, 99999]
        env.defer("account_invoice.invoice", sales=ids, post=True, batch=3)
    run_jobs(database)
    with database.transaction() as env:
        jobs = env["queue.job"].search([("task", "=", "account_invoice.invoice")])
        assert [(j.state, j.args) for j in jobs] == [
            ("succeeded", {"sales": ids, "post": True, "batch": 3}),
            ("succeeded", {"sales": ids[3:], "post": True, "batch": 3, "done": 3, "total": 7}),
            ("succeeded", {"sales": ids[6:], "post": True, "batch": 3, "done": 6, "total": 7})]
        invoices = env["account.invoice"].search([])
        assert sorted(i.number for i in invoices) == ["INV0001", "INV0002", "INV0003", "INV0004", "INV0005"]
        assert {i.state for i in invoices} == {"posted"}
        env.defer("account_invoice.invoice", sales=ids, post=True)   # again: nothing left to invoice
    run_jobs(database)
    with database.transaction() as env:
        assert len(env["account.invoice"].search([])) == 5
        assert [j.state for j in env["queue.job"].search([])][-1] == "succeeded"


def test_sending_an_invoice_queues_its_mail_send_job(database):
    with database.transaction() as env:
        shop = Shop(env)
        sale = shop.sale(env, [{"product": shop.jar.id, "quantity": 2}], invoice_method="order")
        Invoice = env["account.invoice"]
        invoice, = env["sale.sale"].invoice([sale])
        Invoice.post([invoice])
        message, = Invoice.send([invoice])
        job, = env["queue.job"].search([("task", "=", "mail.send")])
        assert (job.args, job.queueing_lock, job.user) == ({"message": message.id}, f"mail.send:{message.id}", None)
