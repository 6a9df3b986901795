"""Rules and actions are checked when saved: a bad domain, event or parameter is refused, nothing saved."""
import datetime
import io
from decimal import Decimal

import pytest

from core import cli, errors


def count(env, model):
    return env[model].search_count([])


@pytest.mark.parametrize("conditions, message", [
    ([["no_such_field", "=", 1]], "no stored field 'no_such_field'"),
    ([["state", "==", "confirmed"]], "unknown operator '=='"),
    ([["party.tags.name", "between", "VIP"]], "unknown operator 'between'"),
    ([["sale_date", ">", "not a date"]], "sale_date"),
    ([["untaxed_amount", ">", "lots"]], "must be an amount"),
    ([["untaxed_amount", "like", "5%"]], "untaxed_amount compares with"),
    ([["state", "="]], "is not a [field, operator, value] clause"),
    ("state = confirmed", "expected a list"),
    ([["lines.nope.code", "=", "LAMP"]], "no stored field 'nope'"),
])
def test_a_condition_that_is_no_domain_is_refused_at_save(database, shop, conditions, message):
    with database.transaction() as env:
        s = shop(env)
        with pytest.raises(errors.ValidationError) as caught:
            env["sale.automation.rule"].create([{"name": "bad", "conditions": conditions,
                                                 "actions": [{"type": "set_status", "status": s.review.id}]}])
        assert message in str(caught.value) and "conditions" in caught.value.errors
        assert count(env, "sale.automation.rule") == count(env, "sale.automation.action") == 0


def test_a_condition_changed_into_no_domain_is_refused(database, shop):
    with database.transaction() as env:
        s = shop(env)
        rule = s.rule([{"type": "set_status", "status": s.review.id}], [["state", "=", "confirmed"]])
        with pytest.raises(errors.ValidationError, match="unknown operator"):
            env["sale.automation.rule"].write([rule], {"conditions": [["state", "~", "x"]]})
        assert rule.conditions == [["state", "=", "confirmed"]]


@pytest.mark.parametrize("action, field, message", [
    ({"type": "set_status"}, "status", "set_status needs status"),
    ({"type": "create_transfer"}, "from_warehouse", "create_transfer needs from_warehouse"),
    ({"type": "tag_customer"}, "tag", "tag_customer needs tag"),
    ({"type": "set_shipping_method"}, "shipping_method", "needs shipping_method"),
    ({"type": "set_warehouse"}, "warehouse", "needs warehouse"),
    ({"type": "add_free_product"}, "product", "needs product"),
    ({"type": "set_delivery_date"}, "delivery_date", "give a delivery date, or a number of days"),
    ({"type": "set_delivery_date", "delivery_days": 3}, "delivery_from", "from the sale date or from today"),
    ({"type": "no_such_action"}, "type", "Must be one of"),
])
def test_an_action_without_its_parameters_is_refused_at_save(database, shop, action, field, message):
    with database.transaction() as env:
        shop(env)
        with pytest.raises(errors.ValidationError) as caught:
            env["sale.automation.rule"].create([{"name": "bad", "actions": [action]}])
        assert message in str(caught.value) and field in caught.value.errors
        assert count(env, "sale.automation.rule") == count(env, "sale.automation.action") == 0


def test_wrong_parameters_are_refused_at_save(database, shop):
    with database.transaction() as env:
        s = shop(env)
        Rule = env["sale.automation.rule"]
        bad = [
            ({"type": "set_status", "status": s.review.id, "warehouse": s.wh.id}, "warehouse", "not a parameter"),
            ({"type": "create_transfer", "from_warehouse": s.wh.id, "to_warehouse": s.wh.id}, "to_warehouse",
             "must differ"),
            ({"type": "create_transfer", "from_warehouse": s.wh.storage_location.id, "to_warehouse": s.wh2.id},
             "from_warehouse", "is not a warehouse"),
            ({"type": "set_warehouse", "warehouse": s.wh.storage_location.id}, "warehouse", "not a warehouse"),
            ({"type": "add_free_product", "product": s.gift.id, "quantity": -1}, "quantity", "greater than zero"),
            ({"type": "set_status", "status": 10 ** 6}, "status", "no sale.status with id"),
            ({"type": "set_delivery_date", "delivery_date": datetime.date(2026, 1, 1), "delivery_from": "today"},
             "delivery_from", "only with delivery_days"),
        ]
        for action, field, message in bad:
            with pytest.raises(errors.ValidationError) as caught:
                Rule.create([{"name": "bad", "actions": [action]}])
            assert message in str(caught.value) and field in caught.value.errors, action
        with pytest.raises(errors.ValidationError, match="at least one action"):
            Rule.create([{"name": "empty"}])
        with pytest.raises(errors.ValidationError, match="events"):
            Rule.create([{"name": "bad", "events": ["invoiced"], "actions": [{"type": "set_status",
                                                                          "status": s.review.id}]}])
        assert count(env, "sale.automation.rule") == count(env, "sale.automation.action") == 0


