"""The HTTP API over a real server (uvicorn on 127.0.0.1) with a real client (httpx), on both backends."""
import json
import threading

import pytest
import sqlalchemy as sa

from core import errors

from .conftest import add_user


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "product_kit", "stock_reorder", "web")


@pytest.fixture
def admin(database):
    return add_user(database, "root", groups=["admin"])


def ok(response, status=200):
    assert response.status_code == status, response.text
    return None if status == 204 else response.json()


def problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def count(database, model, domain=()):
    with database.transaction() as env:
        return env[model].search_count(list(domain))


def test_order_to_supply_over_http(database, admin, serve):
    http = serve(database).client(admin)
    unit, = ok(http.get("/api/product.uom", params={"domain": json.dumps([["symbol", "=", "u"]])}))
    customer, vendor = ok(http.post("/api/party.party", json=[{"name": "Customer"}, {"name": "Vendor"}]), 201)
    pen, paper = ok(http.post("/api/product.product", json=[
        {"name": name, "default_uom": unit["id"], "list_price": "2.50",
         "product_suppliers": [{"party": vendor["id"], "lead_time": 3, "unit_price": "1.00"}]}
        for name in ("Pen", "Paper")]), 201)
    kit, = ok(http.post("/api/product.product", json=[{
        "name": "Writing kit", "type": "kit", "default_uom": unit["id"], "list_price": "10",
        "components": [{"product": pen["id"], "quantity": 2}, {"product": paper["id"], "quantity": 5}]}]), 201)
    assert len(kit["components"]) == 2
    warehouse, = ok(http.get("/api/stock.location", params={"domain": json.dumps([["code", "=", "WH"]])}))
    rule, = ok(http.post("/api/stock.reorder.rule", json=[{
        "product": pen["id"], "warehouse": warehouse["id"], "min_quantity": 5, "max_quantity": 20}]), 201)

    sale, = ok(http.post("/api/sale.sale", json=[{"party": customer["id"], "lines": [
        {"product": kit["id"], "quantity": 3}]}]), 201)
    assert sale["state"] == "draft" and sale["untaxed_amount"] == "30.00" and len(sale["lines"]) == 1
    line_domain = {"domain": json.dumps([["line.sale", "=", sale["id"]]]), "order": '[["product", "ASC"]]'}
    assert ok(http.post("/api/sale.sale/quote", json={"ids": [sale["id"]]})) == {"result": None}
    components = ok(http.get("/api/sale.line.component", params=line_domain))
    assert sorted((c["product"], c["quantity"]) for c in components) == [(pen["id"], 6.0), (paper["id"], 15.0)]
    assert ok(http.get(f"/api/sale.sale/{sale['id']}"))["state"] == "quotation"

    ok(http.post("/api/sale.sale/draft", json={"ids": [sale["id"]]}))
    assert ok(http.get("/api/sale.line.component", params=line_domain)) == []
    for transition in ("quote", "confirm", "process"):
        ok(http.post(f"/api/sale.sale/{transition}", json={"ids": [sale["id"]]}))
    assert ok(http.get(f"/api/sale.sale/{sale['id']}"))["state"] == "processing"
    assert len(ok(http.get("/api/sale.line.component", params=line_domain))) == 2

    def purchase_lines(product):
        return ok(http.get("/api/purchase.line", params={"domain": json.dumps([["product", "=", product["id"]]])}))
    # the confirmation took pens below their auto rule's minimum: bought at once (20 - -6)
    assert [(line["quantity"], line["origin"]) for line in purchase_lines(pen)] == [
        (26.0, f"stock.reorder.rule,{rule['id']}")]
    paper_rule, = ok(http.post("/api/stock.reorder.rule", json=[{
        "product": paper["id"], "warehouse": warehouse["id"], "min_quantity": 5, "max_quantity": 20}]), 201)
    needs = ok(http.post("/api/stock.reorder.rule/needs", json={"warehouse": warehouse["id"]}))["result"]
    row, = needs
    assert row["rule"] == {"model": "stock.reorder.rule", "id": paper_rule["id"]} and row["to_order"] == 35
    assert row["product"] == {"model": "product.product", "id": paper["id"]} and "below min 5" in row["explanation"]
    ordered = ok(http.post("/api/stock.reorder.rule/run_scheduler", json={}))["result"]
    line, = purchase_lines(paper)
    assert ordered == [{"model": "purchase.line", "id": line["id"]}] and line["quantity"] == 35
    purchase = ok(http.get(f"/api/purchase.purchase/{line['purchase']}"))
    assert purchase["party"] == vendor["id"] and purchase["state"] == "draft"
    assert ok(http.post("/api/stock.reorder.rule/needs", json={}))["result"] == []


