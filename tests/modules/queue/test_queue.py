"""The queue port: env.defer in the caller's transaction, jobs run once, bad input refused (both backends)."""
import datetime
import io

import pytest

from core import cli, errors
from core import queue as kqueue

from .conftest import effects, jobs, postgresql


def test_a_rollback_leaves_no_job(probe_db):
    with pytest.raises(RuntimeError):
        with probe_db.transaction() as env:
            job_id = env.defer("probe.touch", key="a")
            assert isinstance(job_id, int)
            raise RuntimeError("changed my mind")
    assert jobs(probe_db) == [] and effects(probe_db) == {}
    if postgresql(probe_db):
        with probe_db.engine.connect() as connection:
            assert connection.exec_driver_sql("SELECT count(*) FROM procrastinate_jobs").scalar() == 0


def test_a_committed_job_has_run_when_the_transaction_returns_on_sqlite(probe_db):
    with probe_db.transaction() as env:
        job_id = env.defer("probe.touch", key="a")
        assert effects_in(env) == {}   # not inside the caller's transaction
    job, = jobs(probe_db)
    assert job.id == job_id and job.task == "probe.touch" and job.args == {"key": "a"}
    if postgresql(probe_db):   # the committing process never runs it: a worker does
        assert (job.state, job.attempts, effects(probe_db)) == ("todo", 0, {})
    else:
        assert (job.state, job.attempts, job.error) == ("succeeded", 1, None)
        assert job.started_at <= job.finished_at and effects(probe_db) == {"a": 1}


def effects_in(env):
    return {e.key: e.count for e in env["probe.effect"].search([])}


@pytest.mark.parametrize("call, field", [
    (lambda env: env.defer("probe.nothing"), "task"),
    (lambda env: env.defer(None), "task"),
    (lambda env: env.defer("probe.touch", key=env["res.user"]), "key"),
    (lambda env: env.defer("probe.touch", key=datetime.date(2026, 1, 1)), "key"),
    (lambda env: env.defer("probe.touch", key=float("nan")), "key"),
    (lambda env: env.defer("probe.touch", key={1: "a"}), "key"),
    (lambda env: env.defer("probe.touch", key={"a"}), "key"),
    (lambda env: env.defer("probe.touch", key="a\x00b"), "key"),
    (lambda env: env.defer("probe.touch", key="a", colour="red"), "colour"),
    (lambda env: env.defer("probe.touch"), "key"),
    (lambda env: env.defer("probe.touch", key="a", lock=""), "lock"),
    (lambda env: env.defer("probe.touch", key="a", queueing_lock=5), "queueing_lock"),
    (lambda env: env.defer("probe.touch", key="a", schedule_in=-1), "schedule_in"),
    (lambda env: env.defer("probe.touch", key="a", schedule_in="soon"), "schedule_in"),
])
def test_bad_input_is_a_validation_error_and_queues_nothing(probe_db, call, field):
    with probe_db.transaction() as env:
        with pytest.raises(errors.ValidationError) as raised:
            call(env)
        assert field in raised.value.errors
        env.defer("probe.touch", key="after")   # the transaction goes on
    assert [j.args for j in jobs(probe_db)] == [{"key": "after"}]


def test_a_failing_job_is_failed_with_its_error_and_can_be_retried(probe_db, run_jobs):
    with probe_db.transaction() as env:
        job_id = env.defer("probe.fail", message="no stock for lamp")
    if postgresql(probe_db):
        run_jobs(probe_db)
    job, = jobs(probe_db)
    assert (job.state, job.attempts, job.error) == ("failed", 1, "no stock for lamp")
    assert effects(probe_db) == {}   # its work was rolled back
    out = io.StringIO()
    assert cli.main(["jobs", "--db", probe_db.url, "--state", "failed"], out=out) == 0
    assert out.getvalue() == f"{job_id}  probe.fail  failed  attempts 1  error: no stock for lamp\n"
    assert cli.main(["jobs", "retry", str(job_id), "--db", probe_db.url], out=out) == 0
    if postgresql(probe_db):
        assert jobs(probe_db)[0].state == "todo"
        run_jobs(probe_db)
    job, = jobs(probe_db)
    assert (job.id, job.state, job.attempts) == (job_id, "failed", 2)   # ran again, failed again


def test_retry_refuses_jobs_that_did_not_fail(probe_db, capsys):
    with probe_db.transaction() as env:
        job_id = env.defer("probe.touch", key="a", schedule_in=3600)
    assert cli.main(["jobs", "retry", str(job_id), "999", "--db", probe_db.url]) == 1
    assert f"job {job_id} is todo; there is no job 999" in capsys.readouterr().err


