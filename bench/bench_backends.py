"""The kit workload on SQLite and on PostgreSQL: lines/s, statements and the ratio between them.

Sales of 5 lines, half of the lines kits of 4 components (one of them fixed),
go through quote, reset to draft, quote again, then confirm + process
(shipments and moves), through the public API, on a fresh SQLite file and
on a fresh PostgreSQL schema, with stock_reorder active (its hooks run at
confirm and process).  For each size and phase: lines/s, statements and CPU
seconds (client plus local server) on each backend, and PostgreSQL's time
and CPU over SQLite's (goal: within 1.5x).  Each round builds its own data;
the best round is kept.

Confirm + process is also done by a floor: hand-written set-based
SQLAlchemy Core (``floor_confirm.py``) on a copy of the database made just
before the phase; every table must then be equal to what Kitwork wrote, and
the bench prints Kitwork's time over the floor's.

PostgreSQL comes from ``--pg URL`` or ``KITWORK_BENCH_PG_URL``; without
either, a throw-away cluster is started when PostgreSQL's server programs
are installed (as .ci/run does), else PostgreSQL is skipped with a message.

    python bench/bench_backends.py [--sales 200 800] [--rounds 1] [--pg URL] [--sqlite-only] [--profile FILE]
                                   [--row-checks]
"""
import argparse
import contextlib
import cProfile
import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from core import Database, foreign_keys

from bench_kits import Counter, build
from databases import postgresql_urls, sqlite_urls
from floor_confirm import confirm_process, copy_database, differing_tables, reflect

PHASES = ("quote", "reset to draft", "quote again", "confirm + process")
FLOOR = "floor (Core)"
LINES_PER_SALE = 5
MODULES = ("sale", "product_kit", "stock", "stock_reorder")


def server_cpu(pid):
    """CPU seconds used so far by the local PostgreSQL backend ``pid`` (0 when not readable, or for SQLite)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rpartition(")")[2].split()
    except (OSError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_phases(db, sale_ids, profiler=None, before_last=None):
    """Time each phase in its own transaction: ``[(seconds, statements, cpu seconds)]`` in PHASES order.

    CPU seconds add this process's and, on a local PostgreSQL, its server
    process's: less sensitive than wall time to other work on the machine.
    ``before_last`` runs (untimed) before the last phase.
    """
    counter = Counter(db.engine)

    def sales(env):
        return env["sale.sale"].browse(sale_ids)

    def confirm_process(env):
        Sale = env["sale.sale"]
        Sale.confirm(sales(env))
        Sale.process(sales(env))

    actions = (lambda env: env["sale.sale"].quote(sales(env)), lambda env: env["sale.sale"].draft(sales(env)),
               lambda env: env["sale.sale"].quote(sales(env)), confirm_process)
    result = []
    for position, action in enumerate(actions):
        if before_last and position == len(actions) - 1:
            before_last()
        with db.transaction() as env:
            pid = env.execute(sa.text("SELECT pg_backend_pid()")).scalar() if db.engine.name == "postgresql" else None
            cpu = time.process_time() + server_cpu(pid)
            start, statements = time.perf_counter(), counter.count
            if profiler:
                profiler.enable()
            action(env)
            if profiler:
                profiler.disable()
        result.append((time.perf_counter() - start, counter.count - statements,
                       time.process_time() + server_cpu(pid) - cpu))
    return result


def run_floor(url, sale_ids):
    """Confirm + process by the floor on ``url``, timed as a phase: ``(seconds, statements, cpu seconds)``."""
    engine = sa.create_engine(url)
    try:
        reflect(engine)
        counter = Counter(engine)
        with engine.connect() as connection:
            pid = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar() \
                if engine.dialect.name == "postgresql" else None
            connection.rollback()
            cpu = time.process_time() + server_cpu(pid)
            start, statements = time.perf_counter(), counter.count
            with connection.begin():
                confirm_process(connection, sale_ids)
            return (time.perf_counter() - start, counter.count - statements,
                    time.process_time() + server_cpu(pid) - cpu)
    finally:
        engine.dispose()


def one_round(url, copy_url, sales, profiler=None):
    """The phases on ``url``, and the floor of the last one on ``copy_url`` (a copy made just before it).

    Returns the phases' figures and the floor's, in that order; refuses a
    round whose tables differ after the last phase.
    """
    db = Database(url)
    try:
        db.activate(*MODULES)
        sale_ids = build(db, sales)
        result = run_phases(db, sale_ids, profiler, lambda: copy_database(url, copy_url, MODULES))
    finally:
        db.close()
    result.append(run_floor(copy_url, sale_ids))
    differing = differing_tables(url, copy_url)
    if differing:
        raise SystemExit(f"after confirm + process, Kitwork and the floor differ in {', '.join(differing)}")
    return result


@contextlib.contextmanager
def throwaway_cluster():
    """Start a private PostgreSQL cluster on a Unix socket; yield its URL, or None if there is no server."""
    initdb = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    initdb = initdb[-1] if initdb else shutil.which("initdb")
    if not initdb:
        yield None
        return
    bin_dir = Path(initdb).parent
    folder = tempfile.mkdtemp(prefix="kitwork-bench-pg.")
    port = "54328"
    as_postgres = []
    if os.geteuid() == 0:   # root may not run the server
        shutil.chown(folder, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]

    def run(*command):
        subprocess.run([*as_postgres, *map(str, command)], check=True, cwd="/",
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        run(bin_dir / "initdb", "-D", f"{folder}/data", "-A", "trust", "-U", "postgres")
        run(bin_dir / "pg_ctl", "-D", f"{folder}/data", "-l", f"{folder}/log", "-w", "-o",
            f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off", "start")
        run(bin_dir / "createdb", "-h", folder, "-p", port, "kitwork_bench")
        yield f"postgresql+psycopg://postgres@/kitwork_bench?host={folder}&port={port}"
    finally:
        subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", f"{folder}/data", "-m", "immediate", "stop"],
                       cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(folder, ignore_errors=True)


def may_switch(url):
    """Whether the role of ``url`` may set session_replication_role (so big inserts check keys per batch)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT current_setting('is_superuser') = 'on' OR "
                "has_parameter_privilege('session_replication_role', 'SET')").scalar()
    except sa.exc.DBAPIError:   # before PostgreSQL 15: no such right, superusers only
        return False
    finally:
        engine.dispose()


