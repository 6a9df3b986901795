"""HTTP for integrators (CONTRACT.md §18): lists, problems by type and path, idempotent POSTs, operators' routes.

One real server (uvicorn on 127.0.0.1) over one database with every module,
shared by the tests of this file, on both backends.
"""
import datetime
import io
import os
import json
import re
import threading

import pytest
import sqlalchemy as sa

from core import errors

from .conftest import Served, add_user


@pytest.fixture(scope="module")
def served(full_db):
    served = Served(full_db)
    yield served
    served.stop()


@pytest.fixture(scope="module")
def admin(full_db):
    return add_user(full_db, "integrator", groups=["admin"])


@pytest.fixture(scope="module")
def http(served, admin):
    return served.client(admin)


@pytest.fixture(scope="module")
def shop(http):
    """A unit, three parties and a product; what the tests read and sell."""
    unit, = ok(http.get("/api/product.uom", params={"domain": json.dumps([["symbol", "=", "u"]])}))
    parties = ok(http.post("/api/party.party", json=[{"name": name, "code": f"L-{name}"}
                                                     for name in ("Ash", "Birch", "Cedar")]), 201)
    product, = ok(http.post("/api/product.product", json=[
        {"name": "Lamp", "default_uom": unit["id"], "list_price": "4.00"}]), 201)
    return {"unit": unit, "parties": parties, "product": product}


def ok(response, status=200):
    assert response.status_code == status, response.text
    return None if status == 204 else response.json()


def problem(response, status, type_=None):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    if type_ is not None:
        assert body["type"] == type_, body
    return body


def codes(response):
    return [p["code"] for p in response.json()]


def test_lists_have_a_total_and_a_next_link(http, shop):
    mine = json.dumps([["code", "like", "L-%"]])
    first = http.get("/api/party.party", params={"domain": mine, "limit": "2", "order": '[["name", "ASC"]]'})
    assert codes(first) == ["L-Ash", "L-Birch"] and first.headers["X-Total-Count"] == "3"
    link = re.fullmatch(r'<(.+)>; rel="next"', first.headers["Link"])
    second = http.get(link.group(1))
    assert codes(second) == ["L-Cedar"] and second.headers["X-Total-Count"] == "3"
    assert "Link" not in second.headers
    beyond = http.get("/api/party.party", params={"domain": mine, "offset": "5"})
    assert ok(beyond) == [] and beyond.headers["X-Total-Count"] == "3" and "Link" not in beyond.headers


def test_or_and_domains_over_http(http, shop):
    domain = ["OR", ["code", "=", "L-Ash"], ["AND", ["code", "like", "L-%"], ["name", "ilike", "c%"]]]
    found = http.get("/api/party.party", params={"domain": json.dumps(domain), "order": '[["name", "ASC"]]'})
    assert codes(found) == ["L-Ash", "L-Cedar"] and found.headers["X-Total-Count"] == "2"
    for bad in (["OR", ["code", "=", "x"], ["nope", "=", 1]], ["OR", ["code", "~", "x"]], ["AND", ["code", "="]],
                ["OR", "code"], [["OR", ["name", "=", {"$ne": 1}]]]):
        assert "domain" in problem(http.get("/api/party.party", params={"domain": json.dumps(bad)}), 400)["title"]


def test_fields_select_what_is_answered(http, shop):
    sale, = ok(http.post("/api/sale.sale", json=[{"party": shop["parties"][1]["id"], "lines": [
        {"product": shop["product"]["id"], "quantity": 2}]}]), 201)
    rows = ok(http.get("/api/sale.sale", params={"domain": json.dumps([["id", "=", sale["id"]]]),
                                                 "fields": "state,party.name,party.code,lines,lines"}))
    assert rows == [{"id": sale["id"], "state": "draft", "party.name": "Birch", "party.code": "L-Birch",
                     "lines": sale["lines"]}]
    one = ok(http.get(f"/api/sale.line/{sale['lines'][0]}", params={"fields": "sale.party.name,quantity"}))
    assert one == {"id": sale["lines"][0], "sale.party.name": "Birch", "quantity": 2.0}
    for fields in ("nope", "party.nope", "lines.product", "state.name", "", ",,"):
        assert "fields" in problem(http.get("/api/sale.sale", params={"fields": fields}), 400)["title"].lower()


