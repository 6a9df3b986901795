"""Each built-in module activated late, on a database that already holds months of work.

For each module M: a database with every built-in module that does not depend
on M active (M's dependencies, and the modules M extends or that extend M),
populated through the public API with what those modules make in real use —
sales and purchases in every state, moves, shipments, invoices, price lists,
reordering and automation rules, custom values… —; then M is activated, and
M's own flow runs on the old records.  Every model's records are then read
whole (``dump``: every field, Function fields included), and every column M's
branches added to a table that had rows holds its declared default.
"""
import datetime
from decimal import Decimal

import pytest

from core import modules, queue

AVAILABLE = modules.discover()
BUILTIN = sorted(name for name, manifest in AVAILABLE.items() if manifest.builtin)
TODAY = datetime.date.today()


def before(name):
    """The built-in modules a database may hold before ``name``: those not depending on it."""
    return tuple(m for m in BUILTIN if m != name and name not in modules.resolve([m], AVAILABLE))


# -- the records made before the module comes ------------------------------------------------------
def populate(database):
    """Records of every active module, through the public API; returns what the flows need by name."""
    facts = {}
    with database.transaction() as env:
        for chapter in CHAPTERS:
            chapter(env, facts)
    return facts


def one(env, model, domain):
    found, = env[model].search(domain)
    return found


def parties(env, facts):
    if "party.party" not in env:
        return
    vip, = env["party.tag"].create([{"name": "VIP"}])
    facts["customer"], facts["supplier"] = (p.id for p in env["party.party"].create([
        {"name": "Ann Customer", "code": "C1", "email": "ann@example.com", "tags": [vip.id]},
        {"name": "Bob Supplies", "code": "S1", "email": "bob@example.com"}]))


def products(env, facts):
    if "product.product" not in env:
        return
    unit = one(env, "product.uom", [("symbol", "=", "u")])
    lamp, bulb, fitting = env["product.product"].create([
        {"name": "Lamp", "code": "LAMP", "default_uom": unit.id, "list_price": Decimal("40"),
         "cost_price": Decimal("15")},
        {"name": "Bulb", "code": "BULB", "default_uom": unit.id, "list_price": Decimal("4"),
         "cost_price": Decimal("1")},
        {"name": "Fitting", "code": "FIT", "type": "service", "default_uom": unit.id,
         "list_price": Decimal("25")}])
    facts.update(unit=unit.id, lamp=lamp.id, bulb=bulb.id, fitting=fitting.id)


def accounting(env, facts):
    if "account.account" not in env:
        return
    revenue, expense = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"},
                                                      {"code": "6000", "name": "Purchases", "type": "expense"}])
    vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
    env["product.product"].write(env["product.product"].search([]), {
        "customer_taxes": [("set", [vat.id])], "supplier_taxes": [("set", [vat.id])],
        "revenue_account": revenue.id, "expense_account": expense.id})
    facts["vat"] = vat.id


def kits(env, facts):
    if "product.component" not in env:
        return
    kit, = env["product.product"].create([{
        "name": "Lamp kit", "code": "KIT", "type": "kit", "default_uom": facts["unit"], "list_price": Decimal("50"),
        "components": [{"product": facts["lamp"], "quantity": 1, "unit": facts["unit"]},
                       {"product": facts["bulb"], "quantity": 2, "unit": facts["unit"]}]}])
    facts["kit"] = kit.id


def suppliers(env, facts):
    if "purchase.product_supplier" not in env:
        return
    env["purchase.product_supplier"].create([
        {"product": facts["lamp"], "party": facts["supplier"], "lead_time": 3, "unit_price": Decimal("15")},
        {"product": facts["bulb"], "party": facts["supplier"], "lead_time": 2, "unit_price": Decimal("1")}])


