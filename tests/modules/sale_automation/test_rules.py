"""Rules and actions are checked when saved: a bad domain, event or parameter is refused, nothing saved."""
import datetime
from decimal import Decimal

import pytest

from core import errors


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
            Rule.create([{"name": "bad", "events": ["paid"], "actions": [{"type": "set_status",
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
