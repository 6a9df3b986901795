"""The manufacture route of reordering rules (§20): draft productions, several levels, never twice."""
import datetime
import io
from decimal import Decimal as D

import pytest

from core import cli, errors
from tests.conftest import concurrently

TODAY = datetime.date.today()


def days(n):
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("production", "stock_reorder")


class Shop:
    """Tables (4 legs, 1 top, made in 3 days), legs made of wood (1 day), wood and tops bought."""

    def __init__(self, env):
        self.warehouse = env["stock.location"].warehouse()
        self.unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        self.vendor, = env["party.party"].create([{"name": "Timber & Co"}])
        Product = env["product.product"]
        self.wood, self.top = Product.create([
            {"name": "Wood", "default_uom": self.unit, "cost_price": D("1")},
            {"name": "Top", "default_uom": self.unit, "cost_price": D("20")}])
        env["purchase.product_supplier"].create([{"product": p.id, "party": self.vendor.id, "lead_time": 5}
                                                 for p in (self.wood, self.top)])
        self.leg, self.table = Product.create([
            {"name": "Leg", "default_uom": self.unit, "production_lead_time": 1},
            {"name": "Table", "default_uom": self.unit, "production_lead_time": 3}])
        Bom = env["production.bom"]
        self.legs, self.tables = Bom.create([
            {"name": "Leg from wood", "inputs": [{"product": self.wood.id, "quantity": 2}],
             "outputs": [{"product": self.leg.id, "quantity": 1}]},
            {"name": "Table from legs and a top", "inputs": [{"product": self.leg.id, "quantity": 4},
                                                             {"product": self.top.id, "quantity": 1}],
             "outputs": [{"product": self.table.id, "quantity": 1}]}])
        Product.write([self.leg], {"boms": [("create", [{"bom": self.legs.id}])]})
        Product.write([self.table], {"boms": [("create", [{"bom": self.tables.id}])]})

    def rule(self, env, product, route="buy", **values):
        rule, = env["stock.reorder.rule"].create([{"product": product.id, "route": route, **values}])
        return rule


def test_a_manufacture_rule_makes_a_draft_production_explained_like_a_purchase(database):
    with database.transaction() as env:
        shop = Shop(env)
        rule = shop.rule(env, shop.table, "manufacture", min_quantity=2, max_quantity=5)
        assert rule.bom == shop.tables   # the product's first
        Rule = env["stock.reorder.rule"]
        row, = Rule.needs()
        assert (row["route"], row["to_order"], row["forecasted_date"], row["bom"], row["vendor"],
                row["exception"]) == ("manufacture", 5.0, days(3), shop.tables, None, None)
        assert row["lead_times"] == {"production": 3, "horizon": 0}
        assert row["explanation"] == (f"forecast 0 on {days(3)} (on hand 0; lead times production 3) is below "
                                      f"min 2: max 5 - forecast 0 = 5 -> manufacture 5 with Table from legs "
                                      f"and a top")
        production, = Rule.run_scheduler()
        assert production._name == "production.production"
        assert (production.state, production.product, production.quantity, production.planned_date,
                production.planned_start_date, production.origin, production.reorder_explanation) == (
            "draft", shop.table, 5.0, days(3), TODAY, rule, row["explanation"])
        assert sorted((m.product.name, m.quantity) for m in production.inputs) == [("Leg", 20.0), ("Top", 5.0)]
        assert Rule.needs() == [] and Rule.run_scheduler() == []


def test_several_levels_are_supplied_in_one_run_and_never_twice(database):
    with database.transaction() as env:
        shop = Shop(env)
        Rule = env["stock.reorder.rule"]
        shop.rule(env, shop.table, "manufacture", min_quantity=1, max_quantity=2)
        shop.rule(env, shop.leg, "manufacture")
        shop.rule(env, shop.wood)
        shop.rule(env, shop.top)
        rows = {r["product"].name: r for r in Rule.needs()}
        assert {name: (r["route"], r["to_order"]) for name, r in rows.items()} == {
            "Table": ("manufacture", 2.0), "Leg": ("manufacture", 8.0), "Wood": ("buy", 16.0), "Top": ("buy", 2.0)}
        ordered = Rule.run_scheduler()
        productions = {p.product.name: p for p in ordered if p._name == "production.production"}
        lines = {l.product.name: l for l in ordered if l._name == "purchase.line"}
        assert {n: (p.quantity, p.planned_date) for n, p in productions.items()} == {
            "Table": (2.0, days(3)), "Leg": (8.0, days(1))}
        assert {n: l.quantity for n, l in lines.items()} == {"Wood": 16.0, "Top": 2.0}
        assert Rule.needs() == [] and Rule.run_scheduler() == []
        # two tables more wanted: each level orders only what is new
        Location = env["stock.location"]
        customer = Location.by_type("customer")
        env["stock.move"].create([{"product": shop.table.id, "quantity": 2, "planned_date": days(3),
                                   "from_location": shop.warehouse.storage_location.id, "to_location": customer.id}])
        again = Rule.run_scheduler()
        assert sorted((r._name, r.product.name, r.quantity) for r in again) == [
            ("production.production", "Leg", 8.0), ("production.production", "Table", 2.0),
            ("purchase.line", "Top", 4.0), ("purchase.line", "Wood", 32.0)]   # the lines increased: 2 + 2, 16 + 16
        assert Rule.run_scheduler() == []