def stock_on_hand(env, facts):
    if "stock.move" not in env:
        return
    Location, Move = env["stock.location"], env["stock.move"]
    storage = Location.warehouse().storage_location.id
    Move.do(Move.create([{"product": facts[p], "quantity": 100, "from_location": Location.by_type("supplier").id,
                          "to_location": storage} for p in ("lamp", "bulb")]))
    shop, = Location.create([{"name": "City shop", "code": "SHOP", "type": "warehouse"}])
    Transfer = env["stock.shipment.internal"]
    transfer, = Transfer.create([{"from_location": Location.warehouse().id, "to_location": shop.id,
                                  "moves": [{"product": facts["lamp"], "quantity": 5}]}])
    Transfer.assign([transfer])
    Transfer.done([transfer])
    facts["shop"] = shop.id


def orders(env, facts, kind):
    """One order of each state: draft, quotation, confirmed, processing, done, cancelled."""
    Order = env[f"{kind}.{kind}"]
    party = facts["customer" if kind == "sale" else "supplier"]
    products = ["lamp", "bulb", "fitting"] + (["kit"] if "kit" in facts else [])
    made = Order.create([{"party": party, "lines": [{"product": facts[p], "quantity": 2 + i}
                                                     for i, p in enumerate(products)]} for _ in range(6)])
    draft, quoted, confirmed, processing, done, cancelled = made
    Order.cancel([cancelled])
    Order.quote([quoted, confirmed, processing, done])
    Order.confirm([confirmed, processing, done])
    Order.process([processing, done])
    if kind == "sale" and "stock.move" in env:
        Order.fulfil([done])
    elif kind == "purchase" and "stock.move" in env:
        env["stock.shipment.in"].receive(done.shipments)
    states = dict(zip(("draft", "quotation", "confirmed", "processing", "done", "cancelled"), made))
    for state, order in states.items():
        if state not in ("processing",) or "stock.move" in env:   # without stock, processing is done at once
            assert order.state == state, (kind, state, order.state)
    facts[kind] = {state: order.id for state, order in states.items()}


def sales(env, facts):
    if "sale.sale" in env:
        orders(env, facts, "sale")


def purchases(env, facts):
    if "purchase.purchase" in env:
        orders(env, facts, "purchase")


def price_lists(env, facts):
    if "product.price_list" not in env:
        return
    trade, = env["product.price_list"].create([{"name": "Trade", "lines": [
        {"sequence": 10, "product": facts["lamp"], "min_quantity": 10, "price": Decimal("35"),
         "reason": "volume price"}]}])
    env["party.party"].write([facts["customer"]], {"sale_price_list": trade.id})
    facts["price_list"] = trade.id


def controls(env, facts):
    if "product.product" in env and "sale_min_quantity" in env["product.product"].fields:
        env["product.product"].write([facts["bulb"]], {"sale_min_quantity": 2})


def custom_values(env, facts):
    if "custom.field" not in env:
        return
    for model in ("party.party", "sale.sale"):
        if model in env:
            env["custom.field"].create([{"model": model, "name": "priority", "type": "selection",
                                         "options": "low\nhigh"}])
    if "party.party" in env:
        env["party.party"].write([facts["customer"]], {"custom": {"priority": "high"}})
    if "sale.sale" in env:
        env["sale.sale"].write([facts["sale"]["confirmed"]], {"custom": {"priority": "low"}})


def invoices(env, facts):
    if "account.invoice" not in env:
        return
    Invoice = env["account.invoice"]
    for kind in ("sale", "purchase"):
        if f"{kind}.{kind}" in env:
            Order = env[f"{kind}.{kind}"]
            done, processing = Order.invoice([facts[kind]["done"], facts[kind]["processing"]])
            Invoice.post([done])
            facts[f"{kind}_invoice"] = done.id


def mail(env, facts):
    if "mail.message" in env:
        env["mail.message"].create([{"to": "ann@example.com", "subject": "Welcome", "body": "Hello."}])


def users(env, facts):
    if "res.user" in env:
        clerks, = env["res.group"].create([{"name": "clerks", "access": [{"model": "*", "perm_read": True}]}])
        env["res.user"].create([{"login": "clerk", "name": "Clara Clerk", "groups": [clerks.id]}])


