"""Fixtures shared by Kitwork's own tests (module authors use core.testing's)."""
import email
import email.policy
import hashlib
import importlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

EXAMPLE_PACKAGE = Path(__file__).parent / "example_module"


@pytest.fixture(scope="session")
def example_package(tmp_path_factory):
    """The third-party package tests/example_module, really pip-installed.

    It is installed into a private folder put on sys.path, so its modules
    (``example``, ``example_broken``) become visible through the
    ``kitwork.modules`` entry points exactly as for any installed package.
    """
    target = tmp_path_factory.mktemp("site-packages")
    # Built from a private copy: setuptools writes build/ and *.egg-info into
    # the source, which two test runs at once would otherwise share.
    source = tmp_path_factory.mktemp("example-build") / "example_module"
    shutil.copytree(EXAMPLE_PACKAGE, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--no-cache-dir", "--target", str(target), str(source)],
        check=True, cwd=source.parent)
    sys.path.insert(0, str(target))
    importlib.invalidate_caches()
    yield target
    sys.path.remove(str(target))


@pytest.fixture
def db(kitwork_database):
    """A database with party and product active."""
    return kitwork_database("party", "product")


@pytest.fixture
def example_db(kitwork_database, example_package):
    """A database with the example third-party module (and product) active."""
    return kitwork_database("example")


class StatementCounter:
    """Counts the SQL statements an engine executes inside a ``with`` block."""

    def __init__(self, engine):
        self.engine = engine
        self.count = 0
        self.statements = []

    def _count(self, conn, cursor, statement, parameters, context, executemany):
        self.count += 1
        self.statements.append(statement)

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._count)


@pytest.fixture
def count_statements():
    return StatementCounter


class ModuleSite:
    """A folder on sys.path where module packages are written, visible through ``kitwork.modules`` entry points."""

    def __init__(self, site, monkeypatch):
        site.mkdir()
        monkeypatch.syspath_prepend(str(site))
        self.site = site
        self.written = []

    def make(self, name, files):
        package = self.site / name
        for relative, text in files.items():
            path = package / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        info = self.site / f"{name}-1.0.dist-info"
        info.mkdir(exist_ok=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
        (info / "entry_points.txt").write_text(f"[kitwork.modules]\n{name} = {name}\n")
        self.forget(name)
        importlib.invalidate_caches()
        self.written.append(name)
        return package

    @staticmethod
    def forget(name):
        for module in [m for m in sys.modules if m == name or m.startswith(f"{name}.")]:
            del sys.modules[module]

    def close(self):
        for name in self.written:
            self.forget(name)


@pytest.fixture
def module_factory(tmp_path, monkeypatch):
    """Write a module package on the fly, visible through a ``kitwork.modules`` entry point.

    ``module_factory(name, {"__init__.py": ..., "manifest.toml": ...})`` writes
    the package and a ``.dist-info`` declaring its entry point into a folder put
    on sys.path; calling it again with the same name replaces the files (a
    newer version of the module) and forgets the imported code.
    """
    site = ModuleSite(tmp_path / "site", monkeypatch)
    yield site.make
    site.close()


@pytest.fixture(scope="module")
def module_factory_for_module(tmp_path_factory):
    """``module_factory`` for a whole test module: packages written once, shared by its tests."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        site = ModuleSite(tmp_path_factory.mktemp("modules") / "site", monkeypatch)
        yield site.make
        site.close()


@pytest.fixture(scope="module")
def full_db(kitwork_templates, tmp_path_factory):
    """One database per test module with every built-in module active (SQLite, or the test PostgreSQL)."""
    from core import modules
    names = sorted(n for n, m in modules.discover().items() if m.package.startswith("modules."))
    database, drop = kitwork_templates.make(tuple(names), tmp_path_factory.mktemp("full"))
    yield database
    drop()


@pytest.fixture(scope="session")
def snapshot():
    """``snapshot(env)``: every table's row count and content hash, what "nothing changed" compares."""
    return _snapshot


def _snapshot(env):
    from core.sequence import sequence_table
    key = (env.pool, env.connection.dialect.name)
    queries = _SNAPSHOT_QUERIES.get(key)
    if queries is None:   # plain SQL strings, compiled once per pool: the fuzz tests take thousands of snapshots
        queries = _SNAPSHOT_QUERIES[key] = {
            table.name: str(sa.select(table).order_by(*table.primary_key.columns).compile(env.connection))
            for table in [*env.pool.metadata.sorted_tables, sequence_table]}
    # The driver's own cursor, in the transaction: rows as the database stores them, as plain tuples
    # (an execute through SQLAlchemy, and the repr of its Row objects, cost ten times more).
    cursor = env.connection.connection.cursor()
    result = {}
    try:
        for name, query in queries.items():
            cursor.execute(query)
            rows = cursor.fetchall()
            result[name] = (len(rows), hashlib.sha256(repr(rows).encode("utf-8", "backslashreplace")).hexdigest())
    finally:
        cursor.close()
    return result


_SNAPSHOT_QUERIES = {}


class Inbox:
    """An aiosmtpd handler keeping what it receives; refuses recipients at refused.example."""

    def __init__(self):
        self.received = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@refused.example"):
            return "550 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos),
                              email.message_from_bytes(envelope.content, policy=email.policy.default)))
        return "250 Message accepted for delivery"


