"""The replenishment page: over HTTP, and in a real browser (headless Chromium driven by Playwright)."""
import contextlib
import datetime
import hashlib
import io
import os
import re
import shutil
import urllib.parse
from pathlib import Path

import pytest
from freezegun import freeze_time  # noqa: F401  (the page reads today's date: the tests keep the real one)

from core import cli

from .conftest import add_user

CHROMIUM = os.environ.get("KITWORK_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("KITWORK_SCREENSHOTS", Path(__file__).resolve().parents[3] / "screenshots"))


@pytest.fixture
def shop(kitwork_database):
    """Two warehouses; a lamp sold in WH below its rule's minimum; a chair without vendor (an exception)."""
    database = kitwork_database("sale", "stock_reorder", "web")
    today = datetime.date.today()
    with database.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        vendor, customer = env["party.party"].create([{"name": "Lumen & Co"}, {"name": "Customer"}])
        lamp, chair = env["product.product"].create([
            {"name": "Lamp", "default_uom": unit.id,
             "product_suppliers": [{"party": vendor.id, "lead_time": 3}]},
            {"name": "Chair", "default_uom": unit.id}])
        Location = env["stock.location"]
        main = Location.warehouse()
        other, = Location.create([{"name": "North depot", "code": "NORTH", "type": "warehouse"}])
        lamp_rule, chair_rule = env["stock.reorder.rule"].create([
            {"product": lamp.id, "warehouse": main.id, "min_quantity": 5, "max_quantity": 20, "trigger": "manual"},
            {"product": chair.id, "warehouse": main.id, "min_quantity": 2, "max_quantity": 4, "trigger": "manual"}])
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": customer.id, "delivery_date": today + datetime.timedelta(days=2),
                              "lines": [{"product": lamp.id, "quantity": 4}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
    database.ids = {"main": main.id, "north": other.id, "lamp_rule": lamp_rule.id, "chair_rule": chair_rule.id,
                    "lamp": lamp.id}
    return database


def test_the_page_over_http(shop, serve):
    key = add_user(shop, "buyer", groups=["admin"])
    reader = add_user(shop, "viewer", groups=["viewers"], access=[("viewers", "stock.reorder.rule", ["read"])])
    server = serve(shop)
    anonymous = server.client()
    anonymous.follow_redirects = False
    response = anonymous.get("/replenishment")
    assert response.status_code == 303 and response.headers["location"].startswith("/login")
    assert anonymous.post("/login", content=b"key=kw_wrong").status_code == 403   # no CSRF token
    token = csrf_of(anonymous.get("/login").text)
    assert anonymous.post("/login", data={"key": "kw_wrong", "csrf_token": token}).headers["location"].startswith(
        "/login?error=")

    http = server.client(key)
    page = http.get("/replenishment", params={"warehouse": shop.ids["main"]})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    assert html.count('class="need"') == 2 and "Lamp" in html and "Chair" in html
    assert "forecast 0 on " in html and "below min 5" in html   # the explanation
    assert "no vendor is set" in html
    assert html.count("<svg") == 2 and 'class="band"' in html and "forecasted date" in html
    north = http.get("/replenishment", params={"warehouse": shop.ids["north"]}).text
    assert 'class="need"' not in north and "Nothing to reorder now in this warehouse" in north

    svg = http.get(f"/replenishment/chart/{shop.ids['lamp_rule']}.svg")
    assert svg.headers["content-type"] == "image/svg+xml" and svg.text.startswith("<svg")
    assert "4 out → -4" in svg.text   # the sale's move, two days ahead

    viewer = server.client(reader)
    viewer.follow_redirects = False
    assert 'disabled' in viewer.get("/replenishment").text
    assert viewer.post("/replenishment/order", data={"rule": shop.ids["lamp_rule"]}).status_code == 403

    http.follow_redirects = False
    everything = http.post("/replenishment/order", data={"all": "1", "warehouse": shop.ids["main"]})
    assert everything.status_code == 303 and "ordered" not in everything.headers["location"]   # manual rules wait
    ordered = http.post("/replenishment/order", data={"rule": shop.ids["lamp_rule"], "warehouse": shop.ids["main"]})
    assert ordered.status_code == 303
    after = http.get(ordered.headers["location"]).text
    assert 'class="purchase-line"' in after and "Lumen &amp; Co" in after and "24 u" in after
    with shop.transaction() as env:
        line, = env["purchase.line"].search([("product", "=", shop.ids["lamp"])])
        assert line.quantity == 24 and line.origin.id == shop.ids["lamp_rule"]
    for bad in ({"rule": "abc"}, {}, {"rule": "999999"}):
        assert http.post("/replenishment/order", data=bad).status_code in (400, 404)


def csrf_of(html):
    """The CSRF token of the first form of a page."""
    return re.search(r'name="csrf_token" value="([^"]*)"', html).group(1)


def sign_in(server, key):
    """A browser-like client signed in with ``key`` through the form: it holds the session cookie."""
    browser = server.client()
    browser.follow_redirects = False
    token = csrf_of(browser.get("/login").text)
    response = browser.post("/login", data={"key": key, "csrf_token": token})
    assert response.status_code == 303 and response.headers["location"] == "/replenishment", response.text
    return browser, response


def test_a_browser_holds_a_signed_expiring_session_never_the_key(shop, serve):
    key = add_user(shop, "buyer", groups=["admin"])
    server = serve(shop)
    browser, response = sign_in(server, key)
    cookie = response.headers["set-cookie"]
    value = browser.cookies["kitwork_session"]
    assert key not in cookie and key[3:] not in value and "kitwork_key" not in cookie
    attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
    assert {"httponly", "max-age", "path", "samesite"} <= attributes and "secure" not in attributes   # plain HTTP
    assert "samesite=lax" in cookie.lower() and "max-age=28800" in cookie.lower()
    session_id = value.rsplit(".", 1)[0]
    with shop.transaction() as env:
        session, = env["ir.session"].search([])
        assert session.digest == hashlib.sha256(session_id.encode()).hexdigest() and session.user.login == "buyer"
        assert session_id not in repr(env["ir.session"].dump([session]))
    page = browser.get("/replenishment")
    assert page.status_code == 200 and 'class="need"' in page.text
    # every form that changes something carries the session's token; the headers forbid framing
    # (sign out, order every auto rule, and each row's order and snooze forms)
    forms = 2 + 2 * page.text.count('class="need"')
    assert page.text.count('name="csrf_token"') == page.text.count('method="post"') == forms == 6
    assert page.headers["x-frame-options"] == "DENY" and page.headers["x-content-type-options"] == "nosniff"
    policy = page.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert "frame-ancestors 'none'" in policy and "default-src 'none'" in policy and f'<style nonce="{nonce}">' in page.text
    api = server.client(key).get("/api/models")
    assert api.headers["x-frame-options"] == "DENY" and "frame-ancestors 'none'" in api.headers["content-security-policy"]
    # the cookie is worth nothing tampered with, nor to the API
    tampered = server.client()
    tampered.follow_redirects = False
    tampered.cookies.set("kitwork_session", value[:-2] + ("AA" if not value.endswith("AA") else "BB"))
    assert tampered.get("/replenishment").headers["location"].startswith("/login")
    bare = server.client()
    bare.follow_redirects = False
    bare.cookies.set("kitwork_session", session_id)   # unsigned
    assert bare.get("/replenishment").headers["location"].startswith("/login")
    assert tampered.get("/api/models").status_code == 401
    cookie_only = server.client()
    cookie_only.cookies.set("kitwork_session", value)
    assert cookie_only.get("/api/models").status_code == 401   # the API wants the key
    # over HTTPS (a proxy on 127.0.0.1 says so) the cookies are Secure (sent back by hand: this client is HTTP)
    secure = server.client()
    secure.follow_redirects = False
    form = secure.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "secure" in form.headers["set-cookie"].lower()
    login_cookie = form.headers["set-cookie"].split(";")[0]
    answer = secure.post("/login", data={"key": key, "csrf_token": csrf_of(form.text)},
                         headers={"X-Forwarded-Proto": "https", "Cookie": login_cookie})
    assert answer.status_code == 303 and "secure" in answer.headers["set-cookie"].lower()
    https_cookie = answer.headers["set-cookie"].split(";")[0]
    # signing out ends the session on the server: a copy of the cookie no longer works
    copy = server.client()
    copy.follow_redirects = False
    copy.cookies.set("kitwork_session", value)
    assert copy.get("/replenishment").status_code == 200
    out = browser.post("/logout", data={"csrf_token": csrf_of(page.text)})
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert copy.get("/replenishment").headers["location"].startswith("/login")
    with shop.transaction() as env:
        assert [s.user.login for s in env["ir.session"].search([])] == ["buyer"]   # the HTTPS one
        expired, = env["ir.session"].search([])
        env["ir.session"].write_rows([{"id": expired.id, "expires": datetime.datetime(2020, 1, 1)}])
    expired_page = secure.get("/replenishment", headers={"X-Forwarded-Proto": "https", "Cookie": https_cookie})
    assert "expired" in urllib.parse.unquote(expired_page.headers["location"])


def test_forms_need_the_session_s_csrf_token_and_this_site_s_origin(shop, serve):
    key = add_user(shop, "buyer", groups=["admin"])
    server = serve(shop)
    browser, _ = sign_in(server, key)
    token = csrf_of(browser.get("/replenishment").text)
    rule = shop.ids["lamp_rule"]
    for data, headers in (({"rule": rule}, {}), ({"rule": rule, "csrf_token": "forged"}, {}),
                          ({"rule": rule, "csrf_token": token}, {"Origin": "http://evil.example"}),
                          ({"rule": rule, "csrf_token": token}, {"Sec-Fetch-Site": "cross-site"}),
                          ({"all": "1", "csrf_token": token}, {"Origin": "null"}),
                          ({"rule": rule, "snooze": "1w"}, {}),   # a row's snooze and edited order: as any form
                          ({"rule": rule, "snooze": "1d", "csrf_token": token}, {"Origin": "http://evil.example"}),
                          ({"rule": rule, "proposed": "24", "quantity": "30", "csrf_token": "forged"}, {})):
        refused = browser.post("/replenishment/order", data=data, headers=headers)
        assert refused.status_code == 403, (data, headers)
        assert refused.headers["x-frame-options"] == "DENY"
    with shop.transaction() as env:
        assert env["purchase.line"].search([]) == []
        assert env["stock.reorder.rule"].browse([rule])[0].snoozed_until is None
    other, _ = sign_in(server, key)   # another browser's token is not this one's
    assert other.post("/replenishment/order", data={"rule": rule, "csrf_token": token}).status_code == 403
    assert browser.post("/logout", data={}).status_code == 403
    ordered = browser.post("/replenishment/order", data={"rule": rule, "csrf_token": token},
                           headers={"Origin": server.url})
    assert ordered.status_code == 303 and "ordered=" in ordered.headers["location"]
    with shop.transaction() as env:
        assert len(env["purchase.line"].search([])) == 1
    # a program sends its key, no cookie and no token
    http = server.client(key)
    http.follow_redirects = False
    assert http.post("/replenishment/order", data={"rule": rule}).status_code == 303
    # the sign-in form has its own token, bound to its cookie; other sites cannot post it
    stranger = server.client()
    stranger.follow_redirects = False
    token = csrf_of(stranger.get("/login").text)
    assert stranger.post("/login", data={"key": key, "csrf_token": token},
                         headers={"Origin": "http://evil.example"}).status_code == 403
    fresh = server.client()
    assert fresh.post("/login", data={"key": key, "csrf_token": token}).status_code == 403   # not its cookie
    assert stranger.post("/login", content=b"key=" + b"k" * 70000).status_code == 413
    # revoking the user's keys ends their sessions
    assert cli.main(["user", "revoke", "buyer", "--db", shop.url], out=io.StringIO()) == 0
    assert other.get("/replenishment").headers["location"].startswith("/login")


def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return sync_api


@contextlib.contextmanager
def signed_in(server, key):
    """A headless Chromium page signed in with ``key`` through the login form, on /replenishment."""
    sync_api = browser()
    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=["--no-sandbox", "--disable-dev-shm-usage"])
        try:
            page = chromium.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{server.url}/replenishment")
            assert page.url.startswith(f"{server.url}/login")
            page.fill("input[name=key]", key)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r".*/replenishment$"))
            yield page
        finally:
            chromium.close()


