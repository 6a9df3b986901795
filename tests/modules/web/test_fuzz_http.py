"""Fuzz the HTTP API from its own OpenAPI document (schemathesis): no 500, every response as documented.

A bounded number of examples per operation (``KITWORK_HTTP_FUZZ_EXAMPLES``,
default 4), valid and invalid, on the operations of a few models and their
published methods; the whole document is checked to load.
"""
import os

import pytest

from .conftest import add_user

schemathesis = pytest.importorskip("schemathesis")
hypothesis = pytest.importorskip("hypothesis")

from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.generation.modes import GenerationMode  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance, response_schema_conformance, status_code_conformance)

EXAMPLES = int(os.environ.get("KITWORK_HTTP_FUZZ_EXAMPLES", "4"))
MODELS = r"^/api/(models|party\.party|product\.product|sale\.sale|sale\.line|stock\.reorder\.rule|res\.user)(/|$)"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_api_holds_against_its_own_document(kitwork_database, serve):
    database = kitwork_database("sale", "product_kit", "stock_reorder", "web")
    key = add_user(database, "root", groups=["admin"])
    with database.transaction() as env:   # something to read, write and call
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        party, = env["party.party"].create([{"name": "Customer"}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id}])
        env["sale.sale"].create([{"party": party.id, "lines": [{"product": lamp.id, "quantity": 1}]}])
        env["stock.reorder.rule"].create([{"product": lamp.id, "min_quantity": 1, "max_quantity": 5}])
    server = serve(database)
    document = server.client().get("/api/openapi.json").json()
    schema = schemathesis.openapi.from_dict(document).include(path_regex=MODELS)
    headers = {"Authorization": f"Bearer {key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 30
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @hypothesis.given(operation.as_strategy(generation_mode=mode))
            @hypothesis.settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
                                 suppress_health_check=list(hypothesis.HealthCheck),
                                 phases=[hypothesis.Phase.explicit, hypothesis.Phase.generate])
            def call(case):
                case.call_and_validate(base_url=server.url, headers=headers, checks=CHECKS)
            call()