def test_problems_have_a_type_per_class_and_errors_by_path(http, served, shop, full_db):
    customer, product = shop["parties"][0]["id"], shop["product"]["id"]
    line = {"product": product, "quantity": 1}
    before = count_sales(full_db)
    checked = problem(http.post("/api/sale.sale", json=[
        {"party": customer}, {"party": customer, "lines": [line, line, {**line, "quantity": "many"}]}]),
        422, "/problems/validation")
    assert list(checked["errors"]) == ["[1].lines[2].quantity"]
    refused = problem(http.post("/api/sale.sale", json=[
        {"party": customer}, {"party": customer, "lines": [line, line, {**line, "quantity": -1}]}]),
        422, "/problems/validation")
    assert list(refused["errors"]) == ["[1].lines[2].quantity"]
    missing = problem(http.post("/api/sale.sale", json=[{"party": customer, "lines": [line, {"quantity": 2}]}]),
                      422, "/problems/validation")
    assert "[0].lines[1].product" in missing["errors"] and all(k.startswith("[0].lines[1].") for k in missing["errors"])
    assert count_sales(full_db) == before

    sale, = ok(http.post("/api/sale.sale", json=[{"party": customer, "lines": [line]}]), 201)
    patched = problem(http.patch(f"/api/sale.sale/{sale['id']}", json={"lines": [["create", [line, {
        **line, "quantity": -2}]]]}), 422, "/problems/validation")
    assert list(patched["errors"]) == ["lines[1].quantity"]
    problem(http.post("/api/sale.sale/confirm", json={"ids": [sale["id"]]}), 409, "/problems/workflow")
    problem(http.get("/api/sale.sale/999999"), 404, "/problems/not-found")
    problem(http.get("/api/nothing.here"), 404, "/problems/not-found")
    problem(http.get("/api/sale.sale", params={"limit": "x"}), 400, "/problems/malformed")
    problem(served.client().get("/api/sale.sale"), 401, "/problems/access")
    clerk = served.client(add_user(full_db, "reader", groups=["readers"]))
    problem(clerk.get("/api/sale.sale"), 403, "/problems/access")
    page = served.client().get("/problems/validation")
    assert page.status_code == 200 and "lines[2].quantity" in page.text


def test_python_errors_say_where_the_record_sits(full_db, shop):
    with full_db.transaction() as env:
        line = {"product": shop["product"]["id"], "quantity": 1}
        with pytest.raises(errors.ValidationError) as refused:
            env["sale.sale"].create([{"party": shop["parties"][0]["id"], "lines": [line, {**line, "quantity": 0}]}])
        assert refused.value.path == (0, "lines", 1) and "quantity" in refused.value.errors


def count_sales(database):
    with database.transaction() as env:
        return env["sale.sale"].search_count([])


def test_an_idempotency_key_answers_a_repeated_post_once(http, shop, full_db):
    body = [{"party": shop["parties"][2]["id"], "lines": [{"product": shop["product"]["id"], "quantity": 3}]}]
    before = count_sales(full_db)
    first = http.post("/api/sale.sale", json=body, headers={"Idempotency-Key": "order-7781"})
    again = http.post("/api/sale.sale", json=body, headers={"Idempotency-Key": "order-7781"})
    assert first.status_code == again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first.headers
    assert count_sales(full_db) == before + 1
    other = problem(http.post("/api/sale.sale", json=[{**body[0], "lines": []}],
                              headers={"Idempotency-Key": "order-7781"}), 422, "/problems/conflict")
    assert "another request" in other["detail"]
    sale_id = first.json()[0]["id"]
    quote = {"ids": [sale_id]}
    for _ in range(2):   # a repeated transition is answered, not refused as a transition from the wrong state
        assert ok(http.post("/api/sale.sale/quote", json=quote, headers={"Idempotency-Key": "quote-1"})) \
            == {"result": None}
    problem(http.post("/api/sale.sale/quote", json=quote), 409, "/problems/workflow")
    # a failed request keeps nothing: its key may be sent again, and then acts
    problem(http.post("/api/sale.sale", json=[{"party": 0}], headers={"Idempotency-Key": "k-2"}), 422)
    ok(http.post("/api/sale.sale", json=body, headers={"Idempotency-Key": "k-2"}), 201)
    for bad in ("", "x" * 256, "naïve"):
        problem(http.post("/api/sale.sale", json=body, headers={"Idempotency-Key": bad.encode()}), 400)
    assert count_sales(full_db) == before + 2