def test_a_components_rule_sees_the_demand_of_planned_productions_in_the_next_run(database):
    with database.transaction() as env:
        shop = Shop(env)
        Rule = env["stock.reorder.rule"]
        tables = shop.rule(env, shop.table, "manufacture", min_quantity=1, max_quantity=1)
        Rule.order([tables])   # only the table's rule: the legs are not ordered yet
        assert env["purchase.line"].search([]) == []
        shop.rule(env, shop.top)
        line, = Rule.run_scheduler()
        assert (line.product, line.quantity) == (shop.top, 1.0)
        projection, = Rule.projection([Rule.search([("product", "=", shop.top.id)])[0]])
        assert [(p["date"], p["incoming"], p["outgoing"]) for p in projection["points"]] == [
            (TODAY, 0.0, 1.0), (days(5), 1.0, 0.0)]


def test_a_rule_without_bom_is_an_exception_and_a_foreign_bom_is_refused(database):
    with database.transaction() as env:
        shop = Shop(env)
        Rule = env["stock.reorder.rule"]
        rule = shop.rule(env, shop.top, "manufacture", min_quantity=1, max_quantity=1)
        assert rule.bom is None
        row, = Rule.needs()
        assert row["exception"].startswith("no bill of materials: Top has none")
        assert Rule.run_scheduler() == []
        with pytest.raises(errors.ValidationError, match="Leg from wood.* does not make Table") as caught:
            shop.rule(env, shop.table, "manufacture", bom=shop.legs.id)
        assert "bom" in caught.value.errors
        assert Rule.search([("product", "=", shop.table.id)]) == []
        other, = env["production.bom"].create([{"name": "Table, heavy", "inputs": [
            {"product": shop.top.id, "quantity": 2}], "outputs": [{"product": shop.table.id, "quantity": 1}]}])
        rule = shop.rule(env, shop.table, "manufacture", bom=other.id, min_quantity=1, max_quantity=1)
        production, = [r for r in Rule.order([rule])]
        assert production.bom == other
        assert [(m.product.name, m.quantity) for m in production.inputs] == [("Top", 2.0)]


def test_the_replenish_command_says_what_it_made(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.rule(env, shop.table, "manufacture", min_quantity=1, max_quantity=1)
    out = io.StringIO()
    assert cli.main(["replenish", "--db", database.url], out=out) == 0
    text = out.getvalue()
    assert "make with Table from legs and a top" in text
    assert f"made: production.production 1 (MO0001) (draft) for WH: 1 u Table, planned {days(3)}" in text
    assert "0 purchase line(s) and 0 transfer move(s) created or increased, 1 production.production made" in text


def test_concurrent_schedulers_make_one_production_per_need(database):
    if not database.url.startswith("postgresql"):
        pytest.skip("concurrent transactions: PostgreSQL")
    with database.transaction() as env:
        shop = Shop(env)
        shop.rule(env, shop.table, "manufacture", min_quantity=1, max_quantity=3)
        shop.rule(env, shop.leg, "manufacture")
        shop.rule(env, shop.wood)
    assert concurrently(database.url, lambda env: env["stock.reorder.rule"].run_scheduler()) == []
    with database.transaction() as env:
        productions = env["production.production"].search([])
        assert sorted((p.product.name, p.quantity) for p in productions) == [("Leg", 12.0), ("Table", 3.0)]
        line, = env["purchase.line"].search([])
        assert line.quantity == 24.0
        assert env["stock.reorder.rule"].run_scheduler() == []
