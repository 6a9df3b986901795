"""Running the rules for a user: db.transaction(user=LOGIN) (with module res)."""
import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale_automation", "res")


def user(env, login, *access):
    """A user whose one group grants ``access``: (model, [operations]) pairs."""
    group, = env["res.group"].create([{"name": login, "access": [
        {"model": model, **{f"perm_{op}": True for op in ops}} for model, ops in access]}])
    env["res.user"].create([{"login": login, "groups": [group.id]}])


def test_running_the_rules_needs_the_write_right_on_the_rules_then_acts_for_the_system(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.rule([{"type": "tag_customer", "tag": s.vip.id}], name="VIP")
        sale = s.sale()
        user(env, "reader", ("sale.automation.rule", ["read"]), ("sale.sale", ["read"]),
             ("sale.automation.log", ["read"]))
        user(env, "runner", ("sale.automation.rule", ["read", "write"]))
    with database.transaction(user="reader") as env:
        Rule = env["sale.automation.rule"]
        for call in (Rule.run, Rule.preview, lambda: Rule.run(sales=[sale.id]), lambda: Rule.run(sales=[99999])):
            with pytest.raises(errors.AccessError, match="may not write sale.automation.rule"):
                call()
        assert env["sale.automation.log"].search([]) == []
    with database.transaction() as env:
        assert env["sale.automation.log"].search([]) == []
        assert env["party.party"].browse([s.customer.id])[0].tags == []
    with database.transaction(user="runner") as env:
        assert [p["outcome"] for p in env["sale.automation.rule"].preview()] == ["applied"]
        logs = env["sale.automation.rule"].run()
        assert [log.id for log in logs]
    with database.transaction() as env:
        assert [t.name for t in env["party.party"].browse([s.customer.id])[0].tags] == ["VIP"]
