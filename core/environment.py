"""The environment: one transaction seen through one pool."""
import contextlib
import dataclasses
import types

from . import sequence


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

    def __init__(self, database, pool, connection, context=None):
        self.database = database
        self.pool = pool
        self.connection = connection
        self.hooks = pool.hooks.hook
        self._context = types.MappingProxyType(dict(context or {}))
        self.warnings = []
        self._bound = {}
        self._cache = {}
        self._generation = 0
        self._reference_checks = None   # Many2One values to check together (see core.model)

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
        if warning not in self.warnings:
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
            self._invalidate()
            raise
        else:
            savepoint.commit()

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
