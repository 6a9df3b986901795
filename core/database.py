"""A Kitwork database: its engine, its active modules, its transactions."""
import contextlib
import os
import warnings
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event

from . import errors, lifecycle, migration, modules
from .environment import WRITES_AT_BEGIN, Environment
from .pool import get_pool
from .sequence import sequence_table

DEFAULT_URL = "sqlite:///kitwork.db"

module_table = sa.Table(
    "kitwork_module", sa.MetaData(),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("version", sa.String(32), nullable=False),
)
# Modules deactivated with ``kitwork deactivate``: their tables and columns are kept (see core.lifecycle).
deactivated_table = sa.Table(
    "kitwork_module_deactivated", sa.MetaData(),
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
        # What Environment.take_write_lock compares with to tell whether the transaction has written.
        connection.info[WRITES_AT_BEGIN] = connection.connection.driver_connection.total_changes


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
        self._dormant = ()
        self._available = None
        self._up_to_date = False   # checked once, at the first transaction

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
                self._dormant = self._read_dormant(connection, self._active)
        return self._active

    @property
    def deactivated_modules(self):
        """The names of the modules deactivated in this database (their data kept), in dependency order."""
        self.active_modules
        return self._dormant

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

    @staticmethod
    def _read_deactivated(connection):
        if not sa.inspect(connection).has_table(deactivated_table.name):
            return []
        return list(connection.execute(sa.select(deactivated_table.c.name)).scalars())

    def _read_dormant(self, connection, active):
        """The deactivated modules still installed, ordered with the active ones (whose tables they keep)."""
        available = self.available_modules()
        names = [n for n in self._read_deactivated(connection) if n in available]
        if not names:
            return ()
        try:
            return tuple(n for n in modules.resolve(sorted({*active, *names}), available) if n not in active)
        except errors.ModuleError:   # one of theirs is no longer installed: nothing of theirs to keep in mind
            return ()

    def _manifests(self, names):
        available = self.available_modules()
        return [available[n] for n in names]

    def _pool(self, active, dormant):
        return get_pool(self._manifests(active), self._manifests(dormant))

    @property
    def pool(self):
        return self._pool(self.active_modules, self._dormant)

    def activate(self, *names):
        """Activate modules and their dependencies; return those newly activated.

        Dependencies are activated first; activating an active module does
        nothing.  Everything (tables, migrations, the modules' initial records)
        happens in one transaction: a failure leaves the database as it was.
        A model whose migrations do not build it (a field added without
        ``kitwork revision``) is refused with a :class:`~core.errors.UserError`.
        Rows already in the database get the new columns' defaults; a module
        deactivated before comes back with its data (see :mod:`core.lifecycle`).
        """
        return self._activate(names)

    def _activate(self, names, revisions=()):
        """:meth:`activate`; with ``revisions``, their branches stop there (an older version's database).

        For upgrade tests (``kitwork_database(..., at_revision=...)``): the
        models, which are the new code's, are not compared with the tables,
        and the activation hooks of the modules held back do not run.
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
            returning = set(self._read_deactivated(connection)).intersection(new)
            dormant = self._read_dormant(connection, tuple(order))
            manifests = self._manifests(order)
            pool = self._pool(order, dormant)
            cfg = migration.config(connection, available)
            labels = migration.branch_labels(cfg)
            enabled_before = migration.enabled_branches(self._manifests([n for n in order if n in active]), labels)
            if active and not revisions:
                self._refuse_pending(migration.pending(connection, available, self._manifests(
                    [n for n in order if n in active])), "before activating more modules, ")
            connection.execute(module_table.insert(), [
                {"name": name, "version": available[name].version} for name in new])
            if returning:
                connection.execute(deactivated_table.delete().where(deactivated_table.c.name.in_(returning)))
            branches = migration.enabled_branches(manifests, labels)
            added = [b for b in branches if b not in enabled_before]
            targets = migration.targets(cfg, revisions)
            migration.upgrade(connection, available, manifests, only=added, cfg=cfg, targets=targets)
            env = Environment(self, pool, connection)
            if not targets:
                fields = lifecycle.added_fields(pool, added, {o for o in pool.owners.values() if o not in added})
                lifecycle.fill(env, fields)
                if returning:
                    pool.hooks.hook.core_modules_reactivated(env=env, modules=tuple(n for n in new if n in returning))
                lifecycle.require(env, fields)
                migration.check_drift(connection, pool)
            held = {modules.split_owner(branch)[0] for branch in targets}
            pool.hooks.hook.core_modules_activated(
                env=env, modules=tuple(n for n in new if n not in returning and n not in held))
        self._active, self._dormant, self._up_to_date = tuple(order), tuple(dormant), not targets
        return tuple(new)

    def deactivate(self, name):
        """Deactivate module ``name``; its tables and columns stay, with their data.

        Refused (:class:`~core.errors.ModuleError`) while an active module
        depends on it.  Its models, fields and hooks leave the pool, and its
        integrations with the modules that stay too; a required column it
        added to another module's table becomes nullable.  Activating it again
        restores it with its data (see :mod:`core.lifecycle`).  Returns the
        branches (the module and its integrations) no longer enabled.
        """
        available = self.available_modules()
        with self._connect() as connection, connection.begin():
            active = self._read_active(connection)
            if name not in active:
                raise errors.ModuleError(f"module {name!r} is not active in {self!r}: nothing to deactivate")
            needing = [m for m in active if m != name and name in modules.resolve([m], available)]
            if needing:
                raise errors.ModuleError(
                    f"cannot deactivate {name!r}: the active module(s) {', '.join(needing)} depend on it; "
                    f"deactivate them first")
            remaining = tuple(m for m in active if m != name)
            labels = migration.branch_labels(migration.config(connection, available))
            staying = migration.enabled_branches(self._manifests(remaining), labels)
            leaving = [b for b in migration.enabled_branches(self._manifests(active), labels) if b not in staying]
            old_pool = self._pool(active, self._read_dormant(connection, active))
            lifecycle.relax(connection, old_pool, lifecycle.branches_of(old_pool, name))
            deactivated_table.create(connection, checkfirst=True)
            connection.execute(module_table.delete().where(module_table.c.name == name))
            connection.execute(deactivated_table.insert(), [{"name": name, "version": available[name].version}])
            dormant = self._read_dormant(connection, remaining)
            migration.check_drift(connection, self._pool(remaining, dormant))
        self._active, self._dormant = remaining, dormant
        return tuple(leaving)

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
            dormant = self._read_dormant(connection, order)
            manifests = self._manifests(order)
            migration.upgrade(connection, available, manifests)
            migration.check_drift(connection, self._pool(order, dormant))
            recorded = dict(connection.execute(sa.select(module_table.c.name, module_table.c.version)).all())
            changed = {}
            for manifest in manifests:
                if recorded.get(manifest.name) != manifest.version:
                    changed[manifest.name] = (recorded.get(manifest.name), manifest.version)
                    connection.execute(module_table.update()
                                       .where(module_table.c.name == manifest.name)
                                       .values(version=manifest.version))
        self._active, self._dormant, self._up_to_date = tuple(order), dormant, True
        return changed

    def versions(self):
        """``{module: version recorded in the database}`` of the active modules."""
        with self._connect() as connection:
            if not sa.inspect(connection).has_table(module_table.name):
                return {}
            return dict(connection.execute(sa.select(module_table.c.name, module_table.c.version)).all())

    def pending_migrations(self):
        """``{branch: [revision ids]}``: the migrations ``kitwork upgrade`` would apply (empty: none)."""
        with self._connect() as connection:
            return migration.pending(connection, self.available_modules(),
                                     self._manifests(self._read_active(connection)))

    def needing_upgrade(self):
        """``{module: reason}`` of the active modules ``kitwork upgrade`` would change.

        A module needs it when a migration of its branches is not applied,
        or when the installed version differs from the one the database
        records.
        """
        available = self.available_modules()
        result = {}
        for branch, revisions in self.pending_migrations().items():
            result.setdefault(modules.split_owner(branch)[0], []).extend(revisions)
        reasons = {name: f"migration(s) {', '.join(revisions)} not applied" for name, revisions in result.items()}
        for name, version in self.versions().items():
            if name in available and available[name].version != version:
                versions = f"version {version} -> {available[name].version}"
                reasons[name] = f"{versions}, {reasons[name]}" if name in reasons else versions
        return reasons

    def _check_up_to_date(self):
        """Refuse, once per Database, to work on a database whose migrations lag behind the code."""
        self._refuse_pending(self.pending_migrations())
        self._up_to_date = True

    def _refuse_pending(self, pending, when=""):
        if pending:
            listed = "; ".join(f"{branch}: {', '.join(revisions)}" for branch, revisions in pending.items())
            raise errors.UserError(
                f"{self!r} needs an upgrade: the installed modules have migrations it has not applied "
                f"({listed}); {when}run 'kitwork upgrade'")

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
        the system, which may do anything.  Once it has committed, the
        callbacks registered with :meth:`Environment.after_commit
        <core.environment.Environment.after_commit>` run (on SQLite, the
        background jobs queued in it: :mod:`core.queue`).
        """
        if not self.active_modules:
            raise errors.ModuleError(f"no module is active in {self!r}: activate one first")
        if context is not None and not hasattr(context, "items"):
            raise errors.UserError(f"context must be a mapping, not {type(context).__name__}")
        if not self._up_to_date:
            self._check_up_to_date()
        pool = self.pool
        with self._connect() as connection, connection.begin():
            env = Environment(self, pool, connection, context, user=user)
            yield env
        for callback in env._after_commit:   # committed: the jobs queued in it run now (core.queue)
            callback()
