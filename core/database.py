"""A Kitwork database: its engine, its active modules, its transactions."""
import contextlib
import os
import warnings
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from . import errors, migration, modules
from .environment import Environment
from .pool import get_pool
from .sequence import sequence_table

DEFAULT_URL = "sqlite:///kitwork.db"

module_table = sa.Table(
    "kitwork_module", sa.MetaData(),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("version", sa.String(32), nullable=False),
)

# SQLite stores Numeric as a float; SQLAlchemy converts it back to a Decimal of
# the column's scale, which is exact for the amounts Kitwork handles.
warnings.filterwarnings("ignore", message="Dialect sqlite\\+pysqlite does \\*not\\* support Decimal")


def default_url():
    return os.environ.get("KITWORK_DATABASE_URL") or DEFAULT_URL


def create_engine(url):
    try:
        engine = sa.create_engine(url)
    except ImportError as exc:   # a valid URL whose driver is not installed
        extra = {"psycopg": " (the postgresql extra: pip install 'kitwork[postgresql]')",
                 "psycopg2": "; Kitwork uses psycopg 3: give postgresql+psycopg://… and pip install "
                             "'kitwork[postgresql]'"}.get(exc.name, "")
        raise errors.UserError(f"the database driver of {url!r} is missing: {exc.name or exc} is not "
                               f"installed{extra}") from None
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError) as exc:
        hint = ""
        if isinstance(url, str) and "://" not in url:   # a file name given for a URL
            hint = f"; for a SQLite file, give --db sqlite:///{url}"
        raise errors.UserError(f"invalid database URL {url!r}: {exc}{hint}") from None
    if engine.dialect.name == "sqlite":
        _make_sqlite_transactional(engine)
    return engine


def _make_sqlite_transactional(engine):
    """Let SQLite transactions cover DDL too, so a failed activation leaves nothing.

    pysqlite opens transactions itself and only before DML; SQLAlchemy's
    documented recipe hands transaction control back to SQLAlchemy.
    """
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        connection.exec_driver_sql("BEGIN")


def _first_line(exc):
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


