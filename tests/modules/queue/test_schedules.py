"""queue.schedule: one record per periodic task, made at activation, checked when edited."""
import datetime
import re

import pytest
from croniter import croniter

from core import errors
from core.worker import tick

DEFAULTS = {"mail.send": "* * * * *", "sale_automation.sweep": "*/15 * * * *", "stock_reorder.replenish": "0 6 * * *"}


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale_automation")


def schedules(database):
    with database.transaction() as env:
        return {s.task: (s.cron, s.active, s.next_run) for s in env["queue.schedule"].search([])}


def test_the_periodic_tasks_get_their_schedule_at_activation(database):
    found = schedules(database)
    assert {task: cron for task, (cron, _, _) in found.items()} == DEFAULTS
    # Planned at activation (the test's database is a copy of a template activated earlier in the run).
    now, day = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None), datetime.timedelta(days=1)
    assert all(active and now - day < next_run <= now + day and croniter.match(cron, next_run)
               for cron, active, next_run in found.values())


def test_a_module_activated_later_brings_its_schedules(kitwork_database):
    database = kitwork_database("stock_reorder")
    assert set(schedules(database)) == {"stock_reorder.replenish"}
    database.activate("sale_automation")
    assert set(schedules(database)) == set(DEFAULTS)


@pytest.mark.parametrize("cron", ["* * * *", "* * * * * *", "61 * * * *", "* 25 * * *", "", "@daily",
                                  "every day", "*/0 * * * *", "\x00 * * * *", 5])
def test_a_bad_cron_is_refused_and_nothing_changes(database, cron):
    before = schedules(database)
    with database.transaction() as env:
        Schedule = env["queue.schedule"]
        sweep, = Schedule.search([("task", "=", "sale_automation.sweep")])
        with pytest.raises(errors.ValidationError) as raised:
            Schedule.write([sweep], {"cron": cron})
        assert "cron" in raised.value.errors
    assert schedules(database) == before


@pytest.mark.parametrize("task, message", [
    ("sale_automation.nothing", "is not a task of the active modules"),
    ("sale_automation.check", "needs arguments (sales): it cannot run on a schedule"),
    ("mail.send", "task"),   # already has its schedule: one per task
])
def test_a_schedule_names_a_task_that_can_run_on_its_own(database, task, message):
    with database.transaction() as env:
        with pytest.raises(errors.ValidationError, match=re.escape(message)):
            env["queue.schedule"].create([{"task": task, "cron": "0 * * * *"}])
        assert len(env["queue.schedule"].search([])) == 3


def test_editing_a_schedule_plans_its_next_run_and_inactive_ones_do_not_run(database):
    with database.transaction() as env:
        Schedule = env["queue.schedule"]
        replenish, sweep, mail = (Schedule.search([("task", "=", t)])[0] for t in sorted(DEFAULTS, reverse=True))
        Schedule.write([replenish], {"cron": "30 5 * * 1"})
        assert (replenish.next_run.weekday(), replenish.next_run.hour, replenish.next_run.minute) == (0, 5, 30)
        Schedule.write([sweep, mail], {"active": False})
        assert sweep.next_run is None and mail.next_run is None
        table = Schedule.table
        env.execute(table.update().where(table.c.task == "stock_reorder.replenish").values(
            next_run=datetime.datetime(2020, 1, 1)))
    queued = tick(database)
    with database.transaction() as env:
        assert [(j.id, j.task, j.queueing_lock) for j in env["queue.job"].search([])] == [
            (queued[0], "stock_reorder.replenish", "schedule:stock_reorder.replenish")]
        replenish, = env["queue.schedule"].search([("task", "=", "stock_reorder.replenish")])
        assert replenish.last_run.year >= 2026 and replenish.next_run > replenish.last_run
    assert tick(database) == []   # the period ran: not again