def reordering(env, facts):
    if "stock.reorder.rule" not in env:
        return
    env["stock.reorder.rule"].create([{"product": facts["bulb"], "min_quantity": 10, "max_quantity": 200}])


def automation(env, facts):
    if "sale.automation.rule" not in env:
        return
    big, = env["party.tag"].create([{"name": "BIG"}])
    env["sale.automation.rule"].create([{"name": "Tag big buyers", "sequence": 1, "events": ["confirmed"],
                                         "conditions": [["untaxed_amount", ">", 1000]],
                                         "actions": [{"type": "tag_customer", "tag": big.id}]}])


CHAPTERS = [parties, products, kits, accounting, suppliers, stock_on_hand, price_lists, controls, sales, purchases,
            custom_values, invoices, mail, users, reordering, automation]


# -- each module's own flow, on the old records -----------------------------------------------------
def flow_party(env, facts):
    Party = env["party.party"]
    vip, = env["party.tag"].create([{"name": "VIP"}])
    ann, = Party.create([{"name": "Ann", "email": "ann@example.com", "tags": [vip.id]}])
    assert Party.search([("tags.name", "=", "VIP")]) == [ann]
    if "custom.field" in env:   # custom_field was there first: parties carry custom values at once
        env["custom.field"].create([{"model": "party.party", "name": "tier", "type": "integer"}])
        Party.write([ann], {"custom": {"tier": 2}})
        assert Party.search([("custom.tier", "=", 2)]) == [ann]


def flow_product(env, facts):
    units = {u.symbol for u in env["product.uom"].search([])}
    assert {"u", "dz", "kg", "g"} <= units
    dozen = one(env, "product.uom", [("symbol", "=", "dz")])
    bulbs, = env["product.product"].create([{"name": "Bulbs", "default_uom": dozen.id, "list_price": Decimal("9")}])
    assert bulbs.default_uom.category.name == "Units"


def flow_account(env, facts):
    vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
    Product, Sale = env["product.product"], env["sale.sale"]
    Product.write([facts["lamp"]], {"customer_taxes": [("set", [vat.id])]})
    old = Sale.browse([facts["sale"]["draft"]])[0]
    assert old.tax_amount == Decimal("0.00") and old.total_amount == old.untaxed_amount
    env["sale.line"].create([{"sale": old.id, "product": facts["lamp"], "quantity": 1}])
    assert old.tax_amount == Decimal("8.00")
    Sale.quote([old])
    done = Sale.browse([facts["sale"]["done"]])[0]
    assert done.total_amount == done.untaxed_amount   # what was sold before taxes existed stays untaxed
    purchase = env["purchase.purchase"].browse([facts["purchase"]["draft"]])[0]
    env["purchase.purchase"].quote([purchase])


def flow_account_invoice(env, facts):
    Invoice = env["account.invoice"]
    for kind in ("sale", "purchase"):
        Order = env[f"{kind}.{kind}"]
        done, processing = Order.browse([facts[kind]["done"], facts[kind]["processing"]])
        made = Order.invoice([done, processing])
        assert {i.party.id for i in made} == {facts["customer" if kind == "sale" else "supplier"]}
        Invoice.post([i for i in made if i.lines])
        for line in done.lines:
            assert line.quantity_invoiced == line.quantity
        assert Order.invoice([done]) == []   # nothing left to invoice
    assert Invoice.search_count([("state", "=", "posted")]) >= 2


def flow_company(env, facts):
    company, = env["company.company"].search([])   # made at activation, for the invoices' seller
    env["company.company"].write([company], {"name": "Old Shop Ltd"})
    customer = env["party.party"].browse([facts["customer"]])[0]
    assert customer.addresses == [] and customer.tax_identifier is None   # old parties: nothing invented
    env["party.party"].write([customer], {"tax_identifier": "FR40303265045",
                                          "addresses": [("create", [{"street": "1 rue Haute", "city": "Lyon",
                                                                     "country": "FR", "invoice": True}])]})
    assert customer.addresses[0].city == "Lyon"


