"""The engine: watch list, all or nothing, once per sale, repeat, cascades, set-based runs, concurrency, CLI."""
import datetime
import io
import os
import subprocess
import sys
import time

import pytest

from core import Database, cli, errors


def run(env, sales=None):
    return env["sale.automation.rule"].run(sales)


def test_watch_list_retried_after_a_receipt(database, shop):
    """A gift without stock: watching; stock received; the next run applies; the log shows both."""
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        rule = s.rule([{"type": "add_free_product", "product": s.gift.id}], name="gift")
        assert [log.outcome for log in run(env)] == ["watching"]
        assert run(env) == []     # still waiting, same reason: counted, not logged again
        watch, = env["sale.automation.watch"].search([])
        assert (watch.rule, watch.sale, watch.tries) == (rule, sale, 2)
        assert watch.reason == "add_free_product: 0 u Gift in stock at WH, 1 needed"
        s.stock(s.gift, 4)
        assert [log.outcome for log in run(env)] == ["applied"]
        assert env["sale.automation.watch"].search([]) == []
        assert s.logs(sale) == [("watching", "gift: cannot apply yet: add_free_product: 0 u Gift in stock at WH, "
                                             "1 needed"),
                                ("applied", "gift: applied: add_free_product: added 1 u Gift at 0.00")]


def test_a_watched_sale_that_no_longer_matches_is_dropped(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(state="quotation")
        s.rule([{"type": "add_free_product", "product": s.gift.id}], [["state", "=", "quotation"]], name="gift")
        run(env)
        env["sale.sale"].confirm([sale])
        log, = run(env)
        assert (log.outcome, log.detail) == (
            "dropped", "gift: dropped from the watch list after 1 tries: the sale no longer matches the conditions")
        assert s.watched() == []


def test_all_or_nothing(database, shop):
    """set_status then an action that cannot be performed: nothing changes, the sale waits."""
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"sequence": 1, "type": "set_status", "status": s.review.id},
                {"sequence": 2, "type": "add_free_product", "product": s.gift.id}])
        log, = run(env)
        assert log.outcome == "watching" and sale.status is None and len(sale.lines) == 1
        assert env["sale.automation.application"].search([]) == []


def test_all_or_nothing_when_an_action_fails_while_applying(database, shop):
    """An action refused by the operation itself undoes the rule's other actions, for that sale only."""
    with database.transaction() as env:
        s = shop(env)
        good, bad = s.sale(), s.sale()
        env["party.party"].write([s.customer], {"tags": [("add", [s.vip.id])]})
        s.rule([{"sequence": 1, "type": "tag_customer", "tag": s.repeat.id},
                {"sequence": 2, "type": "set_status", "status": s.review.id}])
        Sale = env["sale.sale"]

        def write(sales, values, original=Sale.write):   # the status write refuses the second sale
            if bad in sales:
                raise errors.UserError(f"{bad.rec_name} is locked")
            return original(sales, values)
        env["sale.sale"].write = write
        try:
            logs = {log.sale: log for log in run(env)}
        finally:
            del env["sale.sale"].write
        assert logs[good].outcome == "applied" and logs[bad].outcome == "watching"
        assert "is locked" in logs[bad].detail
        assert good.status == s.review and bad.status is None
        assert [a.sale for a in env["sale.automation.application"].search([])] == [good, good]


