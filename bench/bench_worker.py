"""Background jobs: throughput of small jobs and latency from the commit that queued one to its effect committed.

PostgreSQL: two ``kitwork worker`` processes (``--concurrency`` each, default
4) on one database; SQLite: the in-process path (a job runs right after the
commit that queued it, in the committing process).  A small job inserts one
row stamped with the time just before its transaction commits.

- throughput: ``--jobs`` jobs queued in one transaction; jobs/s from that
  commit to the last effect committed (goal on PostgreSQL with 2 workers:
  at least 500 jobs/s);
- CPU ms/job: the Python processes' CPU time (the workers', or on SQLite the
  bench's own) per job of the throughput run, and on PostgreSQL the server's
  (its backends serving this database) — the cost the wall-clock figures
  hide on a loaded machine: cores ÷ (both) bounds the jobs/s of an idle one;
- latency: ``--latency`` jobs, each queued by a transaction of its own, one
  every 20 ms (a queue that is not saturated); p50 and p99 of effect stamp −
  commit time (goal: p50 ≤ 50 ms, p99 ≤ 500 ms).

SQLite is measured twice: a new file (rollback journal, as ``kitwork init``
makes it) and the same in WAL mode (as ``kitwork serve`` sets it); each job
is a transaction of its own, so its commit's sync to disk is most of it.

    python bench/bench_worker.py [--jobs 5000] [--latency 300] [--concurrency 4] [--pg URL] [--sqlite-only]

PostgreSQL comes from ``--pg URL`` or ``KITWORK_BENCH_PG_URL`` (a fresh schema
of that database, dropped afterwards); without either, only SQLite is
measured.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from databases import postgresql_urls, sqlite_urls  # noqa: E402

MODULE = '''
import sys
import time

from core import Model, fields, hookimpl, task


class Effect(Model):
    _name = "bench.effect"
    n = fields.Integer("N", required=True)
    stamp = fields.Float("Stamp", help="time.time() just before the job's commit")


@task("bench.touch")
def touch(env, n):
    table = env["bench.effect"].table
    env.execute(table.insert().values(n=n, stamp=time.time()))


@hookimpl
def core_tasks():
    return [touch]


def register(module):
    module.add_models(Effect)
    module.add_hooks(sys.modules[__name__])
'''

MIGRATION = '''
from alembic import op
import sqlalchemy as sa

revision = "bench_jobs_0001"
down_revision = None
branch_labels = ("bench_jobs",)
depends_on = None


def upgrade():
    op.create_table("bench_effect", sa.Column("id", sa.Integer(), nullable=False),
                    sa.Column("n", sa.Integer(), nullable=False), sa.Column("stamp", sa.Float(), nullable=True),
                    sa.PrimaryKeyConstraint("id", name=op.f("pk_bench_effect")))
'''


def write_module(site):
    """The bench's module, visible through a ``kitwork.modules`` entry point from ``site``."""
    package = site / "bench_jobs"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(MODULE)
    (package / "manifest.toml").write_text('name = "bench_jobs"\nversion = "1.0.0"\ndepends = ["queue"]\n')
    (package / "migrations" / "bench_jobs_0001.py").write_text(MIGRATION)
    info = site / "bench_jobs-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: bench_jobs\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[kitwork.modules]\nbench_jobs = bench_jobs\n")
    sys.path.insert(0, str(site))


def stamps(database):
    with database.engine.connect() as connection:
        return dict(connection.exec_driver_sql("SELECT n, stamp FROM bench_effect").all())


def wait_for_effects(database, count, timeout=600):
    deadline = time.monotonic() + timeout
    while True:
        found = stamps(database)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise SystemExit(f"only {len(found)} of {count} effects after {timeout} s")
        time.sleep(0.02)


def queue_many(database, first, count):
    """``count`` jobs queued in one transaction; the time its commit returned (SQLite: before they ran)."""
    committed = []
    with database.transaction() as env:
        env.after_commit(lambda: committed.append(time.time()))   # first callback: before the in-process runs
        for n in range(first, first + count):
            env.defer("bench.touch", n=n)
    return committed[0]


def cpu_seconds(pids):
    """User + system CPU seconds used so far by the processes ``pids`` (Linux), or None."""
    total = 0.0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            return None
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def server_pids(database):
    """PostgreSQL: the backends serving the bench's database (the workers' connections), but this one."""
    with database.engine.connect() as connection:
        return list(connection.exec_driver_sql(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).scalars())