def flow_account_payment(env, facts):
    Sale, Invoice, Payment = env["sale.sale"], env["account.invoice"], env["account.payment"]
    done = Sale.browse([facts["sale"]["done"]])[0]
    assert done.payment_state == "none"   # the old sale: nothing paid, nothing invented
    invoices = [i for i in Sale.invoice([done]) if i.lines] or Invoice.search([("party", "=", facts["customer"])])
    Invoice.post([i for i in invoices if i.state == "draft"])
    invoice = [i for i in invoices if i.state == "posted"][0]
    payment, = Payment.create([{"party": invoice.party.id, "amount": invoice.total_amount,
                                "lines": [{"invoice": invoice.id, "amount": invoice.total_amount}]}])
    Payment.post([payment])
    assert invoice.state == "paid" and invoice.amount_to_pay == 0


def flow_custom_field(env, facts):
    env["custom.field"].create([{"model": "party.party", "name": "priority", "type": "selection",
                                 "options": "low\nhigh"},
                                {"model": "sale.sale", "name": "channel", "type": "char"}])
    Party, Sale = env["party.party"], env["sale.sale"]
    Party.write([facts["customer"]], {"custom": {"priority": "high"}})
    Sale.write([facts["sale"]["done"]], {"custom": {"channel": "shop"}})   # whatever the order's state
    assert [p.id for p in Party.search([("custom.priority", "=", "high")])] == [facts["customer"]]
    assert [s.id for s in Sale.search([("custom.channel", "=", "shop")])] == [facts["sale"]["done"]]
    assert Sale.browse([facts["sale"]["draft"]])[0].custom in (None, {})


def flow_mail(env, facts):
    sale = env["sale.sale"].browse([facts["sale"]["done"]])[0]
    message, = env["mail.message"].create([{"to": "ann@example.com", "subject": f"Your order {sale.number}",
                                            "origin": sale}])
    assert message.state == "queued" and message.origin == sale


def flow_product_kit(env, facts):
    Product, Sale = env["product.product"], env["sale.sale"]
    kit, = Product.create([{
        "name": "Lamp kit", "code": "KIT", "type": "kit", "default_uom": facts["unit"], "list_price": Decimal("50"),
        "components": [{"product": facts["lamp"], "quantity": 1, "unit": facts["unit"]},
                       {"product": facts["bulb"], "quantity": 2, "unit": facts["unit"]}]}])
    old = Sale.browse([facts["sale"]["draft"]])[0]
    env["sale.line"].create([{"sale": old.id, "product": kit.id, "quantity": 3}])
    Sale.quote([old])
    Sale.confirm([old])
    Sale.process([old])
    kit_line, = [line for line in old.lines if line.product.id == kit.id]
    assert sorted((c.product.code, c.quantity) for c in kit_line.components) == [("BULB", 6.0), ("LAMP", 3.0)]
    assert all(line.line_type == "normal" for line in Sale.browse([facts["sale"]["done"]])[0].lines)
    assert Sale.fulfil([old]) == [old]
    purchase = env["purchase.purchase"].browse([facts["purchase"]["draft"]])[0]
    env["purchase.line"].create([{"purchase": purchase.id, "product": kit.id, "quantity": 1}])
    env["purchase.purchase"].quote([purchase])


def flow_product_price_list(env, facts):
    trade, = env["product.price_list"].create([{"name": "Trade", "lines": [
        {"sequence": 10, "product": facts["lamp"], "price": Decimal("30"), "reason": "trade price"}]}])
    env["party.party"].write([facts["customer"]], {"sale_price_list": trade.id})
    Sale = env["sale.sale"]
    old = Sale.browse([facts["sale"]["draft"]])[0]
    assert old.price_list is None   # chosen when the sale was made: none existed
    Sale.write([old], {"price_list": trade.id})
    line, = env["sale.line"].create([{"sale": old.id, "product": facts["lamp"], "quantity": 2}])
    assert (line.unit_price, line.price_reason) == (Decimal("30"), "trade price")
    new, = Sale.create([{"party": facts["customer"], "lines": [{"product": facts["lamp"], "quantity": 1}]}])
    assert new.price_list == trade and new.lines[0].unit_price == Decimal("30")
    Sale.quote([old, new])