def test_the_page_in_a_browser(shop, serve):
    key = add_user(shop, "buyer", groups=["admin"])
    server = serve(shop)
    with signed_in(server, key) as page:
        page.select_option("select[name=warehouse]", str(shop.ids["main"]))
        page.click("#warehouse-picker button")
        page.wait_for_url(re.compile(rf".*warehouse={shop.ids['main']}"))
        lamp_row = page.locator(f"tr.need[data-rule='{shop.ids['lamp_rule']}']")
        assert "Lamp" in lamp_row.inner_text()
        assert page.locator(f"tr.need[data-rule='{shop.ids['chair_rule']}'] button.order").is_disabled()

        chart = page.locator(f"tr.detail[data-rule='{shop.ids['lamp_rule']}'] details.chart")
        svg = chart.locator("svg.projection")
        assert not svg.is_visible()
        chart.locator("summary").click()
        svg.wait_for(state="visible")
        band = svg.locator("rect.band")
        assert band.count() == 1 and float(band.get_attribute("height")) > 1
        assert svg.locator("line.min").count() == 1 and svg.locator("line.max").count() == 1
        assert svg.locator("circle.move").count() >= 1
        page.screenshot(path=str(SCREENSHOTS / "replenishment-chart.png"), full_page=True)

        lamp_row.locator("button.order").click()
        page.wait_for_selector("#ordered tr.purchase-line")
        line = page.locator("#ordered tr.purchase-line").first.inner_text()
        assert "Lamp" in line and "Lumen & Co" in line and "24 u" in line
        page.screenshot(path=str(SCREENSHOTS / "replenishment-ordered.png"), full_page=True)
    with shop.transaction() as env:
        assert [line.quantity for line in env["purchase.line"].search([("product", "=", shop.ids["lamp"])])] == [24]
    assert (SCREENSHOTS / "replenishment-ordered.png").stat().st_size > 1000