def test_once_per_sale_running_twice_applies_nothing_new(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sales = [s.sale() for _ in range(3)]
        s.rule([{"type": "add_free_product", "product": s.setup.id}])
        assert len(run(env)) == 3
        assert run(env) == [] and run(env, sales) == []
        assert all(len(sale.lines) == 2 for sale in sales)
        assert len(env["sale.automation.application"].search([])) == 3


def test_the_application_key_is_unique_in_the_database(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_status", "status": s.review.id}])
        run(env)
        App = env["sale.automation.application"]
        app, = App.search([])
        with pytest.raises(errors.ValidationError, match="must be unique"):
            with env.atomic():
                App.create_unchecked([{"key": app.key, "rule": app.rule.id, "sale": sale.id, "action": app.action.id,
                                       "occurrence": 1, "date": app.date}])


def test_repeat_applies_again_each_time_the_sale_newly_matches(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        Sale = env["sale.sale"]
        s.rule([{"type": "add_free_product", "product": s.setup.id}], [["status.name", "=", "Review"]],
               events=["status_changed"], repeat=True)
        once = s.rule([{"type": "tag_customer", "tag": s.vip.id}], [["status.name", "=", "Review"]],
                      events=["status_changed"])
        Sale.write([sale], {"status": s.review.id})
        assert len(sale.lines) == 2
        assert run(env) == []                              # still matching: not new
        Sale.write([sale], {"status": s.new.id})
        Sale.write([sale], {"status": s.review.id})        # false -> true again
        assert len(sale.lines) == 3
        apps = env["sale.automation.application"].search([("rule", "!=", once.id)])
        assert [a.occurrence for a in apps] == [1, 2]
        assert len(env["sale.automation.application"].search([("rule", "=", once.id)])) == 1


def test_cascade_status_change_runs_other_rules(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.rule([{"type": "set_status", "status": s.review.id}], [["untaxed_amount", ">", 500]],
               events=["confirmed"], name="big orders to review", sequence=1)
        s.rule([{"type": "tag_customer", "tag": s.vip.id}], [["status.name", "=", "Review"]],
               events=["status_changed"], name="review means VIP", sequence=2)
        s.sale(quantity=6)
        assert s.customer.tags == [s.vip]
        assert [detail.split(":")[0] for _, detail in s.logs()] == ["big orders to review", "review means VIP"]


def test_a_cycle_of_rules_stops(database, shop):
    """new -> review -> new ...: each rule applies once to the sale, which ends in a defined state."""
    with database.transaction() as env:
        s = shop(env)
        s.rule([{"type": "set_status", "status": s.review.id}], [["status.name", "=", "New"]],
               events=["status_changed"], repeat=True, name="a")
        s.rule([{"type": "set_status", "status": s.new.id}], [["status.name", "=", "Review"]],
               events=["status_changed"], repeat=True, name="b")
        sale = s.sale()
        env["sale.sale"].write([sale], {"status": s.new.id})
        assert sale.status == s.new
        assert [(o, d.split(":")[0]) for o, d in s.logs()] == [("applied", "a"), ("applied", "b")]


def test_run_is_set_based(kitwork_database, shop, count_statements):
    """One run costs the same number of statements for 6 sales or 60 (one condition query per rule)."""
    costs = []
    for number in (6, 60):
        database = kitwork_database("sale_automation")
        with database.transaction() as env:
            s = shop(env)
            for i in range(number):
                s.sale(quantity=6 if i % 3 == 0 else 1)
            s.rule([{"type": "set_status", "status": s.review.id}, {"type": "tag_customer", "tag": s.vip.id}],
                   [["untaxed_amount", ">", 500], ["warehouse.code", "=", "WH"]], name="tag")
            s.rule([{"type": "add_free_product", "product": s.gift.id}], [["lines.product.code", "=", "LAMP"]],
                   name="gift")
            s.rule([{"type": "set_shipping_method", "shipping_method": s.express.id}],
                   [["lines.product.code", "=", "NONE"]], name="none")
            with count_statements(database.engine) as counter:
                logs = run(env)
            assert len(logs) == number // 3 + number
            costs.append(counter.count)
    assert costs[0] == costs[1], costs


def test_cli_automate_and_dry_run(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_status", "status": s.review.id}], name="review")
        name = sale.rec_name
    out = io.StringIO()
    assert cli.main(["automate", "--db", database.url, "--dry-run"], out=out) == 0
    assert out.getvalue().splitlines() == [
        f"applied: {name}: review: applied: set_status: status set to Review (was none)",
        "dry run: nothing changed; would be 1 applied, 0 watching, 0 dropped"]
    with database.transaction() as env:
        assert env["sale.sale"].browse([sale.id])[0].status is None
        assert env["sale.automation.log"].search([]) == []
    out = io.StringIO()
    assert cli.main(["automate", "--db", database.url], out=out) == 0
    assert out.getvalue().splitlines()[-1] == "1 applied, 0 watching, 0 dropped"
    out = io.StringIO()
    assert cli.main(["automate", "--db", database.url], out=out) == 0
    assert out.getvalue() == "0 applied, 0 watching, 0 dropped\n"


SCHEDULER = """
import sys, time
from core import Database
url, start = sys.argv[1], float(sys.argv[2])
database = Database(url)
database.pool
time.sleep(max(0.0, start - time.time()))
with database.transaction() as env:
    print(len(env["sale.automation.rule"].run()))
"""


@pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL"),
                    reason="concurrent writers: PostgreSQL (SQLite has one writer at a time)")
def test_two_schedulers_at_once_apply_each_rule_once_per_sale(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.stock(s.gift, 100)
        sales = [s.sale() for _ in range(20)]
        s.rule([{"type": "add_free_product", "product": s.gift.id},
                {"type": "set_status", "status": s.review.id}], name="gift", sequence=1)
        s.rule([{"type": "tag_customer", "tag": s.vip.id}], [["status.name", "=", "Review"]],
               events=["status_changed"], name="vip", sequence=2)
        ids = [sale.id for sale in sales]
    start = time.time() + 4
    workers = [subprocess.Popen([sys.executable, "-c", SCHEDULER, database.url, str(start)],
                                stdout=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [w.communicate(timeout=120)[0] for w in workers]
    assert [w.returncode for w in workers] == [0, 0]
    assert sorted(int(o) for o in outputs) == [0, 40]
    with database.transaction() as env:
        for sale in env["sale.sale"].browse(ids):
            assert [line.product.name for line in sale.lines] == ["Lamp", "Gift"]
        assert len(env["sale.automation.application"].search([])) == 60
        assert len(env["sale.automation.log"].search([])) == 40


@pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL"),
                    reason="concurrent writers: PostgreSQL (SQLite has one writer at a time)")
def test_an_application_key_taken_meanwhile_undoes_the_rule(database, shop):
    """Another transaction applies the rule to the sale while a run is at it: the run's insert of the same key
    waits for it, fails once it commits, and the run's actions for that sale are undone."""
    import threading
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        rule = s.rule([{"type": "set_status", "status": s.review.id}], name="review")
        sale_id, rule_id, action_id = sale.id, rule.id, rule.actions[0].id
    seen = []

    def scheduler():
        with Database(database.url).transaction() as env:
            seen.extend((log.outcome, log.detail) for log in env["sale.automation.rule"].run())
    with database.transaction() as env:   # the other transaction, not yet committed when the run starts
        env["sale.automation.application"].create_unchecked([{
            "key": f"{rule_id}-{sale_id}-{action_id}-1", "rule": rule_id, "sale": sale_id, "action": action_id,
            "date": datetime.datetime(2026, 1, 1)}])
        worker = threading.Thread(target=scheduler)
        worker.start()
        time.sleep(2)
        assert worker.is_alive()   # waiting on the key
    worker.join(60)
    assert seen == []
    with database.transaction() as env:
        assert env["sale.sale"].browse([sale_id])[0].status is None
        assert len(env["sale.automation.application"].search([])) == 1


def test_a_cascade_is_bounded(database, shop):
    """Eight rules, each moving the status one step on status_changed, in reverse sequence (so that each step
    needs the event of the previous one): five levels of cascade, then a warning."""
    with database.transaction() as env:
        s = shop(env)
        steps = env["sale.status"].create([{"name": f"Step {i}"} for i in range(9)])
        for i in range(8):
            s.rule([{"type": "set_status", "status": steps[i + 1].id}], [["status", "=", steps[i].id]],
                   events=["status_changed"], name=f"step {i}", sequence=10 - i)
        sale = s.sale()
        env["sale.sale"].write([sale], {"status": steps[0].id})
        assert sale.status == steps[6]   # the write, then five cascaded levels
        warning, = [w for w in env.warnings if w.key == "sale_automation.cascade"]
        assert "stopped after 5 levels" in warning.message
        run(env)                          # the scheduler goes on from there
        assert sale.status == steps[8]


def test_cli_automate_needs_the_module(kitwork_database):
    database = kitwork_database("sale")
    assert cli.main(["automate", "--db", database.url]) == 1


def test_run_refuses_what_is_no_sale(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_status", "status": s.review.id}])
        Rule = env["sale.automation.rule"]
        for bad in ("S0001", [sale.party], ["1"], [2 ** 40], 5, [None]):
            with pytest.raises(errors.UserError, match="expected a"):
                Rule.run(bad)
        assert sale.status is None
        assert len(Rule.run([sale.id, sale])) == 1


def test_a_rule_whose_actions_were_deleted_applies_nothing(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.sale()
        rule = s.rule([{"type": "set_status", "status": s.review.id}])
        env["sale.automation.action"].delete(rule.actions)
        assert run(env) == [] and run(env) == []


def test_run_refuses_ids_of_no_sale_and_applies_nothing(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_status", "status": s.review.id}])
        Rule = env["sale.automation.rule"]
        with pytest.raises(errors.UserError, match="no sale.sale with id 99999"):
            Rule.run([sale.id, 99999])
        assert sale.status is None and s.logs() == []
        with pytest.raises(errors.UserError, match="no sale.sale with id 99999"):
            Rule.preview([99999])


def test_a_condition_on_a_huge_amount_matches_nothing(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_status", "status": s.review.id}], [["untaxed_amount", "<", 10 ** 30]], name="small")
        s.rule([{"type": "set_status", "status": s.ready.id}], [["untaxed_amount", ">", 10 ** 30]], name="huge")
        assert [log.rule.name for log in env["sale.automation.rule"].run([sale])] == ["small"]