def test_supplier_prices_snooze_and_an_edited_order_over_http(database, admin, serve):
    """§17 through the JSON API: a row's unit, price and amount; snooze (a past date refused); order with a vendor."""
    http = serve(database).client(admin)
    unit, = ok(http.get("/api/product.uom", params={"domain": json.dumps([["symbol", "=", "u"]])}))
    lumen, volt = ok(http.post("/api/party.party", json=[{"name": "Lumen"}, {"name": "Volt"}]), 201)
    suppliers = [{"party": lumen["id"], "sequence": 1, "unit_price": "10",
                  "prices": [{"min_quantity": 20, "unit_price": "8"}]},
                 {"party": volt["id"], "sequence": 2, "unit_price": "9", "min_quantity": 30}]
    lamp, = ok(http.post("/api/product.product", json=[{"name": "Lamp", "default_uom": unit["id"],
                                                        "product_suppliers": suppliers}]), 201)
    rule, = ok(http.post("/api/stock.reorder.rule", json=[{
        "product": lamp["id"], "min_quantity": 5, "max_quantity": 24, "trigger": "manual"}]), 201)
    row, = ok(http.post("/api/stock.reorder.rule/needs", json={}))["result"]
    assert (row["to_order"], row["unit"], row["unit_price"], row["amount"], row["vendor"]["id"]) == (
        24, {"model": "product.uom", "id": unit["id"]}, "8.0000", "192.00", lumen["id"])
    past = problem(http.post("/api/stock.reorder.rule/snooze", json={"ids": [rule["id"]], "until": "2000-01-01"}), 422)
    assert "snoozed_until" in past["errors"] and "in the past" in past["detail"]
    assert ok(http.get(f"/api/stock.reorder.rule/{rule['id']}"))["snoozed_until"] is None
    ok(http.post("/api/stock.reorder.rule/snooze", json={"ids": [rule["id"]], "until": "2999-12-31"}))
    assert ok(http.post("/api/stock.reorder.rule/needs", json={}))["result"] == []
    ok(http.post("/api/stock.reorder.rule/snooze", json={"ids": [rule["id"]]}))   # woken up
    ordered = ok(http.post("/api/stock.reorder.rule/order", json={"ids": [rule["id"]], "vendor": volt["id"]}))
    line = ok(http.get(f"/api/purchase.line/{ordered['result'][0]['id']}"))
    assert (line["quantity"], line["unit_price"], line["price_reason"]) == (30, "9.0000", "supplier price")
    assert "raised to Volt's minimum order of 30" in line["reorder_explanation"]


def test_rights_refuse_with_403_and_save_nothing(database, admin, serve):
    reader = add_user(database, "rita", groups=["readers"], access=[("readers", "sale.sale", ["read"]),
                                                                   ("readers", "party.party", ["read"])])
    server = serve(database)
    http, admin_http = server.client(reader), server.client(admin)
    customer, = ok(admin_http.post("/api/party.party", json=[{"name": "Customer"}]), 201)
    body = problem(http.post("/api/sale.sale", json=[{"party": customer["id"]}]), 403)
    assert "user 'rita' may not create sale.sale" in body["detail"]
    assert count(database, "sale.sale") == 0
    problem(http.post("/api/party.party", json=[{"name": "Intruder"}]), 403)
    assert count(database, "party.party") == 1
    sale, = ok(admin_http.post("/api/sale.sale", json=[{"party": customer["id"]}]), 201)
    problem(http.post("/api/sale.sale/quote", json={"ids": [sale["id"]]}), 403)
    problem(http.patch(f"/api/sale.sale/{sale['id']}", json={"delivery_date": "2030-01-01"}), 403)
    problem(http.delete(f"/api/sale.sale/{sale['id']}"), 403)
    problem(http.get("/api/product.product"), 403)
    assert ok(http.get(f"/api/sale.sale/{sale['id']}"))["state"] == "draft"
    rights = {m["name"]: m["access"] for m in ok(http.get("/api/models"))}
    assert rights["sale.sale"] == {"read": True, "create": False, "write": False, "delete": False}
    with database.transaction(user="rita") as env:   # the same rights in the Python API
        with pytest.raises(errors.AccessError):
            env["sale.sale"].create([{"party": customer["id"]}])


