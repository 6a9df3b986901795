"""pytest plugin for module authors: throw-away Kitwork databases.

Installed with Kitwork (entry point ``pytest11``), it gives the fixture
``kitwork_database``: a factory ``kitwork_database(*modules)`` returning a
:class:`core.Database` with those modules (and their dependencies) active.
Each database is new and is thrown away after the test: a SQLite file in the
test's temporary folder, or, when ``KITWORK_TEST_DATABASE_URL`` is set (a
PostgreSQL URL), a database of its own on that server.

Activating modules runs every migration of every module, which costs far
more than most tests.  So each distinct set of modules is activated once per
test session, in a *template*, and each test gets a copy: a file copy on
SQLite, ``CREATE DATABASE … TEMPLATE`` on PostgreSQL (as Tryton's test
runner does).  Tests stay isolated, each with its own database.  Templates
are shared by the processes of one run (pytest-xdist's workers): one builds
a template while the others wait for it.  A template belongs to the modules'
code as it was when it was built: the key is the modules, their versions and
their files' sizes and times, so a module rewritten during the run (a test
writing a newer version) gets a new template.
"""
import contextlib
import hashlib
import os
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from . import modules as kmodules
from .database import Database

try:
    import fcntl
except ImportError:   # not POSIX: each process builds its own templates
    fcntl = None

URL_VARIABLE = "KITWORK_TEST_DATABASE_URL"
RUN_VARIABLE = "KITWORK_TEST_RUN"   # one id per pytest run, shared by its xdist workers


_run = {"id": None, "worker": "main"}   # set by pytest_configure


def _worker():
    return _run["worker"]


def _run_id():
    if _run["id"] is None:   # outside a pytest run that loaded the plugin
        _run["id"] = uuid.uuid4().hex[:6]
    return _run["id"]