def test_concurrent_repeats_act_once(served, admin, shop, full_db):
    body = [{"party": shop["parties"][0]["id"], "lines": [{"product": shop["product"]["id"], "quantity": 1}]}]
    before = count_sales(full_db)
    for round_ in range(3):
        clients = [served.client(admin) for _ in range(4)]
        barrier = threading.Barrier(len(clients))
        answers = []

        def send(client):
            barrier.wait()
            answers.append(client.post("/api/sale.sale", json=body, headers={"Idempotency-Key": f"race-{round_}"}))
        threads = [threading.Thread(target=send, args=(client,)) for client in clients]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [a.status_code for a in answers] == [201] * 4, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1
        assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true", "true", "true"]
    assert count_sales(full_db) == before + 3


def test_kept_responses_are_forgotten_after_a_day(full_db, shop):
    with full_db.transaction() as env:
        Keys, user = env["web.idempotency_key"], env["res.user"].search([("login", "=", "integrator")])[0]
        assert Keys.claim(user.id, "old", "a" * 64) is None
        Keys.keep(user.id, "old", 201, "[]")
        assert Keys.claim(user.id, "old", "a" * 64) == (201, "[]")
        env.execute(Keys.table.update().values(created=datetime.datetime(2000, 1, 1)))
        assert Keys.claim(user.id, "old", "b" * 64) is None   # another request may use the key again
        with pytest.raises(errors.AccessError):
            Keys.create([{"token": "x"}])
        env.connection.rollback()


def test_order_references_are_added_to_tables_holding_orders(kitwork_database):
    from alembic import command

    from core import migration, modules
    database = kitwork_database("sale", "purchase")
    with database.transaction() as env:
        party, = env["party.party"].create([{"name": "Older"}])
        env["sale.sale"].create([{"party": party.id}])
        env["purchase.purchase"].create([{"party": party.id}])
    with database.engine.begin() as connection:   # back to before the references, orders kept
        cfg = migration.config(connection, modules.discover())
        command.downgrade(cfg, "sale@sale_0003")
        command.downgrade(cfg, "purchase@purchase_0002")
        assert "reference" not in {c["name"] for c in sa.inspect(connection).get_columns("sale_sale")}
    with database.engine.begin() as connection:
        migration.upgrade(connection, modules.discover(), [modules.discover()[n] for n in database.active_modules])
    with database.transaction() as env:
        for model in ("sale.sale", "purchase.purchase"):
            old, = env[model].search([])
            assert old.reference is None
            new, = env[model].create([{"party": party.id, "reference": "PO-4471"}])
            assert env[model].search([("reference", "=", "PO-4471")]) == [new]


def test_stock_quantities_and_invoice_pdf_routes_check_their_input(http, served, shop, full_db):
    product = shop["product"]["id"]
    with full_db.transaction() as env:
        Location, Move = env["stock.location"], env["stock.move"]
        warehouse = Location.warehouse()
        Move.do(Move.create([{"product": product, "quantity": 7, "from_location": Location.by_type("supplier").id,
                              "to_location": warehouse.storage_location.id}]))
        warehouse_id = warehouse.id
    everywhere = ok(http.get(f"/api/product.product/{product}/quantities"))
    assert everywhere["on_hand"] >= 7 and everywhere["by_warehouse"][str(warehouse_id)]["on_hand"] >= 7
    there = ok(http.get(f"/api/product.product/{product}/quantities",
                        params={"warehouse": warehouse_id, "date": "2000-01-01"}))
    assert there["on_hand"] == 0 and there["forecast"] == 0   # before anything happened
    for params in ({"date": "yesterday"}, {"warehouse": "x"}, {"where": "1"}):
        problem(http.get(f"/api/product.product/{product}/quantities", params=params), 400, "/problems/malformed")
    problem(http.get(f"/api/product.product/{product}/quantities", params={"warehouse": 999999}), 404)
    problem(http.get("/api/product.product/999999/quantities"), 404, "/problems/not-found")
    problem(http.get("/api/account.invoice/999999/pdf"), 404, "/problems/not-found")
    stranger = served.client(add_user(full_db, "stranger", groups=["nobody"]))
    problem(stranger.get("/api/account.invoice/1/pdf"), 403, "/problems/access")
    problem(stranger.get(f"/api/product.product/{product}/quantities"), 403, "/problems/access")