def cpu_per_job(pids, before, jobs):
    after = cpu_seconds(pids)
    return None if before is None or after is None else (after - before) / jobs * 1000


def measure(database, jobs, latency, sqlite, pids=()):
    from core import queue
    queue.tasks(database.pool)   # the pool and its tasks read before the clock starts
    queue_many(database, 0, 20)   # warm-up
    wait_for_effects(database, 20)
    pids = list(pids) or [os.getpid()]
    backends = [] if sqlite else server_pids(database)
    cpu, server = cpu_seconds(pids), cpu_seconds(backends)
    start = queue_many(database, 1000, jobs)
    found = wait_for_effects(database, 20 + jobs)
    last = max(found[n] for n in range(1000, 1000 + jobs))
    throughput = jobs / (last - start)
    cpu, server = cpu_per_job(pids, cpu, jobs), (None if sqlite else cpu_per_job(backends, server, jobs))
    delays = []
    first = 1000 + jobs + 1000
    for n in range(first, first + latency):
        committed = queue_many(database, n, 1)
        if sqlite:
            delays.append(stamps_one(database, n) - committed)
        else:
            time.sleep(0.02)
            delays.append((n, committed))
    if not sqlite:
        found = wait_for_effects(database, 20 + jobs + latency)
        delays = [found[n] - committed for n, committed in delays]
    delays.sort()
    p50 = statistics.median(delays) * 1000
    p99 = delays[min(len(delays) - 1, int(len(delays) * 0.99))] * 1000
    return throughput, p50, p99, cpu, server


def stamps_one(database, n):
    with database.engine.connect() as connection:
        return connection.exec_driver_sql(f"SELECT stamp FROM bench_effect WHERE n = {int(n)}").scalar()


def run_postgresql(url, site, args):
    from core import Database
    database = Database(url)
    database.activate("bench_jobs")
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    workers = [subprocess.Popen([sys.executable, "-m", "core.cli", "worker", "--db", url,
                                 "--concurrency", str(args.concurrency)],
                                env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
               for _ in range(2)]
    try:
        deadline = time.monotonic() + 60
        while True:
            with database.engine.connect() as connection:
                if connection.exec_driver_sql("SELECT count(*) FROM procrastinate_workers").scalar() >= 2:
                    break
            if time.monotonic() > deadline:
                raise SystemExit("the workers did not start")
            time.sleep(0.05)
        return measure(database, args.jobs, args.latency, sqlite=False, pids=[w.pid for w in workers])
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=60)
        database.close()


def run_sqlite(url, args, wal=False):
    from core import Database
    database = Database(url)
    database.activate("bench_jobs")
    if wal:   # what kitwork serve sets (modules.web.app.prepare): readers do not wait for the writer
        import sqlalchemy as sa
        engine = sa.create_engine(url)
        with engine.connect() as connection:
            connection.exec_driver_sql("PRAGMA journal_mode=WAL")
        engine.dispose()
    try:
        return measure(database, args.jobs, args.latency, sqlite=True)
    finally:
        database.close()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=5000)
    parser.add_argument("--latency", type=int, default=300)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--pg", default=os.environ.get("KITWORK_BENCH_PG_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder) / "site"
        write_module(site)
        rows = []
        with sqlite_urls() as make:
            rows.append(("SQLite, in-process", *run_sqlite(make(), args)))
            rows.append(("SQLite (WAL), in-process", *run_sqlite(make(), args, wal=True)))
        if args.pg and not args.sqlite_only:
            with postgresql_urls(args.pg) as make:
                rows.append((f"PostgreSQL, 2 workers x {args.concurrency}", *run_postgresql(make(), site, args)))
        elif not args.sqlite_only:
            print("PostgreSQL skipped: give --pg URL or KITWORK_BENCH_PG_URL")
    print(f"{'backend':<34} {'jobs/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/job':>11} {'server':>7}   "
          f"({args.jobs} jobs; latency of {args.latency}; load average {os.getloadavg()[0]:.1f})")
    for name, throughput, p50, p99, cpu, server in rows:
        print(f"{name:<34} {throughput:>8.0f} {p50:>8.1f} {p99:>8.1f} {shown(cpu):>11} {shown(server):>7}")


def shown(ms):
    return "-" if ms is None else f"{ms:.2f}"


if __name__ == "__main__":
    main()