class Database:
    """A database and the modules active in it.

    ``Database()`` uses ``KITWORK_DATABASE_URL``, else ``sqlite:///kitwork.db``.
    """

    def __init__(self, url=None):
        self.url = url or default_url()
        self.engine = create_engine(self.url)
        self._active = None
        self._available = None
        self._heads = None   # (active modules, {branch: head revision}) for pending_migrations

    def __repr__(self):
        return f"Database({self.engine.url.render_as_string(hide_password=True)!r})"

    def close(self):
        self.engine.dispose()

    def exists(self):
        """False for a SQLite file that is not there yet (connecting would create it).

        Other backends, in-memory and URI-style SQLite databases count as
        existing: opening them reports the problem, if any.
        """
        url = self.engine.url
        path = url.database
        if url.get_backend_name() != "sqlite" or not path or path == ":memory:" or url.query.get("uri"):
            return True
        return Path(path).exists()

    # -- modules -----------------------------------------------------------------
    def available_modules(self):
        """``{name: manifest}`` of every module that can be activated."""
        if self._available is None:
            self._available = modules.discover()
        return dict(self._available)

    @property
    def active_modules(self):
        """The active modules' names, in dependency order."""
        if self._active is None:
            with self._connect() as connection:
                self._active = self._read_active(connection)
        return self._active

    def _read_active(self, connection):
        if not sa.inspect(connection).has_table(module_table.name):
            return ()
        names = connection.execute(sa.select(module_table.c.name)).scalars().all()
        available = self.available_modules()
        missing = [n for n in names if n not in available]
        if missing:
            raise errors.ModuleNotFound(
                f"the database uses module(s) {', '.join(missing)}, which are not installed")
        return tuple(modules.resolve(sorted(names), available))

    def _manifests(self, names):
        available = self.available_modules()
        return [available[n] for n in names]

    @property
    def pool(self):
        return get_pool(self._manifests(self.active_modules))

    def activate(self, *names):
        """Activate modules and their dependencies; return those newly activated.

        Dependencies are activated first; activating an active module does
        nothing.  Everything (tables, migrations, the modules' initial records)
        happens in one transaction: a failure leaves the database as it was.
        A model whose migrations do not build it (a field added without
        ``kitwork revision``) is refused with a :class:`~core.errors.UserError`.
        """
        available = self.available_modules()
        wanted = modules.resolve(names, available)
        with self._connect() as connection, connection.begin():
            module_table.create(connection, checkfirst=True)
            sequence_table.create(connection, checkfirst=True)
            active = set(self._read_active(connection))
            order = modules.resolve(sorted(active.union(wanted)), available)
            new = [name for name in order if name not in active]
            if not new:
                self._active = tuple(order)
                return ()
            manifests = self._manifests(order)
            pool = get_pool(manifests)
            cfg = migration.config(connection, available)
            labels = migration.branch_labels(cfg)
            enabled_before = migration.enabled_branches(self._manifests([n for n in order if n in active]), labels)
            connection.execute(module_table.insert(), [
                {"name": name, "version": available[name].version} for name in new])
            branches = migration.enabled_branches(manifests, labels)
            migration.upgrade(connection, available, manifests,
                              only=[b for b in branches if b not in enabled_before], cfg=cfg)
            migration.check_drift(connection, pool)
            env = Environment(self, pool, connection)
            pool.hooks.hook.core_modules_activated(env=env, modules=tuple(new))
        self._active = tuple(order)
        return tuple(new)

    def upgrade(self):
        """Apply the pending migrations of the active modules; return what changed.

        Returns ``{module: (old version, new version)}`` for the modules whose
        installed version differs from the one recorded in the database.  As
        :meth:`activate`, refuses models that their migrations do not build,
        leaving the database as it was.
        """
        available = self.available_modules()
        with self._connect() as connection, connection.begin():
            order = self._read_active(connection)
            manifests = self._manifests(order)
            migration.upgrade(connection, available, manifests)
            migration.check_drift(connection, get_pool(manifests))
            recorded = dict(connection.execute(sa.select(module_table.c.name, module_table.c.version)).all())
            changed = {}
            for manifest in manifests:
                if recorded.get(manifest.name) != manifest.version:
                    changed[manifest.name] = (recorded.get(manifest.name), manifest.version)
                    connection.execute(module_table.update()
                                       .where(module_table.c.name == manifest.name)
                                       .values(version=manifest.version))
        self._active = tuple(order)
        return changed

    def pending_migrations(self):
        """The branches of the active modules whose migrations are not all applied (``kitwork upgrade``
        applies them); ``[]`` when the database is up to date.  The installed revisions are read once."""
        with self._connect() as connection:
            order = self._read_active(connection)
            if self._heads is None or self._heads[0] != order:
                self._heads = (order, migration.heads(self.available_modules(), self._manifests(order)))
            return migration.pending(connection, self._heads[1])

    def versions(self):
        """``{module: version recorded in the database}`` of the active modules."""
        with self._connect() as connection:
            if not sa.inspect(connection).has_table(module_table.name):
                return {}
            return dict(connection.execute(sa.select(module_table.c.name, module_table.c.version)).all())

    # -- transactions --------------------------------------------------------------
    @contextlib.contextmanager
    def _connect(self):
        """A connection; what the database itself refuses becomes a UserError.

        A file that is not a database, a read-only file, a lost server, a lock
        or a serialization conflict is not a bug of the caller: it gets one
        sentence, not a driver traceback.
        """
        try:
            connection = self.engine.connect()
        except sa.exc.OperationalError as exc:
            raise errors.UserError(f"cannot open database {self!r}: {_first_line(exc)}") from None
        with connection:
            try:
                yield connection
            except sa.exc.DatabaseError as exc:
                # OperationalError: read-only, locked, lost server…; the bare class: "file is not a database"
                if isinstance(exc, sa.exc.OperationalError) or type(exc) is sa.exc.DatabaseError:
                    raise errors.UserError(f"cannot use database {self!r}: {_first_line(exc)}") from exc
                raise

    @contextlib.contextmanager
    def transaction(self, context=None, user=None):
        """One database transaction: commit on success, roll back on any exception.

        ``context`` (a mapping) is what ``env.context`` holds for the whole
        transaction: settings a caller passes to the modules (a control mode,
        a language), read-only.  ``user`` (a login) makes the transaction act
        for that user: each call the caller makes is checked against the
        user's rights (:meth:`Environment.has_access
        <core.environment.Environment.has_access>`), a refused one raises
        :class:`~core.errors.AccessError`; without it the transaction acts for
        the system, which may do anything.
        """
        if not self.active_modules:
            raise errors.ModuleError(f"no module is active in {self!r}: activate one first")
        if context is not None and not hasattr(context, "items"):
            raise errors.UserError(f"context must be a mapping, not {type(context).__name__}")
        pool = self.pool
        with self._connect() as connection, connection.begin():
            yield Environment(self, pool, connection, context, user=user)