def test_the_page_shows_other_purchase_lines_only_to_who_may_read_them(shop, serve):
    with shop.transaction() as env:
        vendor, = env["party.party"].search([("name", "=", "Lumen & Co")])
        secret, = env["party.party"].create([{"name": "Secret Supplier"}])
        purchase, = env["purchase.purchase"].create([{"party": secret.id, "lines": [
            {"product": shop.ids["lamp"], "quantity": 7}]}])
        manual = purchase.lines[0].id
    viewer = serve(shop).client(add_user(shop, "viewer", groups=["viewers"], access=[
        ("viewers", "stock.reorder.rule", ["read", "write"])]))
    viewer.follow_redirects = False
    ordered = viewer.post("/replenishment/order", data={"rule": shop.ids["lamp_rule"], "warehouse": shop.ids["main"]})
    location = ordered.headers["location"]
    html = viewer.get(f"{location},{manual}").text
    assert "Lumen &amp; Co" in html and 'class="purchase-line"' in html   # what the user's order made
    assert "Secret Supplier" not in html and f'data-id="{manual}"' not in html
    assert "Secret Supplier" not in viewer.get("/replenishment", params={"ordered": str(manual)}).text


@pytest.fixture
def priced(shop):
    """The lamp also sold by Volt (second, 9.00 and 8.00 from 20); Lumen's price 10.00, 8.50 from 30.

    A stranger sold it until yesterday: it is no vendor to pick.
    """
    with shop.transaction() as env:
        lumen, = env["party.party"].search([("name", "=", "Lumen & Co")])
        volt, = env["party.party"].create([{"name": "Volt"}])
        lumen_supplier, = env["purchase.product_supplier"].search([("party", "=", lumen.id)])
        env["purchase.product_supplier"].write([lumen_supplier], {
            "sequence": 1, "unit_price": "10", "prices": [("create", [{"min_quantity": 30, "unit_price": "8.50"}])]})
        env["purchase.product_supplier"].create([{"product": shop.ids["lamp"], "party": volt.id, "sequence": 2,
                                                  "lead_time": 1, "unit_price": "9",
                                                  "prices": [{"min_quantity": 20, "unit_price": "8"}]}])
        stranger, = env["party.party"].create([{"name": "Stranger"}])
        env["purchase.product_supplier"].create([{"product": shop.ids["lamp"], "party": stranger.id, "sequence": 3,
                                                  "end_date": datetime.date.today() - datetime.timedelta(days=1)}])
    shop.ids.update(lumen=lumen.id, volt=volt.id, stranger=stranger.id)
    return shop