def flow_purchase(env, facts):
    Purchase = env["purchase.purchase"]
    env["purchase.product_supplier"].create([{"product": facts["lamp"], "party": facts["supplier"],
                                               "lead_time": 3, "unit_price": Decimal("14")}])
    purchase, = Purchase.create([{"party": facts["supplier"], "lines": [{"product": facts["lamp"], "quantity": 10}]}])
    assert purchase.lines[0].unit_price == Decimal("14")
    assert purchase.warehouse.code == "WH"
    Location = env["stock.location"]
    on_hand = Location.quantities([facts["lamp"]], Location.warehouse())[facts["lamp"]]
    Purchase.quote([purchase])
    Purchase.confirm([purchase])
    Purchase.process([purchase])
    env["stock.shipment.in"].receive(purchase.shipments)
    assert purchase.state == "done"
    assert Location.quantities([facts["lamp"]], Location.warehouse())[facts["lamp"]] == on_hand + 10


def flow_res(env, facts):
    assert env["res.group"].search([("name", "=", "admin")])
    clerks, = env["res.group"].create([{"name": "clerks", "access": [{"model": "sale.sale", "perm_read": True}]}])
    env["res.user"].create([{"login": "clerk", "name": "Clara", "groups": [clerks.id]}])


def flow_res_as_user(database, facts):
    with database.transaction(user="clerk") as env:
        assert env["sale.sale"].search_count([]) == 6


def flow_sale(env, facts):
    Sale = env["sale.sale"]
    lines = [{"product": facts["lamp"], "quantity": 2}, {"product": facts["kit"], "quantity": 1}]
    sale, = Sale.create([{"party": facts["customer"], "lines": lines}])
    assert sale.warehouse.code == "WH" and sale.lines[0].taxes[0].id == facts["vat"]
    Sale.quote([sale])
    Sale.confirm([sale])
    Sale.process([sale])
    assert Sale.fulfil([sale]) == [sale]
    invoice, = Sale.invoice([sale])
    env["account.invoice"].post([invoice])
    assert invoice.untaxed_amount == sale.untaxed_amount
    assert sale.custom in (None, {})


def flow_sale_automation(env, facts):
    Rule, Sale = env["sale.automation.rule"], env["sale.sale"]
    express, = env["sale.shipping_method"].create([{"name": "Express"}])
    Rule.create([{"name": "VIPs ship express", "sequence": 1, "events": ["confirmed", "processed"],
                  "conditions": [["party.tags.name", "=", "VIP"]],
                  "actions": [{"type": "set_shipping_method", "shipping_method": express.id}]}])
    logs = Rule.run()   # the open sales made before the module: quoted, confirmed, processing
    assert {log.sale.id for log in logs if log.outcome == "applied"} == {
        facts["sale"][s] for s in ("quotation", "confirmed", "processing")}
    assert Sale.browse([facts["sale"]["confirmed"]])[0].shipping_method == express
    assert Sale.browse([facts["sale"]["done"]])[0].shipping_method is None
    old = Sale.browse([facts["sale"]["draft"]])[0]
    Sale.quote([old])
    Sale.confirm([old])
    assert old.shipping_method == express


def flow_sale_control(env, facts):
    from core import errors
    Product, Sale = env["product.product"], env["sale.sale"]
    Product.write([facts["lamp"]], {"sale_min_quantity": 5})
    old = Sale.browse([facts["sale"]["draft"]])[0]
    Sale.quote([old])   # warn, the default mode: saved with a warning on the lamp line of 2
    assert any(w.key.startswith("sale_control") for w in env.warnings)
    Sale.draft([old])
    with env.with_context(control_mode="block"), pytest.raises(errors.ValidationError, match="quantity 2 is below the minimum 5"):
        Sale.quote([old])
    assert old.state == "draft"


