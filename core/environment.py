"""The environment: one transaction seen through one pool."""
import contextlib
import dataclasses
import types

from . import errors, sequence

OPERATIONS = ("read", "create", "write", "delete")
WRITES_AT_BEGIN = "kitwork_writes_at_begin"   # SQLite: the connection's total_changes when its transaction began


@dataclasses.dataclass(frozen=True)
class Warning:
    """A non-blocking breach of a rule: the operation went through, the user should know.

    ``key`` says which rule (``"sale_control.threshold_price"``), ``record``
    which record (or None), ``message`` what is wrong, in a sentence.
    """

    key: str
    record: object
    message: str


class Environment:
    """What module code works with: ``env[model]``, ``env.hooks``, ``env.execute``.

    ``env[name]`` is the composed model class bound to this transaction (a
    small subclass made once per transaction and model), so class methods
    reach the transaction through ``cls.env`` (and records through
    ``record.env``) without global state.
    """

    def __init__(self, database, pool, connection, context=None, user=None):
        self.database = database
        self.pool = pool
        self.connection = connection
        self.hooks = pool.hooks.hook
        self._context = types.MappingProxyType(dict(context or {}))
        self.warnings = []
        self._warned = set()
        self._bound = {}
        self._cache = {}
        self._generation = 0
        self._reference_checks = None   # Many2One values to check together (see core.model.checks)
        self._user = None
        self._rights = None    # the user's rights, asked of the modules on the first check
        self._inside = 0       # > 0 while a door runs: what it does is on the system's behalf
        self._after_commit = []   # run by Database.transaction once the transaction has committed
        if user is not None:
            self._set_user(user)

    # -- users and rights ----------------------------------------------------------
    @property
    def user(self):
        """The login the transaction acts for (``db.transaction(user=...)``), or None: the system."""
        return self._user

    def _set_user(self, user):
        if user is not None and (not isinstance(user, str) or not user):
            raise errors.UserError(f"user must be a login (a non-empty string), not {user!r:.80}")
        self._user, self._rights = user, None

    @contextlib.contextmanager
    def with_user(self, user):
        """Inside the block, act for ``user`` (a login; None: the system); restored after."""
        saved = self._user, self._rights
        self._set_user(user)
        try:
            yield self
        finally:
            self._user, self._rights = saved

    def has_access(self, model, operation):
        """Whether the transaction's user may ``operation`` (read, create, write, delete) ``model``.

        The system (no user) may do anything.  The rights come from the
        module managing users (the ``core_user_rights`` hook), asked once per
        transaction and user.
        """
        if operation not in OPERATIONS:
            raise ValueError(f"operation must be one of {OPERATIONS}, not {operation!r}")
        if self._user is None:
            return True
        if self._rights is None:
            user, self._user = self._user, None   # the modules read users and groups as the system
            try:
                rights = self.hooks.core_user_rights(env=self, user=user)
            finally:
                self._user = user
            if rights is None:
                raise errors.AccessError(
                    f"cannot act as user {self._user!r}: no active module manages users")
            self._rights = rights
        return self._rights(model, operation)

    def check_access(self, model, operation):
        """Raise :class:`~core.errors.AccessError` unless :meth:`has_access`."""
        if not self.has_access(model, operation):
            raise errors.AccessError(
                f"user {self._user!r} may not {operation} {model}: none of their groups grants it")

    @property
    def context(self):
        """The transaction's context: a read-only mapping (``db.transaction(context=...)``)."""
        return self._context

    @contextlib.contextmanager
    def with_context(self, **values):
        """Inside the block, ``env.context`` has ``values`` over what it had; restored after."""
        saved = self._context
        self._context = types.MappingProxyType({**saved, **values})
        try:
            yield self
        finally:
            self._context = saved

    def warn(self, key, message, record=None):
        """Record a non-blocking warning (once per key, record and message); return it."""
        warning = Warning(key, record, message)
        if len(self._warned) != len(self.warnings):   # the list was cut (a savepoint undone) or changed by hand
            self._warned = set(self.warnings)
        if warning not in self._warned:   # a set: a batch may warn of thousands of records
            self._warned.add(warning)
            self.warnings.append(warning)
        return warning

    def __getitem__(self, name):
        bound = self._bound.get(name)
        if bound is None:
            model = self.pool[name]
            bound = self._bound[name] = type(model.__name__, (model,), {"_env": self, "__module__": model.__module__})
        return bound

    def __contains__(self, name):
        return name in self.pool.models

    def execute(self, statement, parameters=None):
        """Execute a SQLAlchemy statement in this transaction."""
        return self.connection.execute(statement, parameters)

    @contextlib.contextmanager
    def atomic(self):
        """A savepoint: if the block raises, its changes are undone, the transaction goes on.

        Every public create/write/delete and workflow transition runs in one,
        so an error caught by the caller never leaves half an operation behind.
        """
        savepoint = self.connection.begin_nested()
        warned = len(self.warnings)
        try:
            yield
        except BaseException:
            savepoint.rollback()
            del self.warnings[warned:]   # what was undone warns of nothing
            self._warned = set(self.warnings)
            self._invalidate()
            raise
        else:
            savepoint.commit()

    def defer(self, task, *, lock=None, queueing_lock=None, schedule_in=None, **kwargs):
        """Queue a job of ``task`` in this transaction; return its id (see :mod:`core.queue`).

        ``kwargs`` are the task's arguments, JSON values (ids, not records).
        If the transaction rolls back, no job exists.  ``lock``: no two jobs
        of one lock run at once; ``queueing_lock``: no second job of that key
        waits in the queue (the waiting job's id is returned); ``schedule_in``:
        seconds (or a ``timedelta``) before it may run.  The job runs as the
        user the transaction acts for, or as the system when module code
        inside a door queues it.  An unknown task or arguments that are not
        JSON: :class:`~core.errors.ValidationError`, nothing queued.
        """
        from . import queue
        return queue.defer(self, task, lock=lock, queueing_lock=queueing_lock, schedule_in=schedule_in, args=kwargs)

    def after_commit(self, callback):
        """Call ``callback()`` once this transaction has committed; never if it rolls back.

        Registered inside a savepoint that is rolled back, it is still called
        (after the commit): the callback checks what it finds.
        """
        self._after_commit.append(callback)

    def take_write_lock(self):
        """SQLite: make this transaction the database's one writer, waiting for it (the busy timeout).

        A transaction that has only read yet cannot become the writer while
        another one writes: SQLite refuses at once ("database is locked")
        rather than wait, as waiting could deadlock.  Since it has written
        nothing, it starts again as ``BEGIN IMMEDIATE``, which waits for the
        writer to finish; its savepoints are made again (they hold nothing)
        and the cache is emptied, so what it reads next is what the other
        transaction committed.  PostgreSQL locks rows instead (``Model.lock``).
        Past the busy timeout it is a UserError, the transaction left as it
        was (a reader, its savepoints in place), so a caller catching it can
        go on or give up.
        """
        connection = self.connection
        driver = connection.connection.driver_connection
        if connection.info.get(WRITES_AT_BEGIN) != driver.total_changes:
            return   # it has written: it holds the write lock until it ends
        savepoints = []
        nested = connection.get_nested_transaction()
        while nested is not None:   # SQLAlchemy's savepoints, innermost first
            savepoints.insert(0, nested._savepoint)
            nested = nested._previous_nested
        cursor, busy = driver.cursor(), None
        try:
            cursor.execute("ROLLBACK")
            try:
                cursor.execute("BEGIN IMMEDIATE")
            except connection.dialect.dbapi.OperationalError as exc:
                busy = exc
                cursor.execute("BEGIN")   # a reader again, as before: it had nothing to lose
            for name in savepoints:
                cursor.execute(f'SAVEPOINT "{name}"')
        finally:
            cursor.close()
        self._invalidate()
        if busy is not None:
            timeout = connection.engine.url.query.get("timeout", "5")
            raise errors.UserError(f"cannot lock: another transaction kept {self.database!r} busy past the busy "
                                   f"timeout ({timeout} s; ?timeout=N in the URL): {busy}; nothing was changed, "
                                   f"try again")
        connection.info[WRITES_AT_BEGIN] = None   # the write lock is held until the transaction ends

    def next_numbers(self, name, count):
        """``count`` consecutive numbers of the sequence ``name`` (first: 1)."""
        return sequence.next_numbers(self.connection, name, count)

    def _cache_for(self, name):
        cache = self._cache.get(name)
        if cache is None:
            cache = self._cache[name] = {}
        return cache

    def _invalidate(self):
        """Forget every cached value: called after any change."""
        self._cache.clear()
        self._generation += 1
