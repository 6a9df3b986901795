"""Real ``kitwork worker`` processes: each job applied once, a killed worker's job run again once, one run per period."""
import datetime
import io
import os
import signal
import subprocess
import sys

import pytest

from core import cli

from .conftest import effects, jobs, postgresql


def only_postgresql(database):
    if not postgresql(database):
        pytest.skip("several workers on one database: PostgreSQL (SQLite runs its jobs in-process)")


def registered_workers(database):
    with database.engine.connect() as connection:
        return connection.exec_driver_sql("SELECT count(*) FROM procrastinate_workers").scalar()


def start(workers, wait_for, database, count, *arguments):
    """``count`` workers on ``database`` (PostgreSQL only), once all are registered and listening."""
    only_postgresql(database)
    started = [workers.start(database, *arguments) for _ in range(count)]
    wait_for(lambda: registered_workers(database) == count, what=f"{count} workers registered")
    return started


def states(database):
    with database.transaction() as env:
        found = {}
        for job in env["queue.job"].search([]):
            found[job.state] = found.get(job.state, 0) + 1
        return found


def test_two_workers_apply_each_of_a_thousand_jobs_exactly_once_and_keep_locks(probe_db, workers, wait_for,
                                                                                tmp_path):
    start(workers, wait_for, probe_db, 2, "--concurrency", "4")
    with probe_db.transaction() as env:
        for i in range(1000):
            env.defer("probe.touch", key=f"k{i}")
    wait_for(lambda: states(probe_db) == {"succeeded": 1000}, timeout=300, what="1000 jobs succeeded")
    assert effects(probe_db) == {f"k{i}": 1 for i in range(1000)}   # the effect counts every run: once each
    assert {j.attempts for j in jobs(probe_db)} == {1}
    with probe_db.engine.connect() as connection:
        ran = connection.exec_driver_sql("SELECT count(DISTINCT worker_id) FROM procrastinate_jobs").scalar()
    assert ran == 2   # both took their share
    # The same workers: jobs of one lock never run at once, jobs of different locks do.
    log = tmp_path / "spans"
    with probe_db.transaction() as env:
        for i in range(3):
            env.defer("probe.span", key="same", log=str(log), sleep=0.5, lock="one")
            env.defer("probe.span", key="apart", log=str(log), sleep=0.5, lock=f"own {i}")
    wait_for(lambda: log.exists() and len(log.read_text().splitlines()) == 6, what="six spans")
    spans = {"same": [], "apart": []}
    for line in log.read_text().splitlines():
        key, began, ended = line.split()
        spans[key].append((float(began), float(ended)))

    def overlaps(found):
        found = sorted(found)
        return any(later[0] < earlier[1] for earlier, later in zip(found, found[1:]))
    assert not overlaps(spans["same"]) and overlaps(spans["apart"])


def test_a_job_of_a_worker_killed_mid_job_completes_on_the_other_once(probe_db, workers, wait_for, tmp_path):
    started = start(workers, wait_for, probe_db, 2, "--stalled-after", "6")
    marker = tmp_path / "running"
    with probe_db.transaction() as env:
        job_id = env.defer("probe.touch", key="k", marker=str(marker), sleep=3600)
    wait_for(marker.exists, what="the job to start")
    pid = int(wait_for(lambda: marker.read_text()))
    victim, = [p for p in started if p.pid == pid]
    victim.send_signal(signal.SIGKILL)   # mid-job: its work is not committed
    victim.wait(timeout=30)
    wait_for(lambda: states(probe_db) == {"succeeded": 1}, what="the job done by the other worker")
    job, = jobs(probe_db)
    assert (job.id, job.attempts, job.error) == (job_id, 2, None)
    assert effects(probe_db) == {"k": 1}


def test_three_workers_run_a_periodic_task_once_per_period(probe_db, workers, wait_for):
    start(workers, wait_for, probe_db, 3, "--tick", "0.1")
    with probe_db.transaction() as env:
        schedule, = env["queue.schedule"].search([("task", "=", "probe.periodic")])
        assert schedule.cron == "0 0 1 1 *" and schedule.next_run.month == 1 and schedule.next_run.day == 1
    for period in range(1, 4):   # each period comes when next_run passes: move it into the past
        with probe_db.transaction() as env:
            table = env["queue.schedule"].table
            env.execute(table.update().where(table.c.task == "probe.periodic").values(
                next_run=datetime.datetime(2020, 1, 1)))
        wait_for(lambda: effects(probe_db).get("periodic") == period, what=f"period {period} run")
    wait_for(lambda: set(states(probe_db)) == {"succeeded"}, what="nothing left to run")
    assert effects(probe_db) == {"periodic": 3} and len(jobs(probe_db, task="probe.periodic")) == 3
    with probe_db.transaction() as env:
        schedule, = env["queue.schedule"].search([("task", "=", "probe.periodic")])
        assert schedule.last_run > datetime.datetime(2020, 1, 1) and schedule.next_run > schedule.last_run