def test_transient_errors_are_retried_with_backoff_then_fail(probe_db, tmp_path, monkeypatch):
    if postgresql(probe_db):
        return   # through real workers: test_worker.py
    monkeypatch.setattr(kqueue, "backoff", lambda attempts: -1)   # due again at once
    store = kqueue.store(probe_db)
    with probe_db.transaction() as env:
        cured = env.defer("probe.flaky", key="cured", times=2, counter=str(tmp_path / "cured"))
        doomed = env.defer("probe.flaky", key="doomed", times=5, counter=str(tmp_path / "doomed"))
    by_id = {j.id: j for j in jobs(probe_db)}
    assert by_id[cured].state == "todo" and by_id[cured].error == "OperationalError: database is locked"
    while store.due():
        for job_id in store.due():
            store.run(job_id)
    by_id = {j.id: j for j in jobs(probe_db)}
    assert (by_id[cured].state, by_id[cured].attempts, by_id[cured].error) == ("succeeded", 3, None)
    assert (by_id[doomed].state, by_id[doomed].attempts) == ("failed", 3)   # probe.flaky: 3 attempts
    assert effects(probe_db) == {"cured": 1}


def test_a_queueing_lock_keeps_one_job_waiting(probe_db):
    with probe_db.transaction() as env:
        first = env.defer("probe.touch", key="a", queueing_lock="a", schedule_in=3600)
        again = env.defer("probe.touch", key="b", queueing_lock="a", schedule_in=3600)
        other = env.defer("probe.touch", key="c", queueing_lock="c", schedule_in=3600)
    with probe_db.transaction() as env:
        later = env.defer("probe.touch", key="d", queueing_lock="a")
    assert first == again == later and other != first
    assert sorted(j.args["key"] for j in jobs(probe_db)) == ["a", "c"]


def test_jobs_queued_by_jobs_run_too_without_growing_the_stack(probe_db, run_jobs):
    # SQLite: run nested, each job's after-commit run inside the previous one's, 200 jobs would pass
    # Python's recursion limit (six frames a job).  PostgreSQL: a worker with --once runs a chain too.
    left = 20 if postgresql(probe_db) else 200
    with probe_db.transaction() as env:
        env.defer("probe.chain", left=left)
    if postgresql(probe_db):
        run_jobs(probe_db)
    assert effects(probe_db) == {"chain": left + 1}
    assert {j.state for j in jobs(probe_db)} == {"succeeded"}


def test_a_job_queued_by_a_user_runs_as_that_user(probe_db, run_jobs):
    with probe_db.transaction() as env:
        Group, Access = env["res.group"], env["ir.model.access"]
        clerks, readers = Group.create([{"name": "clerks"}, {"name": "readers"}])
        Access.create([{"group": clerks.id, "model": "probe.effect", "perm_read": True, "perm_create": True,
                        "perm_write": True},
                       {"group": readers.id, "model": "probe.effect", "perm_read": True}])
        env["res.user"].create([{"login": "ann", "groups": [clerks.id]}, {"login": "bob", "groups": [readers.id]}])
    for login in ("ann", "bob"):
        with probe_db.transaction(user=login) as env:
            env.defer("probe.touch", key=login)
    by_user = {j.user: j for j in jobs(probe_db)}
    assert set(by_user) == {"ann", "bob"}
    if postgresql(probe_db):
        run_jobs(probe_db)
        by_user = {j.user: j for j in jobs(probe_db)}
    assert by_user["ann"].state == "succeeded" and by_user["bob"].state == "failed"
    assert "user 'bob' may not create probe.effect" in by_user["bob"].error
    with probe_db.transaction() as env:
        assert [(e.key, e.user) for e in env["probe.effect"].search([])] == [("ann", "ann")]


def test_queue_job_is_read_only(probe_db):
    with probe_db.transaction() as env:
        env.defer("probe.touch", key="a", schedule_in=60)
    with probe_db.transaction() as env:
        Job = env["queue.job"]
        job, = Job.search([])
        for call in (lambda: Job.create([{"task": "probe.touch"}]), lambda: Job.write([job], {"state": "failed"}),
                     lambda: Job.delete([job])):
            with pytest.raises(errors.AccessError, match="queue.job is read-only"):
                call()
        assert Job.dump([job])[0]["args"] == {"key": "a"} and job.state == "todo"


def test_without_the_queue_module_defer_says_what_to_activate(kitwork_database):
    database = kitwork_database("product")
    with database.transaction() as env:
        with pytest.raises(errors.ModuleError, match="kitwork activate queue"):
            env.defer("probe.touch", key="a")