def test_the_page_shows_prices_and_orders_an_edited_row(priced, serve):
    shop = priced
    http = serve(shop).client(add_user(shop, "buyer", groups=["admin"]))
    http.follow_redirects = False
    html = http.get("/replenishment", params={"warehouse": shop.ids["main"]}).text
    lamp = html[html.index(f'<tr class="need" data-rule="{shop.ids["lamp_rule"]}"'):]
    lamp = lamp[:lamp.index("</tr>")]
    for cell in ('class="number min">5 u<', 'class="number max">20 u<', 'class="number to-order">24 u<',
                 'class="number unit-price" title="supplier price">10.00<', 'class="number amount">240.00<',
                 'name="quantity" class="quantity" value="24"'):
        assert cell in lamp
    assert lamp.index(">Lumen &amp; Co</option>") < lamp.index(">Volt</option>") and "Stranger" not in lamp
    assert f'<option value="{shop.ids["lumen"]}" selected>' in lamp
    refused = [{"quantity": "-3"}, {"quantity": "many"}, {"vendor": str(shop.ids["stranger"])}]
    for bad in refused:
        response = http.post("/replenishment/order", data={"rule": shop.ids["lamp_rule"], "proposed": "24", **bad})
        assert response.status_code == 422 and "text/html" in response.headers["content-type"]
    ordered = http.post("/replenishment/order", data={"rule": shop.ids["lamp_rule"], "warehouse": shop.ids["main"],
                                                      "proposed": "24", "quantity": "25", "vendor": shop.ids["volt"]})
    assert ordered.status_code == 303
    after = http.get(ordered.headers["location"]).text
    assert 'class="purchase-line"' in after and "Volt" in after and "25 u" in after
    with shop.transaction() as env:
        line, = env["purchase.line"].search([("product", "=", shop.ids["lamp"])])
        assert (line.quantity, line.unit_price, line.price_reason, line.purchase.party.id) == (
            25.0, 8, "supplier price from 20", shop.ids["volt"])
        assert "25 given by hand instead" in line.reorder_explanation