def _fingerprint(manifests):
    """A key naming a set of modules as their code is now: names, versions, files' sizes and times."""
    digest = hashlib.sha256()
    for manifest in manifests:
        digest.update(f"{manifest.name}={manifest.version}@{manifest.path}\n".encode())
        for folder, subfolders, files in sorted(os.walk(manifest.path)):
            subfolders[:] = sorted(d for d in subfolders if d != "__pycache__")
            for name in sorted(files):
                if name.endswith((".py", ".toml", ".mako")):
                    stat = os.stat(os.path.join(folder, name))
                    digest.update(f"{folder}/{name}:{stat.st_size}:{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:12]


def _key(module_names, revisions=()):
    """``(key, available modules)``: the fingerprint of ``module_names`` with their dependencies.

    The key is None when they cannot be resolved (an unknown module, a
    dependency cycle): ``Database.activate`` reports it, as without templates.
    ``revisions`` (an upgrade test's starting point) are part of the key.
    """
    try:
        available = kmodules.discover()
        key = _fingerprint([available[n] for n in kmodules.resolve(module_names, available)])
    except Exception:
        return None, None
    if revisions:
        key = hashlib.sha256(f"{key}@{','.join(revisions)}".encode()).hexdigest()[:12]
    return key, available


def _database(url, available):
    """A Database of ``url`` that knows the modules discovered already (discovering takes tens of ms)."""
    database = Database(url)
    if available is not None:
        database._available = available
    return database


@contextlib.contextmanager
def _file_lock(path):
    """Hold an exclusive lock on ``path`` (shared by the processes of a run); a no-op without fcntl."""
    if fcntl is None:
        yield
        return
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _activate_or(undo, database, module_names, revisions=()):
    """Activate ``module_names`` in ``database`` (their ``revisions``); if that fails, ``undo()``, then raise."""
    try:
        database._activate(module_names, revisions)
    except BaseException:
        undo()
        raise


class SQLiteTemplates:
    """Templates as SQLite files in a folder the run's processes share; copies are file copies."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.counter = 0

    def make(self, module_names, folder, revisions=()):
        """A Database in ``folder`` with ``module_names`` active, copied from their template; and its cleanup."""
        self.counter += 1
        path = Path(folder) / f"kitwork-{self.counter}.db"
        key, available = _key(module_names, revisions) if module_names else (None, None)
        if key is not None:
            template = self.folder / f"{key}.db"
            with _file_lock(self.folder / f"{key}.lock"):
                if not template.exists():
                    self._build(template, module_names, revisions)
            shutil.copyfile(template, path)
        database = _database(f"sqlite:///{path}", available)
        if key is None and module_names:
            database._activate(module_names, revisions)
        return database, database.close

    @staticmethod
    def _build(template, module_names, revisions):
        building = template.with_suffix(f".{os.getpid()}.building")
        database = Database(f"sqlite:///{building}")
        _activate_or(lambda: (database.close(), building.unlink(missing_ok=True)), database, module_names, revisions)
        database.close()
        os.replace(building, template)   # complete or absent, never half-written


class PostgreSQLTemplates:
    """Templates as databases of the test server; copies are ``CREATE DATABASE … TEMPLATE``.

    The server is the one of ``url``; databases are named after its database,
    the run and the process.  A role that may not create databases gets, as
    before templates existed, a new schema of ``url``'s database per test,
    activated from scratch.
    """

    def __init__(self, url):
        self.url = sa.engine.make_url(url)
        self.base = (self.url.database or "kitwork")[:24]
        self.prefix = f"{self.base}_{_run_id()}"
        self.admin = sa.create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
        self.counter = 0
        self.templated, self.strategy = self._settings()

    def _settings(self):
        """Whether the role may create databases; how to copy them.

        ``FILE_COPY`` copies a small database several times faster than the
        default (PostgreSQL 15+), at the price of a checkpoint, which costs
        nothing on a test server that does not sync to disk.
        """
        with self.admin.connect() as connection:
            may = connection.exec_driver_sql(
                "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user").scalar()
            version = int(connection.exec_driver_sql("SHOW server_version_num").scalar())
            fsync = connection.exec_driver_sql("SHOW fsync").scalar()
        self.force = " WITH (FORCE)" if version >= 130000 else ""   # closes what a test left open
        return bool(may), " STRATEGY FILE_COPY" if version >= 150000 and fsync == "off" else ""

    def _url(self, name):
        return self.url.set(database=name).render_as_string(hide_password=False)

    def make(self, module_names, folder=None, revisions=()):
        """A Database with ``module_names`` active, and the function dropping it."""
        if not self.templated:
            return self._schema_database(module_names, revisions)
        key, available = _key(module_names, revisions) if module_names else (None, None)
        self.counter += 1
        name = f"{self.prefix}_{_worker()}_{self.counter}"
        with self.admin.connect() as connection:
            template = self._template(connection, key, module_names, revisions) if key else "template1"
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{self.strategy}')
        database = _database(self._url(name), available)

        def drop():
            database.close()
            with self.admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"{self.force}')
        if key is None and module_names:
            _activate_or(drop, database, module_names, revisions)
        return database, drop

    def _template(self, connection, key, module_names, revisions):
        """The template database of ``key``, built once per run under an advisory lock."""
        name = f"{self.prefix}_t{key}"
        lock = int(hashlib.sha256(name.encode()).hexdigest()[:15], 16)
        connection.exec_driver_sql(f"SELECT pg_advisory_lock({lock})")
        try:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM pg_database WHERE datname = %(name)s", {"name": name}).first()
            if not exists:
                building = f"{name}_b"
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{building}"')
                connection.exec_driver_sql(f'CREATE DATABASE "{building}"')
                database = Database(self._url(building))
                _activate_or(lambda: (database.close(), connection.exec_driver_sql(
                    f'DROP DATABASE "{building}"{self.force}')), database, module_names, revisions)
                database.close()
                connection.exec_driver_sql(f'ALTER DATABASE "{building}" RENAME TO "{name}"')
        finally:
            connection.exec_driver_sql(f"SELECT pg_advisory_unlock({lock})")
        return name

    def _schema_database(self, module_names, revisions=()):
        database, drop = _postgresql_database(self.url.render_as_string(hide_password=False))
        if module_names:
            _activate_or(drop, database, module_names, revisions)
        return database, drop

    def drop_run(self):
        """Drop every database of this run (the templates, and copies a crash left)."""
        with self.admin.connect() as connection:
            names = connection.exec_driver_sql(
                "SELECT datname FROM pg_database WHERE datname LIKE %(prefix)s",
                {"prefix": self.prefix.replace("_", r"\_") + r"\_%"}).scalars().all()
            for name in names:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"{self.force}')
        self.admin.dispose()


def _postgresql_database(url):
    """A Database confined to a new schema of ``url``, and a function to drop it."""
    schema = f"kitwork_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    database = Database(f"{url}{separator}options=-csearch_path%3D{schema}")

    def drop():
        database.close()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    return database, drop


def pytest_configure(config):
    """Name the run: a new id in the main process, handed to xdist's workers (which start after this)."""
    workerinput = getattr(config, "workerinput", None)
    if workerinput is None:
        _run["id"] = os.environ[RUN_VARIABLE] = uuid.uuid4().hex[:6]
    else:
        _run["id"], _run["worker"] = os.environ[RUN_VARIABLE], workerinput["workerid"]


def pytest_sessionfinish(session):
    """Drop the run's PostgreSQL templates, once every process of the run is done with them."""
    if hasattr(session.config, "workerinput"):
        return
    url = os.environ.get(URL_VARIABLE)
    if url and url.startswith("postgresql"):
        templates = PostgreSQLTemplates(url)
        if templates.templated:
            templates.drop_run()


@pytest.fixture(scope="session")
def kitwork_templates(tmp_path_factory):
    """The run's template store: ``make(module_names)`` → ``(Database, cleanup)`` (see the module docstring)."""
    url = os.environ.get(URL_VARIABLE)
    if url:
        templates = PostgreSQLTemplates(url)
        yield templates
        templates.admin.dispose()
        return
    root = tmp_path_factory.getbasetemp()
    if _worker() != "main":   # xdist: basetemp is per worker, its parent the run's
        root = root.parent
    yield SQLiteTemplates(root / f"kitwork-templates-{_run_id()}")


@pytest.fixture
def kitwork_database(kitwork_templates, tmp_path):
    """Factory: ``kitwork_database("sale", "product_kit")`` -> an activated, throw-away Database.

    Without arguments, an empty database (activate modules yourself).  Each
    call makes another database, copied from the template of its modules
    (built once per run, see :mod:`core.testing`).

    ``at_revision`` (a revision id, or several) makes the database an older
    version of a module would have made, to test an upgrade: the branch of
    each revision stops there, the others reach their heads.  Its models are
    the new code's, so it refuses transactions until ``upgrade()``: give it
    the rows to upgrade with SQL (``database.engine.begin()``), as the older
    version stored them.  The activation hooks of the modules held back do
    not run.
    """
    cleanups = []

    def make(*module_names, at_revision=None):
        revisions = (at_revision,) if isinstance(at_revision, str) else tuple(at_revision or ())
        if revisions and not module_names:
            raise TypeError("at_revision needs the modules to activate")
        database, cleanup = kitwork_templates.make(module_names, tmp_path, revisions)
        cleanups.append(cleanup)
        return database

    yield make
    for cleanup in reversed(cleanups):
        cleanup()
