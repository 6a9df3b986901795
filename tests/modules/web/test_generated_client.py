"""A client generated from the OpenAPI document by openapi-python-client drives order-to-cash against ``kitwork serve``.

The generator must not warn (a warning means a dropped endpoint or model);
then the client, as an integrator would use it, sells, quotes, confirms,
invoices, posts, sends and fetches the invoice's PDF, on both backends.
"""
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys

import pytest

from .conftest import add_user, free_port, start_serve

GENERATOR = shutil.which("openapi-python-client")
# The generator knows no PDF: the invoice's PDF is read as a file of bytes (its documented override).
CONFIG = "content_type_overrides:\n  application/pdf: application/octet-stream\n"


@pytest.mark.skipif(GENERATOR is None, reason="openapi-python-client is not installed (the test extra)")
def test_a_generated_client_sells_invoices_and_fetches_the_pdf(kitwork_database, tmp_path):
    database = kitwork_database("sale", "account_invoice", "stock", "mail", "web")
    key = add_user(database, "shop", groups=["admin"])
    port = free_port()
    process, answer = start_serve(database, port, 1)
    try:
        (tmp_path / "openapi.json").write_text(json.dumps(answer.json()))
        (tmp_path / "config.yaml").write_text(CONFIG)
        generated = subprocess.run(
            [GENERATOR, "generate", "--path", "openapi.json", "--meta", "none", "--output-path", "kitwork_client",
             "--config", "config.yaml"], cwd=tmp_path, capture_output=True, text=True, timeout=600)
        log = generated.stdout + generated.stderr
        assert generated.returncode == 0 and "warning" not in log.lower(), log
        sys.path.insert(0, str(tmp_path))
        try:
            drive(importlib.import_module("kitwork_client"), f"http://127.0.0.1:{port}", key)
        finally:
            sys.path.remove(str(tmp_path))
            for name in [n for n in sys.modules if n == "kitwork_client" or n.startswith("kitwork_client.")]:
                del sys.modules[name]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.communicate(timeout=30)


def drive(kc, url, key):
    """Order to cash through the generated client only."""
    api = importlib.import_module("kitwork_client.api")
    m = importlib.import_module("kitwork_client.models")

    def call(tag, operation, **kwargs):
        module = importlib.import_module(f"{api.__name__}.{tag}.{tag}_{operation}")
        return module.sync_detailed(client=client, **kwargs)

    def ok(response, status=200):
        assert response.status_code == status, response.content
        return response.parsed

    with kc.AuthenticatedClient(base_url=url, token=key, raise_on_unexpected_status=True) as client:
        revenue, = ok(call("account_account", "create", body=[
            m.AccountAccountCreate(code="4000", name="Sales", type_=m.AccountAccountCreateType.REVENUE)]), 201)
        unit, = ok(call("product_uom", "search", domain='[["symbol", "=", "u"]]'))
        lamp, = ok(call("product_product", "create", body=[m.ProductProductCreate(
            name="Lamp", default_uom=unit.id, list_price="12.50", revenue_account=revenue.id)]), 201)
        assert lamp.list_price == "12.5000" and lamp.default_uom == unit.id
        customer, = ok(call("party_party", "create", body=[
            m.PartyPartyCreate(name="Alder", email="alder@example.com")]), 201)

        body = [m.SaleSaleCreate(party=customer.id, reference="PO-77", invoice_method=m.SaleSaleCreateInvoiceMethod.ORDER,
                                 lines=[m.SaleLineCreate(product=lamp.id, quantity=2.0)])]
        sale, = ok(call("sale_sale", "create", body=body, idempotency_key="po-77"), 201)
        again, = ok(call("sale_sale", "create", body=body, idempotency_key="po-77"), 201)
        assert again.id == sale.id and sale.state == m.SaleSaleState.DRAFT and sale.untaxed_amount == "25.00"
        found = ok(call("sale_sale", "search", domain='[["reference", "=", "PO-77"]]'))
        assert [s.id for s in found] == [sale.id]

        for transition in ("quote", "confirm", "process"):
            done = ok(call("sale_sale", transition, body=getattr(m, f"SaleSale{transition.title()}Body")(ids=[sale.id])))
            assert done.result is None
        invoices = ok(call("sale_sale", "invoice", body=m.SaleSaleInvoiceBody(ids=[sale.id]))).result
        assert [i.model for i in invoices] == ["account.invoice"]
        ok(call("account_invoice", "post", body=m.AccountInvoicePostBody(ids=[invoices[0].id])))
        invoice = ok(call("account_invoice", "read", id=invoices[0].id))
        assert invoice.state == m.AccountInvoiceState.POSTED and invoice.number and invoice.total_amount == "25.00"
        pdf = ok(call("account_invoice", "pdf", id=invoice.id))
        assert pdf.payload.read().startswith(b"%PDF")
        messages = ok(call("account_invoice", "send", body=m.AccountInvoiceSendBody(ids=[invoice.id]))).result
        assert [message.model for message in messages] == ["mail.message"]

        stock = ok(call("product_product", "quantities", id=lamp.id))
        assert stock.on_hand == 0 and stock.forecast == -2
        refused = call("sale_sale", "confirm", body=m.SaleSaleConfirmBody(ids=[sale.id]))
        assert refused.status_code == 409 and refused.parsed.type_ == "/problems/workflow"