def test_keys_missing_wrong_or_revoked_get_401(database, admin, serve):
    server = serve(database)
    http = server.client(admin)
    ok(http.get("/api/party.party"))
    for client in (server.client(), server.client("kw_not-a-key"), server.client("not even the prefix")):
        response = client.get("/api/party.party")
        problem(response, 401)
        assert response.headers["www-authenticate"].startswith("Bearer")
    problem(httpx_get(server, "/api/party.party", {"Authorization": "Basic abc"}), 401)
    with database.transaction() as env:
        root, = env["res.user"].search([("login", "=", "root")])
        env["res.user"].revoke([root])
    body = problem(http.get("/api/party.party"), 401)
    assert "revoked" in body["detail"] and admin not in body["detail"]
    key = add_user(database, "sleepy", groups=["admin"])
    with database.transaction() as env:
        env["res.user"].write(env["res.user"].search([("login", "=", "sleepy")]), {"active": False})
    assert "inactive" in problem(server.client(key).get("/api/party.party"), 401)["detail"]


def httpx_get(server, path, headers):
    import httpx
    return httpx.get(server.url + path, headers=headers)


def test_bad_input_gets_the_documented_4xx(database, admin, serve):
    http = serve(database).client(admin)
    customer, = ok(http.post("/api/party.party", json=[{"name": "Customer"}]), 201)
    sale, = ok(http.post("/api/sale.sale", json=[{"party": customer["id"]}]), 201)
    before = count(database, "party.party")

    assert "not valid JSON" in problem(http.post("/api/party.party", content=b'[{"name": "x",]'), 400)["detail"]
    problem(http.post("/api/party.party", content=b"[NaN]"), 400)
    problem(http.post("/api/party.party", json={"name": "not a list"}), 400)
    problem(http.post("/api/party.party", json=[]), 400)
    problem(http.post("/api/party.party", json=["not an object"]), 400)
    body = problem(http.post("/api/party.party", json=[{"name": 42, "colour": "red"}]), 422)
    assert body["errors"] == {"[0].name": ["Not a valid string."], "[0].colour": ["Unknown field of party.party."]}
    body = problem(http.post("/api/sale.sale", json=[{"party": customer["id"], "lines": [
        {"product": "lamp", "quantity": "many"}]}]), 422)
    assert set(body["errors"]) == {"[0].lines[0].product", "[0].lines[0].quantity"}
    assert "line 1 of lines" in body["detail"]
    body = problem(http.post("/api/sale.sale", json=[{"party": 999999}]), 422)
    assert body["errors"] == {"party": ["No party.party with id 999999."]}
    assert "read-only" in problem(http.patch(f"/api/sale.sale/{sale['id']}", json={"state": "done"}), 422)["detail"]
    assert count(database, "party.party") == before

    assert "no active module provides model 'no.such'" in problem(http.get("/api/no.such"), 404)["detail"]
    problem(http.post("/api/no.such", json=[{}]), 404)
    assert "publishes no method 'frobnicate'" in problem(
        http.post("/api/sale.sale/frobnicate", json={"ids": [sale["id"]]}), 404)["detail"]
    problem(http.post("/api/sale.sale/validate", json={"ids": [sale["id"]]}), 404)   # public, not published
    problem(http.post("/api/sale.sale/quote", json={}), 422)
    problem(http.post("/api/sale.sale/quote", json={"ids": ["1"]}), 422)
    assert "unknown parameter" in problem(
        http.post("/api/sale.sale/quote", json={"ids": [sale["id"]], "force": True}), 422)["detail"].lower()
    problem(http.post("/api/stock.reorder.rule/needs", json={"warehouse": "main"}), 422)
    problem(http.post("/api/sale.sale/confirm", json={"ids": [sale["id"]]}), 409)   # draft: quote first

    ok(http.delete(f"/api/sale.sale/{sale['id']}"), 204)
    for response in (http.get(f"/api/sale.sale/{sale['id']}"), http.patch(f"/api/sale.sale/{sale['id']}", json={}),
                     http.delete(f"/api/sale.sale/{sale['id']}"),
                     http.post("/api/sale.sale/quote", json={"ids": [sale["id"]]}),
                     http.get("/api/sale.sale/99999999999999999999")):
        assert "no sale.sale with id" in problem(response, 404)["detail"]

    for domain in ('[["name); DROP TABLE party_party; --", "=", 1]]', '[["name", "= 1 OR 1=1 --", "x"]]',
                   '[["id", "in", {"$gt": 0}]]', '{"name": "x"}', '[["name", "="]]', "[[", '[["party.id", "=", 1]]',
                   '[["name", "<", null]]', '[["id", "=", "1 OR 1=1"]]'):
        problem(http.get("/api/party.party", params={"domain": domain}), 400)
    assert ok(http.get("/api/party.party", params={"domain": '[["name", "=", "x\' OR \'1\'=\'1"]]'})) == []
    assert count(database, "party.party") == before
    for params in ({"limit": "0"}, {"limit": "1001"}, {"limit": "ten"}, {"offset": "-1"}, {"order": '[["name"]]'},
                   {"order": '[["name", "SIDEWAYS"]]'}, {"order": '[["nope", "ASC"]]'}, {"where": "1=1"}):
        problem(http.get("/api/party.party", params=params), 400)
    assert len(ok(http.get("/api/party.party", params={"limit": "1000", "order": '[["name", "DESC"]]'}))) == before