def best(rounds):
    """Per phase, the fastest round's seconds, the first round's statements, the least CPU seconds."""
    return [(min(r[i][0] for r in rounds), rounds[0][i][1], min(r[i][2] for r in rounds))
            for i in range(len(PHASES) + 1)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, nargs="+", default=[200, 800])
    parser.add_argument("--rounds", type=int, default=1, help="rounds per size and backend; the best is kept")
    parser.add_argument("--pg", default=os.environ.get("KITWORK_BENCH_PG_URL"),
                        help="PostgreSQL URL (default: KITWORK_BENCH_PG_URL, else a throw-away cluster)")
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--pg-only", action="store_true")
    parser.add_argument("--profile", metavar="FILE", help="write a cProfile of the phases of the last run")
    parser.add_argument("--row-checks", action="store_true",
                        help="PostgreSQL: keep its per-row foreign-key checks on every insert, as for a role "
                             "without the right to set session_replication_role (see core/foreign_keys.py)")
    args = parser.parse_args()
    if args.row_checks:
        foreign_keys.THRESHOLD = float("inf")
    profiler = cProfile.Profile() if args.profile else None

    with contextlib.ExitStack() as stack:
        backends = []
        if not args.pg_only:
            backends.append(("sqlite", stack.enter_context(sqlite_urls())))
        if not args.sqlite_only:
            url = args.pg or stack.enter_context(throwaway_cluster())
            if url is None:
                print("PostgreSQL skipped: no KITWORK_BENCH_PG_URL (or --pg) and no PostgreSQL server installed")
            else:
                backends.append(("postgresql", stack.enter_context(postgresql_urls(url))))
        results = {}
        pg_may_switch = backends[-1][0] == "postgresql" and may_switch(backends[-1][1]())
        for sales in args.sales:
            for name, make_url in backends:
                rounds = [one_round(make_url(), make_url(), sales, profiler if name == backends[-1][0] else None)
                          for _ in range(args.rounds)]
                results[sales, name] = best(rounds)

    names = [name for name, _ in backends]
    for sales in args.sales:
        lines = LINES_PER_SALE * sales
        print(f"\n{sales} sales, {lines} lines (half kits of 4 components)")
        header = f"{'phase':<20}" + "".join(f"{name + ' lines/s':>20}{'stmts':>7}{'cpu s':>7}" for name in names)
        if len(names) == 2:
            header += f"{'pg/sqlite time':>16}{'cpu':>7}"
        print(header)
        for i, phase in enumerate(PHASES + (FLOOR,)):
            row = f"{phase:<20}"
            for name in names:
                seconds, statements, cpu = results[sales, name][i]
                row += f"{lines / seconds:>20.0f}{statements:>7}{cpu:>7.2f}"
            if len(names) == 2:
                (pg_time, _, pg_cpu), (lite_time, _, lite_cpu) = results[sales, names[1]][i], results[sales, names[0]][i]
                row += f"{pg_time / lite_time:>15.2f}x{pg_cpu / lite_cpu:>6.2f}x"
            print(row)
        ratios = ", ".join(f"{name} {results[sales, name][3][0] / results[sales, name][4][0]:.2f}x time, "
                           f"{results[sales, name][3][2] / results[sales, name][4][2]:.2f}x cpu" for name in names)
        print(f"confirm + process / floor: {ratios} (tables equal after the phase)")
    if "postgresql" in names:
        how = ("per row (--row-checks)" if args.row_checks else
               f"once per batch for inserts of {foreign_keys.THRESHOLD}+ rows" if pg_may_switch else
               "per row: the role may not set session_replication_role")
        print(f"\nPostgreSQL's foreign keys checked {how} (see core/foreign_keys.py)")
    if profiler:
        profiler.dump_stats(args.profile)
        print(f"\nprofile of the {names[-1]} phases written to {args.profile}")


if __name__ == "__main__":
    main()