def free_tcp_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve_smtp(inbox):
    """Serve ``inbox`` (an aiosmtpd handler) on 127.0.0.1 until the generator is closed; yields it with ``.url``."""
    from aiosmtpd.controller import Controller
    controller = Controller(inbox, hostname="127.0.0.1", port=free_tcp_port())
    controller.start()
    inbox.url = f"smtp://127.0.0.1:{controller.port}?from=shop@example.com"
    yield inbox
    controller.stop()


@pytest.fixture
def smtp_server():
    """A real SMTP server (aiosmtpd) on 127.0.0.1 for the test: ``.url``, and ``.received`` messages."""
    yield from serve_smtp(Inbox())


@pytest.fixture
def free_port():
    """A function giving a TCP port nobody listens on (yet)."""
    return free_tcp_port


def _wait_for(condition, timeout=120, what="the condition"):
    """Poll ``condition()`` until it is true; fail after ``timeout`` seconds (generous: a loaded machine)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


class Workers:
    """``kitwork worker`` processes on a database; stopped (SIGTERM, then SIGKILL) at the end of the test."""

    def __init__(self, site, tmp_path):
        self.site, self.tmp_path, self.processes = site, tmp_path, []

    def start(self, database, *arguments, smtp_url=None):
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(self.site) if self.site else "", environment.get("PYTHONPATH", "")) if p)
        if smtp_url:
            environment["KITWORK_SMTP_URL"] = smtp_url
        log = open(self.tmp_path / f"worker-{len(self.processes)}.log", "w")
        process = subprocess.Popen(
            [sys.executable, "-m", "core.cli", "worker", "--db", database.url, *arguments],
            stdout=log, stderr=subprocess.STDOUT, env=environment, start_new_session=True)
        process.log_path = log.name
        self.processes.append(process)
        return process

    def output(self, process):
        with open(process.log_path) as handle:
            return handle.read()

    def stop(self):
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@pytest.fixture
def workers(tmp_path, request):
    """Start ``kitwork worker`` processes: ``workers.start(database, *arguments)``; stopped after the test.

    With the queue tests' ``probe`` fixture, they see the probe module too.
    """
    site = request.getfixturevalue("probe") if "probe" in request.fixturenames else None
    running = Workers(site, tmp_path)
    yield running
    running.stop()


@pytest.fixture
def wait_for():
    """``wait_for(condition, timeout=120, what=...)``: poll until ``condition()`` is true, never sleep-and-hope."""
    return _wait_for


@pytest.fixture
def run_jobs(monkeypatch):
    """``run_jobs(database)``: run what is queued as ``kitwork worker --once`` would, then return.

    On SQLite the jobs ran in-process when their transaction committed, so
    this runs what is left (retries, scheduled jobs); on PostgreSQL, where
    the committing process never runs a job, it runs them all.  The worker
    runs in this process (on a Database object of its own, as a worker
    process has), which spares a process start per call; the tests of
    ``tests/modules/queue/test_worker.py`` run real worker processes.  The
    periodic tasks are switched off first: only what the test queued runs.
    """
    from core import Database
    from core.worker import Worker

    def run(database, smtp_url=None, **options):
        with database.transaction() as env:   # a test's database may be older than their next run
            Schedule = env["queue.schedule"]
            Schedule.write(Schedule.search([]), {"active": False})
        if smtp_url:
            monkeypatch.setenv("KITWORK_SMTP_URL", smtp_url)
        own = Database(database.url)
        try:
            Worker(own, once=True, **options).run()
        finally:
            own.close()
    return run
def concurrently(url, work, count=3):
    """Run ``work(env)`` in ``count`` transactions at once, each on its own connection; return the errors raised.

    The threads start their work together (a barrier), so that they really
    overlap: what a test then checks is what no interleaving may break.
    """
    from core import Database

    errors_seen, barrier = [], threading.Barrier(count)

    def run():
        try:
            with Database(url).transaction() as env:
                barrier.wait()
                work(env)
        except Exception as exc:   # returned: the test fails on any error
            errors_seen.append(exc)
    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors_seen