def test_openapi_describes_the_active_models_and_methods(database, serve):
    document = ok(serve(database).client().get("/api/openapi.json"))
    assert document["openapi"].startswith("3.1")
    schemas, paths = document["components"]["schemas"], document["paths"]
    assert {"sale.sale", "sale.sale.create", "sale.sale.write", "res.user", "stock.reorder.rule"} <= set(schemas)
    sale = schemas["sale.sale"]["properties"]
    assert sale["party"]["type"] == "integer" and sale["state"]["readOnly"] is True   # required: never null
    assert sale["delivery_date"]["type"] == ["string", "null"] and sale["id"]["type"] == "integer"
    assert sale["untaxed_amount"]["format"] == "decimal" and sale["lines"]["type"] == "array"
    assert sale["state"]["enum"] == ["draft", "quotation", "confirmed", "processing", "done", "cancelled"]
    assert schemas["sale.sale"]["description"].startswith("A customer's order")   # its own docstring
    assert set(schemas["sale.sale"]["required"]) == set(sale)   # every field is in every answer
    assert schemas["sale.sale.create"]["required"] == ["party"]
    assert set(schemas["sale.line.create"]["required"]) == {"product", "quantity"}   # sale: given inline
    actions = schemas["sale.sale.write"]["properties"]["lines"]["items"]["oneOf"]
    assert [a["$ref"].rsplit("/", 1)[1] for a in actions] == [
        "sale.line.create_action", "sale.line.write_action", "sale.line.delete_action"]
    assert schemas["sale.line.create_action"]["prefixItems"][0] == {"const": "create"}
    bought = paths["/api/sale.sale/create_purchase"]["post"]["responses"]["200"]["content"]["application/json"]
    assert bought["schema"]["properties"]["result"]["items"] == {"$ref": "#/components/schemas/RecordRef"}
    quoted = paths["/api/sale.sale/quote"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert quoted["properties"]["result"]["type"] == "null"
    assert "state" not in schemas["sale.sale.write"]["properties"]
    assert schemas["sale.sale.create"]["properties"]["lines"]["items"] == {"$ref": "#/components/schemas/sale.line.create"}
    assert {"/api/sale.sale", "/api/sale.sale/{id}", "/api/sale.sale/quote", "/api/stock.reorder.rule/needs",
            "/api/stock.reorder.rule/order", "/api/stock.reorder.rule/run_scheduler"} <= set(paths)
    assert "/api/sale.sale/validate" not in paths
    needs = paths["/api/stock.reorder.rule/needs"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "warehouse" in needs["properties"] and "ids" not in needs["properties"]
    quote = paths["/api/sale.sale/quote"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert quote["required"] == ["ids"]


def test_a_third_party_module_appears_without_code_of_its_own(kitwork_database, example_package, serve):
    database = kitwork_database("example", "web")
    key = add_user(database, "root", groups=["admin"])
    http = serve(database).client(key)
    gadget = ok(http.get("/api/openapi.json"))["components"]["schemas"]["example.gadget"]["properties"]
    assert {"name", "colour", "parts", "total"} <= set(gadget)
    created, = ok(http.post("/api/example.gadget", json=[{"name": "Gizmo", "price": "2.50", "count": 2,
                                                         "parts": [{"name": "cog"}]}]), 201)
    assert created["total"] == "5.00" and len(created["parts"]) == 1


def test_concurrent_writers_all_succeed(database, admin, serve):
    """20 clients creating at once: no "database is locked" reaches them (SQLite queues the writers)."""
    server = serve(database)
    results = []

    def create(n):
        with server.client(admin) as http:
            results.append(http.post("/api/party.party", json=[{"name": f"P{n}-{i}"} for i in range(5)]).status_code)
    threads = [threading.Thread(target=create, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [201] * 20
    assert count(database, "party.party") == 100


def test_the_system_lock_statement_changes_nothing(database):
    from modules.web.app import WRITE_LOCK
    if database.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with database.transaction() as env:
        assert env.execute(sa.text(WRITE_LOCK)).rowcount == 0


def test_a_search_through_a_relation_needs_the_read_right_on_the_related_model(database, admin, serve):
    server = serve(database)
    admin_http = server.client(admin)
    blind = server.client(add_user(database, "blind", groups=["blind"], access=[("blind", "sale.sale", ["read"])]))
    customer, = ok(admin_http.post("/api/party.party", json=[{"name": "Customer", "code": "SECRET-1"}]), 201)
    unit, = ok(admin_http.get("/api/product.uom", params={"domain": json.dumps([["symbol", "=", "u"]])}))
    lamp, = ok(admin_http.post("/api/product.product", json=[
        {"name": "Lamp", "default_uom": unit["id"], "list_price": "10", "cost_price": "4"}]), 201)
    sale, = ok(admin_http.post("/api/sale.sale", json=[{"party": customer["id"], "lines": [
        {"product": lamp["id"], "quantity": 2}]}]), 201)
    for domain, model in (([["party.code", "=", "SECRET-1"]], "party.party"),
                          ([["party.name", "ilike", "cust%"]], "party.party"),
                          ([["lines.product.cost_price", ">", 0]], "sale.line"),
                          ([["lines.quantity", ">=", 2]], "sale.line")):
        body = problem(blind.get("/api/sale.sale", params={"domain": json.dumps(domain)}), 403)
        assert f"may not read {model}" in body["detail"]
    found, = ok(blind.get("/api/sale.sale", params={"domain": json.dumps([["party", "=", customer["id"]]])}))
    assert found["party"] == customer["id"]   # a Many2One reads as an id, whatever the rights on its model
    problem(blind.get(f"/api/party.party/{customer['id']}"), 403)
    assert len(ok(admin_http.get("/api/sale.sale", params={
        "domain": json.dumps([["lines.product.cost_price", ">", 0]])}))) == 1


def test_without_the_right_a_missing_record_is_refused_as_an_existing_one(database, admin, serve):
    server = serve(database)
    customer, = ok(server.client(admin).post("/api/party.party", json=[{"name": "Customer"}]), 201)
    sale, = ok(server.client(admin).post("/api/sale.sale", json=[{"party": customer["id"]}]), 201)
    reader = server.client(add_user(database, "rita", groups=["readers"], access=[("readers", "sale.sale", ["read"])]))
    for id_ in (sale["id"], 99999):   # 403 both: a 404 would tell which ids exist
        problem(reader.patch(f"/api/sale.sale/{id_}", json={"delivery_date": "2030-01-01"}), 403)
        problem(reader.delete(f"/api/sale.sale/{id_}"), 403)
        problem(reader.post("/api/sale.sale/quote", json={"ids": [id_]}), 403)
        problem(reader.patch(f"/api/party.party/{id_}", json={"name": "x"}), 403)
    problem(reader.get(f"/api/party.party/{customer['id']}"), 403)
    problem(reader.get("/api/party.party/99999"), 403)
    problem(reader.get("/api/sale.sale/99999"), 404)   # a reader may know which ids exist


def test_a_body_not_sent_as_json_is_refused_with_415_and_nothing_saved(database, admin, serve):
    http = serve(database).client(admin)
    before = count(database, "party.party")
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                         "application/xml"):
        body = problem(http.post("/api/party.party", content=b'[{"name": "Sneaky"}]',
                                 headers={"content-type": content_type}), 415)
        assert "application/json" in body["detail"]
    problem(http.post("/api/party.party", data={"name": "Form"}), 415)
    customer, = ok(http.post("/api/party.party", content=b'[{"name": "Plain"}]',
                             headers={"content-type": "application/json; charset=utf-8"}), 201)
    problem(http.patch(f"/api/party.party/{customer['id']}", content=b'{"name": "x"}',
                       headers={"content-type": "text/plain"}), 415)
    problem(http.post("/api/stock.reorder.rule/run_scheduler", content=b"{}", headers={"content-type": "text/csv"}),
            415)
    ok(http.post("/api/party.party", content=b'[{"name": "Unlabelled"}]'), 201)   # no Content-Type: read as JSON
    assert count(database, "party.party") == before + 2
    assert ok(http.get(f"/api/party.party/{customer['id']}"))["name"] == "Plain"
    assert "415" in http.get("/api/openapi.json").json()["paths"]["/api/party.party"]["post"]["responses"]


def test_inventories_and_valuation_over_http(database, admin, serve):
    http = serve(database).client(admin)
    unit, = ok(http.get("/api/product.uom", params={"domain": json.dumps([["symbol", "=", "u"]])}))
    warehouse, = ok(http.get("/api/stock.location", params={"domain": json.dumps([["code", "=", "WH"]])}))
    supplier, = ok(http.get("/api/stock.location", params={"domain": json.dumps([["type", "=", "supplier"]])}))
    pen, = ok(http.post("/api/product.product", json=[{"name": "Pen", "default_uom": unit["id"],
                                                       "cost_price": "1.50"}]), 201)
    move, = ok(http.post("/api/stock.move", json=[{
        "product": pen["id"], "quantity": 10, "from_location": supplier["id"],
        "to_location": warehouse["storage_location"]}]), 201)
    ok(http.post("/api/stock.move/do", json={"ids": [move["id"]]}))
    inventory, = ok(http.post("/api/stock.inventory", json=[{"warehouse": warehouse["id"]}]), 201)
    ok(http.post("/api/stock.inventory/complete_lines", json={"ids": [inventory["id"]]}))
    line, = ok(http.get("/api/stock.inventory.line",
                        params={"domain": json.dumps([["inventory", "=", inventory["id"]]])}))
    ok(http.patch(f"/api/stock.inventory.line/{line['id']}", json={"quantity": 8}))
    ok(http.post("/api/stock.inventory/confirm", json={"ids": [inventory["id"]]}))
    assert ok(http.get(f"/api/stock.inventory.line/{line['id']}"))["expected_quantity"] == 10
    problem(http.post("/api/stock.inventory/confirm", json={"ids": [inventory["id"]]}), 409)
    rows = ok(http.post("/api/stock.location/valuation", json={"warehouse": warehouse["id"]}))["result"]
    assert rows == [{"product": {"model": "product.product", "id": pen["id"]},
                     "warehouse": {"model": "stock.location", "id": warehouse["id"]},
                     "quantity": 8.0, "cost_price": "1.5000", "value": "12.00"}]


def test_a_method_parameter_naming_no_record_is_a_422(database, admin, serve):
    """As from Python: a warehouse of no location, or of a location that is no warehouse, is refused."""
    with database.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        vendor, = env["party.party"].create([{"name": "Vendor"}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id,
                                                "product_suppliers": [{"party": vendor.id}]}])
        warehouse = env["stock.location"].warehouse()
        storage = warehouse.storage_location.id
        env["stock.reorder.rule"].create([{"product": lamp.id, "warehouse": warehouse.id, "min_quantity": 1,
                                           "max_quantity": 5}])
    http = serve(database).client(admin)
    for method in ("needs", "run_scheduler"):
        body = problem(http.post(f"/api/stock.reorder.rule/{method}", json={"warehouse": 999999}), 422)
        assert body["errors"] == {"warehouse": ["No stock.location with id 999999."]}
        assert "warehouse: no stock.location with id 999999" in body["detail"]
        body = problem(http.post(f"/api/stock.reorder.rule/{method}", json={"warehouse": storage}), 422)
        assert "is not a warehouse" in body["detail"] and list(body["errors"]) == ["warehouse"]
    assert count(database, "purchase.line") == 0
    rows = ok(http.post("/api/stock.reorder.rule/needs", json={"warehouse": warehouse.id}))["result"]
    assert [row["to_order"] for row in rows] == [5.0]