def test_the_api_reference_is_served_without_the_internet(served):
    anonymous = served.client()
    home = anonymous.get("/", follow_redirects=False)
    assert home.status_code == 307 and home.headers["location"] == "/api/docs"
    page = anonymous.get("/api/docs")
    assert page.status_code == 200 and "swagger-ui-bundle.js" in page.text
    assert not re.search(r"(src|href)=\"(https?:)?//", page.text)   # every asset from this server
    assert anonymous.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    sync_api = pytest.importorskip("playwright.sync_api")
    chromium_path = os.environ.get("KITWORK_CHROMIUM", "/usr/bin/chromium")
    if not os.path.exists(chromium_path):
        pytest.skip(f"no Chromium at {chromium_path}")
    elsewhere = []
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            browser = chromium.new_page(viewport={"width": 1280, "height": 900})

            def only_here(route):
                if route.request.url.startswith(served.url):
                    return route.continue_()
                elsewhere.append(route.request.url)
                return route.abort()
            browser.route("**/*", only_here)
            browser.goto(f"{served.url}/")
            browser.wait_for_selector("text=sale.sale", timeout=60000)
            assert browser.url == f"{served.url}/api/docs"
            assert browser.locator(".opblock").count() > 100   # the operations of every model
        finally:
            chromium.close()
    assert elsewhere == []


def test_a_clerk_signs_in_with_a_login_and_a_password(served, full_db, capsys, monkeypatch):
    from core import cli
    add_user(full_db, "clara", groups=["admin"])
    assert cli.main(["user", "password", "clara", "--password", "correct horse", "--db", full_db.url]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("battery staple\nbattery stapl\n"))
    assert cli.main(["user", "password", "clara", "--db", full_db.url]) == 1
    assert "differ" in capsys.readouterr().err
    assert cli.main(["user", "password", "clara", "--password", "short", "--db", full_db.url]) == 1
    assert cli.main(["user", "password", "nobody", "--password", "long enough", "--db", full_db.url]) == 1
    with full_db.transaction() as env:
        stored, = env.execute(env["res.user.password"].table.select()).all()[-1:]
        assert stored.hash.startswith("scrypt$16384$8$1$") and "correct horse" not in stored.hash
    monkeypatch.setattr("sys.stdin", io.StringIO("tr0ub4dor&3\ntr0ub4dor&3\n"))
    assert cli.main(["user", "password", "clara", "--db", full_db.url]) == 0   # typed twice
    with full_db.transaction(user="clara") as env, pytest.raises(errors.AccessError):
        env["res.user.password"].search([])

    browser = served.client()
    token = re.search(r'name="csrf_token" value="([^"]*)"', browser.get("/login").text).group(1)
    wrong = browser.post("/login", data={"login": "clara", "password": "correct horse", "csrf_token": token})
    assert wrong.status_code == 303 and wrong.headers["location"].startswith("/login?error=wrong")
    assert browser.post("/login", data={"login": "clara", "password": "tr0ub4dor&3"}).status_code == 403   # no token
    signed = browser.post("/login", data={"login": "clara", "password": "tr0ub4dor&3", "csrf_token": token})
    assert signed.status_code == 303 and signed.headers["location"] == "/replenishment"
    assert browser.get("/replenishment").status_code == 200