def flow_stock(env, facts):
    Sale, Purchase = env["sale.sale"], env["purchase.purchase"]
    Location = env["stock.location"]
    warehouse = Location.warehouse()
    assert warehouse.code == "WH" and warehouse.storage_location.code == "STO"
    for kind, Order in (("sale", Sale), ("purchase", Purchase)):
        assert {o.warehouse.id for o in Order.search([])} == {warehouse.id}
    purchase = Purchase.browse([facts["purchase"]["confirmed"]])[0]
    Purchase.process([purchase])
    env["stock.shipment.in"].receive(purchase.shipments)
    assert purchase.state == "done"
    sale = Sale.browse([facts["sale"]["confirmed"]])[0]
    Sale.process([sale])
    assert sale.shipments and sale.shipments[0].warehouse == warehouse
    assert Sale.fulfil([sale]) == [sale]
    assert all(line.quantity_shipped == line.quantity for line in sale.lines if line.product.type != "service")
    draft = Sale.browse([facts["sale"]["draft"]])[0]
    Sale.quote([draft])
    Sale.confirm([draft])
    Sale.process([draft])
    assert draft.shipments[0].state in ("waiting", "assigned")


def flow_stock_reorder(env, facts):
    Rule, Product = env["stock.reorder.rule"], env["product.product"]
    assert Product.browse([facts["lamp"]])[0].supply_on_sale is False
    Rule.create([{"product": facts["lamp"], "min_quantity": 200, "max_quantity": 300}])
    needs = {row["product"].id: row for row in Rule.needs()}
    assert needs[facts["lamp"]]["vendor"].id == facts["supplier"]
    ordered = Rule.run_scheduler()
    assert any(line.product.id == facts["lamp"] for line in ordered)
    config, = env["stock.reorder.configuration"].search([])
    assert config.security_days == 0


def flow_queue(env, facts):
    from core import errors
    assert env["queue.job"].search([]) == [] and env["queue.schedule"].search([]) == []   # no module brings tasks
    with pytest.raises(errors.ValidationError, match="unknown task 'stock_reorder.replenish'"):
        env.defer("stock_reorder.replenish")


def flow_web(env, facts):
    assert env["res.group"].search([("name", "=", "admin")])


def flow_web_over_http(database, facts):
    import asyncio

    import httpx

    from modules.web.app import create_app
    with database.transaction() as env:
        admin, = env["res.group"].search([("name", "=", "admin")])
        user, = env["res.user"].create([{"login": "api", "name": "API", "groups": [admin.id]}])
        key = env["res.user"].new_key([user])[user.id]

    async def calls():
        transport = httpx.ASGITransport(app=create_app(database.url))
        async with httpx.AsyncClient(transport=transport, base_url="http://kitwork",
                                     headers={"Authorization": f"Bearer {key}"}) as client:
            listed = await client.get("/api/sale.sale")
            assert listed.status_code == 200 and len(listed.json()) == 6
            assert (await client.get("/api/openapi.json")).status_code == 200
            quoted = await client.post("/api/sale.sale/quote", json={"ids": [facts["sale"]["draft"]]})
            assert quoted.status_code == 200, quoted.text
    asyncio.run(calls())


def flow_production(env, facts):
    Location, Move, Product = env["stock.location"], env["stock.move"], env["product.product"]
    warehouse = Location.warehouse()
    assert warehouse.production_location.type == "production"
    lamp = Product.browse([facts["lamp"]])[0]
    assert lamp.production_lead_time == 0 and lamp.boms == []
    bulb, = Product.create([{"name": "Bulb", "default_uom": lamp.default_uom.id}])
    bom, = env["production.bom"].create([{"name": "Lamp", "inputs": [{"product": bulb.id, "quantity": 2}],
                                          "outputs": [{"product": lamp.id, "quantity": 1}]}])
    Move.do(Move.create([{"product": bulb.id, "quantity": 2, "from_location": Location.by_type("supplier").id,
                          "to_location": warehouse.storage_location.id}]))
    Production = env["production.production"]
    before = Location.quantities([lamp], warehouse)[lamp.id]
    production, = Production.create([{"product": lamp.id, "bom": bom.id, "quantity": 1}])
    Production.wait([production])
    Production.assign([production])
    Production.done([production])
    assert Location.quantities([lamp], warehouse)[lamp.id] == before + 1