def test_failures_and_retries_through_a_worker(probe_db, workers, wait_for, tmp_path):
    only_postgresql(probe_db)
    with probe_db.transaction() as env:
        failing = env.defer("probe.fail", message="no stock for lamp")
        flaky = env.defer("probe.flaky", key="flaky", times=1, counter=str(tmp_path / "runs"))
    workers.start(probe_db, "--tick", "0.2")

    def job(job_id):
        return jobs(probe_db, id=job_id)[0]
    wait_for(lambda: job(failing).state == "failed" and job(flaky).state == "succeeded",
             what="one job failed, the other succeeded on its second run")
    assert (job(failing).attempts, job(failing).error) == (1, "no stock for lamp")
    assert (job(flaky).attempts, job(flaky).error) == (2, None)   # the transient error cleared once it ran
    out = io.StringIO()
    assert cli.main(["jobs", "retry", str(failing), "--db", probe_db.url], out=out) == 0
    assert out.getvalue() == f"queued again: {failing}\n"
    wait_for(lambda: job(failing).attempts == 2 and job(failing).state == "failed", what="the retry's run")
    assert effects(probe_db) == {"flaky": 1}


def test_sqlite_a_job_whose_process_died_after_the_commit_is_run_by_the_worker(probe_db, probe, run_jobs):
    if postgresql(probe_db):
        pytest.skip("SQLite's in-process run")
    script = ("import os, sys\nfrom core import Database\nwith Database(sys.argv[1]).transaction() as env:\n"
              "    env.after_commit(lambda: os._exit(3))   # dies between the commit and the in-process run\n"
              "    env.defer('probe.touch', key='orphan')\n")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(probe), os.environ.get("PYTHONPATH", "")])}
    assert subprocess.run([sys.executable, "-c", script, probe_db.url], env=environment).returncode == 3
    job, = jobs(probe_db)
    assert job.state == "todo" and effects(probe_db) == {}
    run_jobs(probe_db)
    job, = jobs(probe_db)
    assert (job.state, job.attempts) == ("succeeded", 1) and effects(probe_db) == {"orphan": 1}


def test_a_running_worker_runs_scheduled_jobs_and_periodic_tasks_of_its_queues(probe_db, workers, wait_for,
                                                                              run_jobs):
    with probe_db.transaction() as env:
        later = env.defer("probe.touch", key="later", schedule_in=1)
        other = env.defer("probe.elsewhere", key="elsewhere", schedule_in=1)
        table = env["queue.schedule"].table
        env.execute(table.update().where(table.c.task == "probe.periodic").values(
            next_run=datetime.datetime(2020, 1, 1)))
    assert jobs(probe_db, id=later)[0].state == "todo"   # not due yet: not run in-process
    workers.start(probe_db, "--tick", "0.2", "--queue", "default")
    wait_for(lambda: effects(probe_db) == {"later": 1, "periodic": 1}, what="both run by the worker")
    workers.stop()
    assert jobs(probe_db, id=other)[0].state == "todo"   # queue 'elsewhere': not this worker's
    run_jobs(probe_db, queues=["elsewhere"])
    assert jobs(probe_db, id=other)[0].state == "succeeded" and effects(probe_db)["elsewhere"] == 1


def test_sqlite_a_worker_killed_mid_job_leaves_it_queued_and_whole(probe_db, workers, wait_for, tmp_path, run_jobs):
    if postgresql(probe_db):
        pytest.skip("SQLite's worker (PostgreSQL: test_a_job_of_a_worker_killed_mid_job_completes_on_the_other_once)")
    marker = tmp_path / "running"
    with probe_db.transaction() as env:
        job_id = env.defer("probe.touch", key="k", marker=str(marker), sleep=3600, schedule_in=0.2)
    worker = workers.start(probe_db, "--tick", "0.1")
    wait_for(marker.exists, what="the job to start")
    worker.send_signal(signal.SIGKILL)   # mid-job: its claim, work and completion are one transaction
    worker.wait(timeout=30)
    job, = jobs(probe_db)
    assert (job.id, job.state, job.attempts, job.started_at) == (job_id, "todo", 0, None) and effects(probe_db) == {}
    run_jobs(probe_db)
    job, = jobs(probe_db)
    assert (job.state, job.attempts) == ("succeeded", 1) and effects(probe_db) == {"k": 1}


def test_the_worker_command_refuses_bad_options(probe_db, capsys):
    assert cli.main(["worker", "--concurrency", "0", "--db", probe_db.url]) == 1
    assert "--concurrency must be at least 1" in capsys.readouterr().err


def test_jobs_lists_the_jobs(probe_db, capsys):
    with probe_db.transaction() as env:
        first = env.defer("probe.touch", key="a", schedule_in=60)
        second = env.defer("probe.fail", schedule_in=60)
    assert cli.main(["jobs", "--db", probe_db.url]) == 0
    assert capsys.readouterr().out == (f"{first}  probe.touch  todo  attempts 0\n"
                                       f"{second}  probe.fail  todo  attempts 0\n")
    assert cli.main(["jobs", "--state", "nonsense", "--db", probe_db.url]) == 1
    assert "--state 'nonsense': one of todo, doing, succeeded, failed, cancelled" in capsys.readouterr().err