def test_the_page_snoozes_a_row(priced, serve):
    shop = priced
    http = serve(shop).client(add_user(shop, "buyer", groups=["admin"]))
    http.follow_redirects = False
    today = datetime.date.today()
    chair = {"rule": shop.ids["chair_rule"], "warehouse": shop.ids["main"]}
    assert http.post("/replenishment/order", data={**chair, "snooze": "date",
                                                   "until": str(today - datetime.timedelta(days=1))}).status_code == 422
    assert http.post("/replenishment/order", data={**chair, "snooze": "date", "until": "soon"}).status_code == 422
    assert http.post("/replenishment/order", data={**chair, "snooze": "1w"}).status_code == 303
    html = http.get("/replenishment", params={"warehouse": shop.ids["main"]}).text
    assert html.count('class="need"') == 1 and f'data-rule="{shop.ids["chair_rule"]}"' not in html
    lamp = {"rule": shop.ids["lamp_rule"], "warehouse": shop.ids["main"]}
    assert http.post("/replenishment/order", data={**lamp, "snooze": "1d"}).status_code == 303
    assert "Nothing to reorder now" in http.get("/replenishment").text
    with shop.transaction() as env:
        chair, lamp = env["stock.reorder.rule"].browse([shop.ids["chair_rule"], shop.ids["lamp_rule"]])
        assert (chair.snoozed_until, lamp.snoozed_until) == (today + datetime.timedelta(days=7),
                                                             today + datetime.timedelta(days=1))
        assert env["purchase.line"].search([]) == []


def test_the_page_in_a_browser_edits_and_snoozes(priced, serve):
    shop = priced
    key = add_user(shop, "buyer", groups=["admin"])
    with signed_in(serve(shop), key) as page:
        chair = page.locator(f"tr.detail[data-rule='{shop.ids['chair_rule']}'] form.snooze")
        chair.locator("input[name=until]").fill(str(datetime.date.today() + datetime.timedelta(days=3)))
        chair.locator("button[value=date]").click()
        page.locator(f"tr.need[data-rule='{shop.ids['chair_rule']}']").wait_for(state="detached")
        assert page.locator("tr.need").count() == 1
        lamp = page.locator(f"tr.need[data-rule='{shop.ids['lamp_rule']}']")
        assert lamp.locator("td.amount").inner_text() == "240.00"
        lamp.locator("input.quantity").fill("30")
        lamp.locator("select.vendor").select_option(str(shop.ids["lumen"]))
        lamp.locator("button.order").click()
        page.wait_for_selector("#ordered tr.purchase-line")
        assert "30 u" in page.locator("#ordered tr.purchase-line").first.inner_text()
        page.screenshot(path=str(SCREENSHOTS / "replenishment-edited.png"), full_page=True)
    with shop.transaction() as env:
        line, = env["purchase.line"].search([("product", "=", shop.ids["lamp"])])
        assert (line.quantity, line.unit_price, line.purchase.party.id) == (
            30.0, 8.5, shop.ids["lumen"])
        chair, = env["stock.reorder.rule"].browse([shop.ids["chair_rule"]])
        assert chair.snoozed_until == datetime.date.today() + datetime.timedelta(days=3)