# What activating a module makes on purpose, by model: production gives each warehouse its production location.
MADE_AT_ACTIVATION = {"production": lambda env: {"stock.location": len(env["stock.location"].warehouses())}}
FLOWS = {name[len("flow_"):]: function for name, function in globals().items() if name.startswith("flow_")}
AFTER = {"res": flow_res_as_user, "web": flow_web_over_http}   # flows needing their own transaction


# -- the test -------------------------------------------------------------------------------------------
def check_new_columns_filled(env, pool, branches, old_tables):
    """Each column the branches added to a table that held rows has its default on every row."""
    for name, model in pool.models.items():
        if model.table.name not in old_tables:
            continue
        bound = env[name]
        for field in model.fields.values():
            if field.stored and field.owner in branches:
                default = bound._default_of(field.name, field)
                if default is not None or field.required:
                    assert bound.search_count([(field.name, "=", None)]) == 0, f"{name}.{field.name} left empty"


def read_everything(env):
    """Every record of every model, every field: nothing the module computes fails on old records."""
    for name in sorted(env.pool.models):
        Model = env[name]
        Model.dump(Model.search([]))


@pytest.mark.parametrize("name", BUILTIN)
def test_module_activated_on_a_populated_database(kitwork_database, name):
    database = kitwork_database(*before(name))
    facts = populate(database)
    old_tables = {m.table.name for m in database.pool.models.values()}
    old_branches = {f.owner for m in database.pool.models.values() for f in m.fields.values()}
    with database.transaction() as env:
        counts = {n: env[n].search_count([]) for n in env.pool.models}
    assert name in database.activate(name)
    with database.transaction() as env:
        if "queue.schedule" in counts:   # activating a module makes the schedules of its periodic tasks
            counts["queue.schedule"] += len([t for t in queue.tasks(env.pool).values() if t.cron and t.module == name])
        made = MADE_AT_ACTIVATION.get(name, lambda env: {})(env)
        # nothing else lost or added by activating
        assert {n: env[n].search_count([]) for n in counts} == {n: c + made.get(n, 0) for n, c in counts.items()}
        check_new_columns_filled(env, env.pool, {f.owner for m in env.pool.models.values()
                                                 for f in m.fields.values()} - old_branches, old_tables)
        FLOWS[name](env, facts)
        read_everything(env)
    if name in AFTER:
        AFTER[name](database, facts)
    deactivate_and_back(database, name, facts)


def deactivate_and_back(database, name, facts):
    """The module goes (its data kept), the others keep working; then it comes back with its data."""
    with database.transaction() as env:
        kept = {n: env[n].search_count([]) for n in env.pool.models}
    database.deactivate(name)
    with database.transaction() as env:
        assert not [n for n in env.pool.models if n in kept and env.pool.owners.get(n) == name]
        read_everything(env)
        if "product.product" in env:
            product, = env["product.product"].create([{"name": "After", "default_uom": one(
                env, "product.uom", [("symbol", "=", "u")]).id}])
            for kind, party in (("sale", "customer"), ("purchase", "supplier")):
                if f"{kind}.{kind}" in env:
                    Order = env[f"{kind}.{kind}"]
                    order, = Order.create([{"party": facts[party], "lines": [{"product": product.id, "quantity": 1}]}])
                    Order.quote([order])
                    Order.confirm([order])
    assert database.activate(name) == (name,)
    with database.transaction() as env:
        for model, count in kept.items():   # everything is back, and what was made meanwhile counts too
            assert env[model].search_count([]) >= count, model
        read_everything(env)