def test_the_engine_records_are_not_written_by_hand(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        rule = s.rule([{"type": "set_status", "status": s.review.id}])
        for model in ("sale.automation.watch", "sale.automation.log", "sale.automation.application"):
            with pytest.raises(errors.UserError, match="written by the automation rules"):
                env[model].create([{"rule": rule.id, "sale": sale.id}])


@pytest.mark.parametrize("conditions, matching", [
    ([["party.tags.name", "=", "VIP"]], {"vip"}),
    ([["lines.product.code", "=", "GIFT"]], {"gift"}),
    ([["warehouse.code", "=", "WH2"]], {"wh2"}),
    ([["untaxed_amount", ">", "500"]], {"big"}),
    ([["untaxed_amount", "<=", 10]], {"gift"}),
    ([["untaxed_amount", "=", "200.00"], ["warehouse.code", "=", "WH2"]], {"wh2"}),
    ([["status.name", "=", "New"]], {"new"}),
    ([["shipping_method.name", "=", "Express"]], {"express"}),
    ([["state", "in", ["confirmed", "processing"]], ["sale_date", "<", "2020-01-01"]], {"old"}),
    ([], {"vip", "gift", "wh2", "big", "new", "express", "old"}),
])
def test_conditions_over_fields_and_paths(database, shop, conditions, matching):
    with database.transaction() as env:
        s = shop(env)
        vip_customer, = env["party.party"].create([{"name": "Vera", "tags": [s.vip.id]}])
        sales = {"vip": s.sale(party=vip_customer), "gift": s.sale(product=s.gift), "wh2": s.sale(warehouse=s.wh2),
                 "big": s.sale(quantity=6), "new": s.sale(status=s.new.id), "express": s.sale(
                     shipping_method=s.express.id), "old": s.sale(sale_date=datetime.date(2019, 5, 1))}
        s.sale(state="draft", quantity=6)   # drafts are not open: run() leaves them
        s.rule([{"type": "set_status", "status": s.ready.id}], conditions)
        logs = env["sale.automation.rule"].run()
        names = {name for name, sale in sales.items() if sale.id in {log.sale.id for log in logs}}
        assert names == matching
        assert all(log.outcome == "applied" for log in logs)
        assert Decimal(sales["big"].untaxed_amount) == Decimal("600.00")


def test_a_custom_field_a_rule_uses_cannot_be_deleted(database, shop):
    """Its conditions (on the sale, through the customer), a line domain and set_custom_field name it."""
    with database.transaction() as env:
        s, Field = shop(env), env["custom.field"]
        prio, vip, zone, orders, spare = Field.create([
            {"model": "sale.sale", "name": "prio", "type": "integer"},
            {"model": "party.party", "name": "vip", "type": "boolean"},
            {"model": "sale.sale", "name": "zone", "type": "char"},
            {"model": "party.party", "name": "orders", "type": "integer"},
            {"model": "sale.sale", "name": "spare", "type": "char"}])
        s.rule([{"type": "tag_customer", "tag": s.vip.id}], conditions=[["custom.prio", ">", 1]], name="urgent")
        s.rule([{"type": "tag_customer", "tag": s.vip.id}], conditions=[["party.custom.vip", "=", True]],
               name="vip customers", active=False)
        s.rule([{"type": "advanced_fulfil", "method": "ship", "line_domain": [["sale.custom.zone", "=", "north"]]}],
               name="north first")
        s.rule([{"type": "set_custom_field", "custom_field": orders.id, "increment": 1}], name="count orders")
        sale = s.sale(custom={"prio": 3, "zone": "north", "spare": "x"})
        for definition, rule in ((prio, "urgent"), (vip, "vip customers"), (zone, "north first"),
                                 (orders, "count orders")):
            with pytest.raises(errors.ValidationError, match=f"cannot delete custom field {definition.model}."
                                                             f"{definition.name}: .*'{rule}'"):
                Field.delete([definition])
            with pytest.raises(errors.ValidationError, match=f"'{rule}'"):
                Field.delete([spare, definition])
        assert len(Field.search([])) == 5 and sale.custom == {"prio": 3, "zone": "north", "spare": "x"}
        Field.delete([spare])   # no rule uses it
        assert sale.custom == {"prio": 3, "zone": "north"}


def test_a_rule_that_cannot_be_evaluated_is_skipped_and_said_never_blocking_a_sale(database, shop, caplog):
    """A rule whose custom field went (by the system, below the API): quoting and other rules go on."""
    with database.transaction() as env:
        s = shop(env)
        prio, = env["custom.field"].create([{"model": "sale.sale", "name": "prio", "type": "integer"}])
        broken = s.rule([{"type": "tag_customer", "tag": s.vip.id}], conditions=[["custom.prio", ">", 1]],
                        events=["quoted"], name="urgent")
        s.rule([{"type": "set_status", "status": s.ready.id}], events=["quoted"], name="ready when quoted")
        env["custom.field"].delete_unchecked([prio])
        del env.warnings[:]
        with caplog.at_level("WARNING", logger="kitwork.sale_automation"):
            sale = s.sale(state="quotation")
        assert (sale.state, sale.status) == ("quotation", s.ready)   # quoted; the other rule applied
        assert s.customer.tags == []
        warning, = [w for w in env.warnings if w.key == "sale_automation.rule_skipped"]
        assert warning.record == broken and "no custom field 'prio'" in warning.message
        assert "urgent" in caplog.text and "skipped" in caplog.text
        logs = env["sale.automation.rule"].run()
        assert [log.outcome for log in logs] == []
    for dry_run in ([], ["--dry-run"]):
        out = io.StringIO()
        assert cli.main(["automate", "--db", database.url, *dry_run], out=out) == 0
        assert "0 applied" in out.getvalue() and "skipped: automation rule 'urgent'" in out.getvalue()
