"""A published method's declared parameters hold, called from Python or over HTTP, and the OpenAPI document says so."""
import pytest

from core import errors

from .conftest import add_user

REASSIGN = '''
from core import expose, fields

class Sale:
    _name = "sale.sale"

    @classmethod
    @expose("write", customer=fields.Many2One("party.party", "Customer", required=True),
            note=fields.Char("Note", size=20))
    def reassign(cls, sales, customer, note=None):
        """Give the sales another customer."""
        cls.write_unchecked(sales, {"party": getattr(customer, "id", customer)})
        return [sale.party.id for sale in sales]

def register(module):
    module.add_models(Sale)
'''


@pytest.fixture
def database(kitwork_database, module_factory):
    module_factory("reassign", {"__init__.py": REASSIGN,
                                "manifest.toml": 'name = "reassign"\nversion = "1"\ndepends = ["sale", "web"]\n'})
    database = kitwork_database("reassign")
    with database.transaction() as env:
        ann, bob = env["party.party"].create([{"name": "Ann"}, {"name": "Bob"}])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        env["product.product"].create([{"name": "Lamp", "default_uom": unit.id}])
        env["sale.sale"].create([{"party": ann.id}])
    return database


@pytest.mark.parametrize("arguments, message", [
    ({}, "customer: Missing data for required parameter."),
    ({"customer": None}, "customer: Missing data for required parameter."),
    ({"customer": 999}, "customer: no party.party with id 999"),
    ({"customer": "abc"}, "customer: Not a valid party.party id or record."),
    ({"customer": "product"}, "customer: Not a valid party.party id or record."),
])
def test_python_callers_get_a_validation_error_and_nothing_changes(database, arguments, message):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        sale, = Sale.search([])
        if arguments.get("customer") == "product":
            arguments = {"customer": env["product.product"].search([])[0]}
        with pytest.raises(errors.ValidationError) as caught:
            Sale.reassign([sale], **arguments)
        assert str(caught.value) == f"invalid call of sale.sale.reassign: {message}"
        assert list(caught.value.errors) == ["customer"]
        assert sale.party.name == "Ann"
        bob, = env["party.party"].search([("name", "=", "Bob")])
        assert Sale.reassign([sale], bob) == [bob.id]   # positional, a record
        assert Sale.reassign([sale.id], customer=bob.id) == [bob.id]   # an id


def test_over_http_a_missing_or_unknown_parameter_is_a_422(database, serve):
    http = serve(database).client(add_user(database, "root", groups=["admin"]))
    with database.transaction() as env:
        sale, = env["sale.sale"].search([])
        bob, = env["party.party"].search([("name", "=", "Bob")])
        sale_id, bob_id = sale.id, bob.id
    for body, expected in [({"ids": [sale_id]}, "Missing data for required parameter."),
                           ({"ids": [sale_id], "customer": None}, "Missing data for required parameter."),
                           ({"ids": [sale_id], "customer": 999}, "No party.party with id 999.")]:
        response = http.post("/api/sale.sale/reassign", json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"] == {"customer": [expected]}
    with database.transaction() as env:
        assert env["sale.sale"].browse([sale_id])[0].party.name == "Ann"
    response = http.post("/api/sale.sale/reassign", json={"ids": [sale_id], "customer": bob_id})
    assert response.status_code == 200 and response.json() == {"result": [bob_id]}

    body = http.get("/api/openapi.json").json()["paths"]["/api/sale.sale/reassign"]["post"]["requestBody"]
    schema = body["content"]["application/json"]["schema"]
    assert schema["required"] == ["ids", "customer"]
    assert schema["properties"]["customer"]["type"] == "integer"   # not nullable
    assert "null" in schema["properties"]["note"]["type"]
