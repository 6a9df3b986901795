"""Models and their records.

A model is defined by one module as a subclass of :class:`Model` and extended
by others with plain classes carrying the same ``_name``; the pool composes
them.  Through ``env[name]`` one gets the composed class bound to a
transaction, whose class methods are the record API:

``create``, ``write`` and ``delete`` are the doors of the API: they check the
input (types, required and read-only fields, selection values, ranges) before
anything is written, and the pool runs each whole call, every module's
override included, in one savepoint (:func:`entry_point`).  ``_create``,
``_write`` and ``_delete`` do the work; a module calls them when it changes
records on the system's behalf (a workflow setting ``state``, quoting creating
line components), through their public names ``create_unchecked``,
``write_unchecked``, ``write_rows``, ``delete_unchecked`` and ``delete_where``
(see the extension API at the end of :class:`Model`).  Both paths end in
``validate(records)``, the per-model
rules that extensions override.

Records hold only their id; values live in the transaction's cache, filled a
whole batch at a time (every record returned by one call shares a prefetch
group), and emptied by any change.  Reading a field of N records costs one
query per field kind, not N.
"""
import contextlib
import gc
import re
import types
from collections.abc import Iterable

import marshmallow
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

from . import errors, foreign_keys, pg_arrays
from . import fields as kfields
from .schema import UNSTORABLE

CHUNK = 2000   # ids per IN (...) list: well under every backend's parameter limit
MAX_ID = 2 ** 31 - 1   # ids are INTEGER columns


def is_list(value):
    """Whether an argument can be a list of things: iterable, and not a string or a mapping."""
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict))


def chunks(seq, size=CHUNK):
    seq = list(seq)
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


def batches(env, seq):
    """``seq`` in lists that fit one :func:`in_`: all at once on PostgreSQL (one array), else CHUNK at a time."""
    seq = list(seq)
    if env.connection.dialect.name == "postgresql":
        return [seq] if seq else []
    return list(chunks(seq))


def in_(column, values, negate=False):
    """``column IN (values)`` (``NOT IN`` with ``negate``) in the form the backend runs fastest.

    PostgreSQL gets ``column = ANY(:array)`` (``<> ALL``): one parameter
    whatever the number of values, so the query text stays short and psycopg
    parses it once instead of once per call; elsewhere (SQLite) a plain IN
    list.  Integers that are exactly a range (a batch of ids created
    together, as most big batches are) become ``BETWEEN low AND high``: two
    parameters, and an index range scan.  A sub-query, SQL expressions among the values, or values of
    mixed Python types (which psycopg cannot send as one array) keep the IN
    form everywhere.
    """
    if not isinstance(values, sa.sql.ClauseElement):
        values = list(values)
        if len(values) > 16 and all(type(v) is int for v in values):
            low, high = min(values), max(values)
            if high - low + 1 == len(set(values)):   # exactly a range: the ids of a batch just created
                return sa.not_(column.between(low, high)) if negate else column.between(low, high)
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) <= 1 and not any(issubclass(kind, sa.sql.ClauseElement) for kind in kinds):
            return _InList(column, values, negate)
    return column.not_in(values) if negate else column.in_(values)


class _InList(sa.sql.expression.ColumnElement):
    """See :func:`in_`: both forms are built, the dialect picks one when compiling."""

    inherit_cache = True
    _is_implicitly_boolean = True
    type = sa.Boolean()
    _traverse_internals = [("listed", InternalTraversal.dp_clauseelement),
                           ("array", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, values, negate):
        self.listed = column.not_in(values) if negate else column.in_(values)
        item_type = sa.BigInteger() if isinstance(column.type, sa.Integer) else column.type
        param = sa.bindparam(None, values, type_=postgresql.ARRAY(item_type))
        self.array = column != sa.all_(param) if negate else column == sa.any_(param)


@compiles(_InList)
def _compile_in_list(element, compiler, **kw):
    return compiler.process(element.listed, **kw)


@compiles(_InList, "postgresql")
def _compile_any(element, compiler, **kw):
    return compiler.process(element.array, **kw)


def _array_type(column_type, dialect):
    """The SQL array type of a column's values, without length or scale (the column applies those)."""
    return re.sub(r"\(.*?\)", "", column_type.compile(dialect)).strip() + "[]"


@contextlib.contextmanager
def collection_deferred(size, threshold=1000):
    """Pause Python's cyclic garbage collector while a batch of ``size`` records is made.

    Making ten thousand records allocates hundreds of thousands of objects
    that all survive; the collector, triggered by the allocations alone,
    would walk the whole heap several times (a quarter of the time of a big
    create) to find no garbage.  It runs as usual once the batch is done.
    Small batches, or a collector already paused, are left alone.  Module
    code running one big set-based operation (invoicing thousands of lines)
    wraps it whole.
    """
    if size < threshold or not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _insert_rows(env, table, rows):
    """Insert ``rows`` (dicts with the same keys) with one ``executemany`` of plain tuples.

    What ``connection.execute(table.insert(), rows)`` does, without building
    a parameter dictionary per row: the column types' own bind processors
    convert the values, once per column, and the driver gets tuples.  At
    ten thousand rows that halves the time spent outside the database.
    """
    connection = env.connection
    dialect = connection.dialect
    names = list(rows[0])
    if dialect.paramstyle != "qmark" or not names:   # other drivers keep SQLAlchemy's way
        env.execute(table.insert(), rows)
        return
    columns = [table.c[name] for name in names]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    values = [[row[name] for row in rows] for name in names]
    for position, process in enumerate(processors):
        if process is not None:
            values[position] = [process(value) for value in values[position]]
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
                 f"VALUES ({', '.join('?' * len(names))})")
    connection.exec_driver_sql(statement, list(zip(*values)))


@contextlib.contextmanager
def _references_checked_together(env):
    """Check the Many2One values collected inside the block once, when it ends without error.

    Checking the input of a batch calls ``_check_references`` once per model
    and per parent record (children are checked with their parent); together
    that is one query per target model for the whole batch.
    """
    if env._reference_checks is not None:   # an enclosing block checks them
        yield
        return
    env._reference_checks = pending = []
    try:
        yield
    finally:
        env._reference_checks = None
    _check_pending_references(env, pending)


def _check_pending_references(env, pending):
    """``pending``: ``(model, field, target model, ids)``; raise for the first one naming a missing record."""
    found = {}
    for _, _, target, wanted in pending:
        found.setdefault(target, set()).update(wanted)
    for target, wanted in found.items():
        table = env[target]._table
        found[target] = existing = set()
        for batch in batches(env, wanted):
            existing.update(env.execute(sa.select(table.c.id).where(in_(table.c.id, batch))).scalars())
    for model, name, target, wanted in pending:
        if wanted - found[target]:
            missing = sorted(wanted - found[target])
            raise errors.ValidationError(
                f"invalid {model}: {name}: no {target} with id {', '.join(map(str, missing))}",
                {name: [f"No {target} with id {missing[0]}."]})


class Prefetch:
    """The ids of records returned together; reading one reads them all."""

    __slots__ = ("ids", "derived", "records")

    def __init__(self, ids):
        self.ids = ids
        self.derived = {}    # (field, model, cache generation) -> Prefetch of the related records
        self.records = {}    # id -> record, so that a related record is made once per batch


class classproperty:
    """A read-only attribute computed from the class, read alike on the class and on its records."""

    def __init__(self, getter):
        self.getter = getter
        self.__doc__ = getter.__doc__

    def __get__(self, record, owner):
        return self.getter(owner)


class Model:
    """Base of a model definition; see the module docstring."""

    _name = None
    _description = ""
    _order = (("id", "ASC"),)
    _indexes = {}   # name -> tuple of field names: composite indexes (extensions may add some)

    # Set by the pool on the composed class:
    _fields = {}
    _many2many = {}
    _exposed = {}
    _table = None
    _schema = None
    _pool = None
    # Set on the class bound to a transaction:
    _env = None

    def __init__(self, id, prefetch=None):
        self.id = id
        self._prefetch = prefetch or Prefetch([id])

    def __repr__(self):
        return f"{self._name}({self.id})"

    def __eq__(self, other):
        return isinstance(other, Model) and other._name == self._name and other.id == self.id

    def __hash__(self):
        return hash((self._name, self.id))

    @property
    def rec_name(self):
        """How the record is named in messages: its name or code when it has one."""
        for name in ("rec_name_field", "name", "number", "code"):
            if name in self._fields and self._fields[name].stored:
                value = getattr(self, name)
                if value:
                    return f"{self._name} {self.id} ({value})"
        return f"{self._name} {self.id}"

    # -- records -------------------------------------------------------------
    @classmethod
    def _records(cls, ids):
        prefetch = Prefetch(list(ids))
        return [cls(id_, prefetch) for id_ in prefetch.ids]

    @classmethod
    def browse(cls, ids):
        """Records of the given ids (read lazily, a whole batch at a time)."""
        return cls._records(getattr(i, "id", i) for i in ids)

    @classmethod
    def lock(cls, records):
        """Hold ``records`` against other transactions until this one ends.

        For look-up-or-create code (find the draft order of a vendor, else
        make one): a second transaction locking the same records waits here,
        then sees what the first committed.  PostgreSQL locks the rows
        (``FOR NO KEY UPDATE``: records referring to them can still be
        written); SQLite has one writer at a time, and a no-op update makes
        this transaction the writer.
        """
        ids = sorted({getattr(r, "id", r) for r in records})
        table = cls._table
        for batch in batches(cls._env, ids):
            if cls._env.connection.dialect.name == "sqlite":
                cls._env.execute(table.update().where(in_(table.c.id, batch)).values(id=table.c.id))
            else:
                cls._env.execute(sa.select(table.c.id).where(in_(table.c.id, batch))
                                 .with_for_update(key_share=True))

    @classmethod
    def _as_records(cls, records):
        """``records`` (records of this model, or ids as for ``browse``) as a list of records.

        What the doors taking records (write, delete, transitions) accept;
        anything else is refused with a UserError before anything happens.
        """
        if not is_list(records) or isinstance(records, Model):
            raise errors.UserError(f"{cls._name}: expected a list of records or ids, got {records!r:.80}")
        result, ids = [], []
        for item in records:
            if isinstance(item, Model) and item._name == cls._name:
                result.append(item)
            elif type(item) is int and 0 < item <= MAX_ID:
                result.append(None)
                ids.append(item)
            else:
                raise errors.UserError(f"{cls._name}: expected a record of {cls._name} or its id, got {item!r:.80}")
        if ids:
            browsed = iter(cls.browse(ids))
            result = [next(browsed) if item is None else item for item in result]
        return result

    @classmethod
    def _check_exist(cls, records, action):
        """Refuse ``records`` unless every one exists: their rows, read into the cache in one query per batch.

        A write or delete naming a record that is not there (never made, or
        deleted meanwhile) would otherwise change nothing and say nothing;
        the caller learns which ids are missing, and nothing of the call runs,
        not even on the records that do exist.  The doors check it once, when
        the call comes in (after the user's right, so that a refusal for want
        of a right does not tell whether the ids exist).
        """
        ids = list(dict.fromkeys(r.id for r in records))
        cache = cls._env._cache_for(cls._name)
        unread = [id_ for id_ in ids if id_ not in cache]
        if unread:   # their rows, which the call is about to read anyway
            cls._load_rows(unread)
        missing = [id_ for id_ in ids if id_ not in cache]
        if missing:
            more = f" (and {len(missing) - 20} more)" if len(missing) > 20 else ""
            shown = ", ".join(map(str, missing[:20])) + more
            raise errors.UserError(f"cannot {action} {cls._name}: no {cls._name} with id {shown} "
                                   f"({cls._name} {shown} {'does' if len(missing) == 1 else 'do'} not exist, "
                                   f"or was deleted); nothing was changed")

    def _read(self, field):
        cache = self._env._cache_for(self._name)
        values = cache.get(self.id)
        if values is None or field.name not in values:
            type(self)._fetch(self._prefetch.ids, field)
            values = cache.get(self.id)
            if values is None or field.name not in values:
                # A related record made from a batch whose ids were gathered before its
                # own row was loaded is not among them: it joins the batch for later reads.
                self._prefetch.ids = [*self._prefetch.ids, self.id]
                type(self)._fetch([self.id], field)
                values = cache.get(self.id)
            if values is None:
                raise errors.UserError(f"{self._name} {self.id} does not exist (it may have been deleted)")
        return values[field.name]

    def _related(self, field, value):
        """The record(s) a Many2One / One2Many value designates, prefetched together."""
        env = self._env
        if isinstance(field, kfields.Reference):   # value: (model, id)
            target_name, value = value
        else:
            target_name = field.target
        key = (field.name, target_name, env._generation)
        prefetch = self._prefetch.derived.get(key)
        if prefetch is None:
            prefetch = self._prefetch.derived[key] = Prefetch(self._related_ids(field, target_name))
        records = prefetch.records
        if type(value) is tuple:
            return [records.get(id_) or records.setdefault(id_, env[target_name](id_, prefetch)) for id_ in value]
        record = records.get(value)
        if record is None:   # made once per batch: later reads are a dictionary lookup
            record = records[value] = env[target_name](value, prefetch)
        return record

    def _related_ids(self, field, target_name):
        """The ids ``field`` designates in ``target_name`` across this record's prefetch group."""
        cache = self._env._cache_for(self._name)
        reference = isinstance(field, kfields.Reference)
        ids = []
        for id_ in self._prefetch.ids:
            related = cache.get(id_, {}).get(field.name)
            if related is None:
                continue
            if reference:
                model, related_id = field.parse(related)
                if model == target_name:
                    ids.append(related_id)
            elif isinstance(related, tuple):
                ids.extend(related)
            else:
                ids.append(related)
        return list(dict.fromkeys(ids))

    @classmethod
    def _fetch(cls, ids, field):
        """Fill the cache with ``field`` (and, for a column, every column) of ``ids``.

        Reading is a right: a transaction acting for a user checks it here,
        then computes the values (a function field's getter) for the system.
        """
        env = cls._env
        if env._user is not None and not env._inside:
            env.check_access(cls._name, "read")
            env._inside += 1
            try:
                return cls._fetch(ids, field)
            finally:
                env._inside -= 1
        cache = env._cache_for(cls._name)
        missing = [i for i in ids if field.name not in cache.get(i, ())]
        if isinstance(field, kfields.One2Many):
            cls._fetch_children(missing, field)
        elif isinstance(field, kfields.Many2Many):
            cls._fetch_links(missing, field)
        elif isinstance(field, kfields.Function):
            records = cls._records(missing)
            values = getattr(cls, field.getter)(records, field.name)
            for id_ in missing:
                cache.setdefault(id_, {})[field.name] = values.get(id_)
        else:
            cls._load_rows(missing)

    @classmethod
    def _load_rows(cls, ids):
        table = cls._table
        for batch in batches(cls._env, ids):
            rows = cls._env.execute(sa.select(table).where(in_(table.c.id, batch)))
            cls._cache_rows(rows)

    @classmethod
    def _cache_rows(cls, result):
        """Put the rows of a ``select(table)`` result in the cache; return their ids in order."""
        cache = cls._env._cache_for(cls._name)
        keys = tuple(result.keys())
        position = keys.index("id")
        ids = []
        for row in result.all():   # one fetchall: row by row costs a DBAPI call each
            id_ = row[position]
            ids.append(id_)
            values = dict(zip(keys, row))
            if id_ in cache:
                cache[id_].update(values)
            else:
                cache[id_] = values
        return ids

    @classmethod
    def _fetch_children(cls, ids, field):
        target = cls._env[field.target]
        table = target._table
        column = table.c[field.field]
        children = {id_: [] for id_ in ids}
        for batch in batches(cls._env, ids):
            query = sa.select(column, table.c.id).where(in_(column, batch)).order_by(*target._order_by(None))
            for parent_id, child_id in cls._env.execute(query).all():
                children[parent_id].append(child_id)
        cache = cls._env._cache_for(cls._name)
        for id_, child_ids in children.items():
            cache.setdefault(id_, {})[field.name] = tuple(child_ids)

    @classmethod
    def _fetch_links(cls, ids, field):
        table = field.table
        links = {id_: [] for id_ in ids}
        for batch in batches(cls._env, ids):
            query = sa.select(table.c.origin, table.c.target).where(in_(table.c.origin, batch)).order_by(
                table.c.origin, table.c.target)
            for origin, target in cls._env.execute(query):
                links[origin].append(target)
        cache = cls._env._cache_for(cls._name)
        for id_, targets in links.items():
            cache.setdefault(id_, {})[field.name] = tuple(targets)

    # -- search ----------------------------------------------------------------
    @classmethod
    def search(cls, domain=(), order=None, limit=None, offset=None):
        """Records matching ``domain`` (a list of ``(field, operator, value)``).

        Everything is checked before the query runs: a refused search raises
        a UserError and leaves the transaction usable.
        """
        if cls._env._user is not None and not cls._env._inside:
            cls._env.check_access(cls._name, "read")
        table = cls._table
        query = sa.select(table).where(*cls._where(domain)).order_by(*cls._order_by(order))
        for name, value in (("limit", limit), ("offset", offset)):
            if value is not None and not (type(value) is int and 0 <= value < 2 ** 63):
                raise errors.UserError(
                    f"search of {cls._name}: {name} must be a whole number, 0 or more, not {value!r:.80}")
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        ids = cls._cache_rows(cls._env.execute(query))
        return cls._records(ids)

    @classmethod
    def search_count(cls, domain=()):
        """The number of records matching ``domain``."""
        if cls._env._user is not None and not cls._env._inside:
            cls._env.check_access(cls._name, "read")
        query = sa.select(sa.func.count()).select_from(cls._table).where(*cls._where(domain))
        return cls._env.execute(query).scalar_one()

    OPERATORS = {
        "=": lambda c, v: c.is_(None) if v is None else c == v,
        "!=": lambda c, v: c.is_not(None) if v is None else sa.or_(c != v, c.is_(None)),
        "<": lambda c, v: c < v,
        "<=": lambda c, v: c <= v,
        ">": lambda c, v: c > v,
        ">=": lambda c, v: c >= v,
        "in": lambda c, v: in_(c, v),
        "not in": lambda c, v: sa.or_(in_(c, v, negate=True), c.is_(None)),
        "like": lambda c, v: c.like(v),
        "ilike": lambda c, v: c.ilike(v),
    }

    @classmethod
    def _where(cls, domain):
        """SQL conditions for a domain; ``a.b`` paths follow Many2One, One2Many and Many2Many fields."""
        clauses = []
        if not is_list(domain):
            raise errors.UserError(f"invalid domain {domain!r:.80} on {cls._name}: expected a list of clauses")
        for clause in domain:
            try:
                name, operator, value = clause
            except (TypeError, ValueError):
                raise errors.UserError(
                    f"invalid domain clause {clause!r:.80} on {cls._name}: expected (field, operator, value)") from None
            if not isinstance(name, str):
                raise errors.UserError(f"invalid domain clause {clause!r:.80} on {cls._name}: the field is not a name")
            if not isinstance(operator, str) or operator not in cls.OPERATORS:
                raise errors.UserError(
                    f"unknown operator {operator!r:.80} in domain of {cls._name}; "
                    f"use one of {', '.join(cls.OPERATORS)}")
            head, _, rest = name.partition(".")
            field = cls._fields.get(head) if head != "id" else None
            if isinstance(field, (kfields.One2Many, kfields.Many2Many)):
                clauses.append(cls._related_clause(field, rest, operator, value))
                continue
            if head != "id" and (field is None or not field.stored):
                raise errors.UserError(f"{cls._name} has no stored field {head!r:.80} to search on")
            column = cls._table.c[head]
            if rest:
                if field is None:
                    raise errors.UserError(f"{cls._name}.id is not a Many2One: cannot search on {name!r}")
                if not isinstance(field, kfields.Many2One):   # a field with parts of its own, or an error
                    clauses.append(field.search_path(cls, rest, operator, value))
                    continue
                target = cls._path_target(field, name)
                sub = sa.select(target._table.c.id).where(*target._where([(rest, operator, value)]))
                clauses.append(column.in_(sub))
                continue
            if isinstance(value, sa.Select):   # a sub-query, from set-based code
                clauses.append(column.in_(value) if operator == "in" else column.not_in(value))
                continue
            field = field if field is not None else cls._id_field
            if operator in ("in", "not in"):
                if not is_list(value):
                    raise errors.UserError(
                        f"cannot search {cls._name}.{name} {operator} {value!r:.80}: give a list of values")
                value = [field.domain_value(v, operator) for v in value]
            elif operator in ("like", "ilike"):
                if field.python_type is not str or not isinstance(value, str) or UNSTORABLE.search(value):
                    raise errors.UserError(f"cannot search {cls._name}.{name} {operator} {value!r:.80}: {operator} "
                                           f"compares a text field with a text pattern (no NUL, no lone surrogate)")
            else:
                value = field.domain_value(value, operator)
                if operator not in ("=", "!=") and (value is None or isinstance(value, bool)):
                    raise errors.UserError(f"cannot search {cls._name}.{name} {operator} {value!r}: "
                                           f"empty values and booleans compare with = or != only")
            clauses.append(cls.OPERATORS[operator](column, value))
        return clauses

    @classmethod
    def _path_target(cls, field, path):
        """The model a domain path goes on into, once the user may read it.

        Searching through a relation reveals the related records' values
        (which sales have a party of this email): for a transaction acting
        for a user it needs the read right on the related model too.
        """
        env = cls._env
        if env._user is not None and not env._inside and not env.has_access(field.target, "read"):
            raise errors.AccessError(
                f"user {env._user!r} may not read {field.target}: cannot search {cls._name} "
                f"on {path!r} (none of their groups grants it)")
        return env[field.target]

    @classmethod
    def _related_clause(cls, field, rest, operator, value):
        """The records of which any related record matches: ``lines.product.code``, ``tags`` in ids.

        Without a path, the value names related ids: ``in`` / ``not in`` a
        list, ``=`` / ``!=`` one id, or None for "has none" / "has some".
        """
        target = cls._env[field.target] if not rest else cls._path_target(field, f"{field.name}.{rest}")
        if rest:
            matching, positive = sa.select(target._table.c.id).where(*target._where([(rest, operator, value)])), True
        elif operator in ("in", "not in", "=", "!=") and (value is None or operator in ("=", "!=")
                                                          or isinstance(value, (list, tuple))):
            positive = operator in ("in", "=")
            if value is None:
                matching, positive = None, not positive
            else:
                ids = [getattr(v, "id", v) for v in (value if isinstance(value, (list, tuple)) else [value])]
                if not all(type(i) is int and -MAX_ID <= i <= MAX_ID for i in ids):
                    raise errors.UserError(f"{cls._name}.{field.name}: {value!r} is not a list of {field.target} ids")
                matching = ids
        else:
            raise errors.UserError(f"{cls._name}.{field.name} compares with 'in', 'not in', '=' or '!=' and ids, "
                                   f"or through a path ({field.name}.name); not {operator!r} {value!r}")
        if isinstance(field, kfields.Many2Many):
            owner, related = field.table.c.origin, field.table.c.target
        else:
            owner, related = target._table.c[field.field], target._table.c.id
        holders = sa.select(owner)
        if matching is not None:
            holders = holders.where(in_(related, matching))
        return cls._table.c.id.in_(holders) if positive else cls._table.c.id.not_in(holders.where(owner.is_not(None)))

    @classmethod
    def _order_by(cls, order):
        result = []
        if not is_list(order or ()):
            raise errors.UserError(
                f"invalid order {order!r:.80} on {cls._name}: expected a list of (field, direction)")
        for item in (order or cls._order):
            try:
                name, direction = item
                direction = direction.upper()
                if not isinstance(name, str):
                    raise TypeError
            except (TypeError, ValueError, AttributeError):
                raise errors.UserError(
                    f"invalid order {item!r:.80} on {cls._name}: expected (field name, 'ASC' or 'DESC')") from None
            if name != "id" and (name not in cls._fields or not cls._fields[name].stored):
                raise errors.UserError(f"{cls._name} has no stored field {name!r} to order by")
            if direction not in ("ASC", "DESC"):
                raise errors.UserError(f"order direction must be ASC or DESC, not {direction!r}")
            column = cls._table.c[name]
            result.append(column.asc() if direction == "ASC" else column.desc())
        if not any(name == "id" for name, _ in (order or cls._order)):
            result.append(cls._table.c.id.asc())
        return result

    # -- input -------------------------------------------------------------------
    @classmethod
    def _defaults(cls, values):
        """``values`` completed with the defaults of the fields it lacks."""
        result = None
        for name, field in cls._stored_fields:
            if name in values:
                continue
            method = getattr(cls, f"default_{name}", None)
            if method is not None:
                default = method()
            elif callable(field.default):
                default = field.default()
            else:
                default = field.default
            if result is None:
                result = dict(values)
            result[name] = default
        return values if result is None else result

    @classmethod
    def _check_input(cls, vlist, creating, parent_field=None):
        """Validate API input; return it converted, with defaults when creating.

        Raises ValidationError naming the record (its position in the batch
        when creating, its id when writing) and the fields at fault.  Nothing
        has been written when it raises.
        """
        loader = cls._loader
        readonly = cls._readonly_names
        result = []
        for position, (label, values) in enumerate(vlist):
            if not isinstance(values, dict) or not all(isinstance(name, str) for name in values):
                raise errors.ValidationError(
                    f"{cls._name}: {label}: expected a dict of field values by name, got {values!r:.80}",
                    {}, label)
            problems = {}
            if not readonly.isdisjoint(values):
                for name in readonly.intersection(values):
                    problems[name] = ["Field is read-only."]
            if creating:
                values = cls._defaults(values)
                if parent_field is not None:   # set by the parent once it exists
                    values = {k: v for k, v in values.items() if k != parent_field}
            try:
                loaded = loader.load(values)
            except marshmallow.ValidationError as exc:
                for name, messages in exc.messages.items():
                    problems.setdefault(name, []).extend(
                        messages if isinstance(messages, list) else [str(messages)])
                loaded = None
            if problems:
                detail = "; ".join(f"{n}: {' '.join(map(str, m))}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid {cls._name} ({label}): {detail}", problems, label)
            for name, field in cls._one2many.items():
                if name not in loaded:
                    continue
                if loaded[name] is None:   # no children, no actions
                    loaded[name] = []
                    continue
                target = cls._env[field.target]
                if creating:
                    loaded[name] = target._check_children(loaded[name], field, label)
                else:
                    loaded[name] = target._check_actions(loaded[name], field, label)
            for name, field in cls._many2many.items():
                if name in loaded:
                    loaded[name] = cls._check_links(loaded[name] or [], field, label, creating)
            result.append(loaded)
        cls._check_references(result)
        return result

    @classmethod
    def _check_links(cls, value, field, label, creating):
        """A Many2Many value as ids (creating) or as ``(action, ids)`` pairs (writing)."""
        def ids_of(items, where):
            # A record counts as its id only if it is one of the target model's.
            ids = ([i.id if getattr(i, "_name", None) == field.target else i for i in items]
                   if isinstance(items, (list, tuple)) else None)
            if ids is None or not all(type(i) is int and -MAX_ID <= i <= MAX_ID for i in ids):
                raise errors.ValidationError(
                    f"invalid {cls._name} ({label}): {field.name}: {where} must be a list of {field.target} ids",
                    {field.name: [f"Not a list of {field.target} ids."]}, label)
            return ids

        if creating:
            return ids_of(value, "the value")
        actions = []
        for action in value:
            if not (isinstance(action, (list, tuple)) and len(action) == 2 and action[0] in field.ACTIONS):
                raise errors.ValidationError(
                    f"invalid action {action!r} on {field.name} of {label}: use ('add', [ids]), "
                    f"('remove', [ids]) or ('set', [ids])", {field.name: ["Invalid action."]}, label)
            actions.append((action[0], ids_of(action[1], f"the ids of {action[0]!r}")))
        return actions

    @classmethod
    def _check_references(cls, vlist):
        """Refuse Many2One and Many2Many values naming records that do not exist.

        Inside ``create`` and ``write`` the values are only collected, so that
        the whole batch, children included, costs one query per target model
        (see :func:`_references_checked_together`).  A Many2Many value is a
        list of ids (create) or of ``(action, ids)`` (write).
        """
        pending = []
        for name, field in cls._fields.items():
            if isinstance(field, kfields.Many2One):
                wanted = {values[name] for values in vlist if values.get(name) is not None}
            elif isinstance(field, kfields.Many2Many):
                wanted = {id_ for values in vlist for item in values.get(name) or ()
                          for id_ in (item[1] if isinstance(item, tuple) else [item])}
            else:
                continue
            if wanted:
                pending.append((cls._name, name, field.target, wanted))
        if cls._env._reference_checks is not None:
            cls._env._reference_checks.extend(pending)
        else:
            _check_pending_references(cls._env, pending)

    @classmethod
    def _check_children(cls, children, field, parent_label):
        return cls._check_input(
            [(f"line {i + 1} of {field.name} of {parent_label}", c) for i, c in enumerate(children)],
            creating=True, parent_field=field.field)

    @classmethod
    def _check_actions(cls, actions, field, parent_label):
        checked = []
        for action in actions:
            kind = action[0] if isinstance(action, (list, tuple)) and action else None
            where = f"{field.name} of {parent_label}"
            if kind == "create" and len(action) == 2:
                checked.append(("create", cls._check_children(action[1], field, parent_label)))
            elif kind == "write" and len(action) == 3:
                ids = [r.id for r in cls._as_records(action[1])]
                values, = cls._check_input([(f"{cls._name} {ids}", action[2])], creating=False)
                checked.append(("write", ids, values))
            elif kind == "delete" and len(action) == 2:
                checked.append(("delete", [r.id for r in cls._as_records(action[1])]))
            else:
                raise errors.ValidationError(
                    f"invalid action {action!r} on {where}: use ('create', [values]), "
                    f"('write', [ids], values) or ('delete', [ids])", {field.name: ["Invalid action."]}, parent_label)
        return checked

    # -- create --------------------------------------------------------------------
    @classmethod
    def create(cls, vlist):
        """Create records from a list of dicts; return them in the same order."""
        if not is_list(vlist):
            raise errors.ValidationError(f"{cls._name}: create takes a list of dicts, not {vlist!r:.80}")
        vlist = list(vlist)
        with _references_checked_together(cls._env):
            checked = cls._check_input([(f"record {i + 1} of {len(vlist)}", v) for i, v in enumerate(vlist)],
                                       creating=True)
        return cls._create(checked)

    @classmethod
    def _create(cls, vlist):
        if not vlist:
            return []
        with collection_deferred(len(vlist)):
            return cls._create_batch(vlist)

    @classmethod
    def _create_batch(cls, vlist):
        env = cls._env
        rows, children = [], []
        plain, converted = cls._plain_columns, cls._converted_columns
        required, one2many = cls._required_names, cls._one2many
        vlist = cls._complete([cls._defaults(values) for values in vlist])
        for position, values in enumerate(vlist):
            if None in map(values.get, required):
                cls._check_required(values, f"record {position + 1} of {len(vlist)} to create")
            row = {name: values.get(name) for name in plain}
            for name, convert in converted:
                row[name] = convert(values.get(name))
            rows.append(row)
            children.append({n: values[n] for n in one2many if values.get(n)} if one2many else {})
        ids = cls._guarded(rows, None, lambda: cls._insert(rows))
        cls._link(ids, vlist)
        env._invalidate()
        cache = env._cache_for(cls._name)
        for id_, row in zip(ids, rows):   # what was just written needs no reading back
            row["id"] = id_
            cache[id_] = row
        cls._create_children(ids, children)
        records = cls._records(ids)
        cls.validate(records)
        return records

    @classmethod
    def _insert(cls, rows):
        """Insert ``rows`` in a few multi-row statements; return their ids in order.

        SQLite cannot tell which generated id belongs to which row of a batch
        insert, but it numbers new rows one above the table's largest id while
        the transaction holds the write lock: the batch gets the ids that
        follow the largest id before it, which one query confirms.  PostgreSQL
        through psycopg takes the whole batch in one statement (see
        ``_insert_arrays``).  Elsewhere SQLAlchemy's RETURNING with
        ``sort_by_parameter_order`` does the work.
        """
        env, table = cls._env, cls._table
        if env.connection.dialect.driver == "psycopg" and len(rows) > 1:
            ids = cls._insert_arrays(rows)
            if ids is not None:
                return ids
        if env.connection.dialect.name != "sqlite":
            statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            return list(env.execute(statement, rows).scalars())
        _insert_rows(env, table, rows[:1])   # takes the write lock, then its id is the table's largest
        first = env.execute(sa.select(sa.func.max(table.c.id))).scalar_one()
        if len(rows) > 1:
            _insert_rows(env, table, rows[1:])
        count, low, high = env.execute(
            sa.select(sa.func.count(), sa.func.min(table.c.id), sa.func.max(table.c.id)).where(table.c.id >= first)
        ).one()
        if (count, low, high) != (len(rows), first, first + len(rows) - 1):
            raise RuntimeError(f"{cls._name}: ids of a batch insert are not consecutive: {(count, low, high)}")
        return list(range(first, first + len(rows)))

    @classmethod
    def _link(cls, ids, vlist):
        """Insert the Many2Many pairs of newly created records."""
        for name, field in cls._many2many.items():
            pairs = [{"origin": id_, "target": target} for id_, values in zip(ids, vlist)
                     for target in dict.fromkeys(getattr(t, "id", t) for t in values.get(name) or ())]
            if pairs:
                _insert_rows(cls._env, field.table, pairs)

    @classmethod
    def _apply_links(cls, records, field, actions):
        """Apply ``("add" | "remove" | "set", ids)`` actions to the pairs of ``records``."""
        table, ids, env = field.table, [r.id for r in records], cls._env
        for action, targets in actions:
            targets = list(dict.fromkeys(getattr(t, "id", t) for t in targets))
            if action in ("remove", "set"):
                for batch in batches(env, ids):
                    statement = table.delete().where(in_(table.c.origin, batch))
                    env.execute(statement.where(in_(table.c.target, targets)) if action == "remove" else statement)
            if action in ("add", "set") and targets:
                for chunk in batches(env, ids):
                    present = set(env.execute(sa.select(table.c.origin, table.c.target).where(
                        in_(table.c.origin, chunk), in_(table.c.target, targets))).all())
                    pairs = [{"origin": o, "target": t} for o in chunk for t in targets if (o, t) not in present]
                    if pairs:
                        env.execute(table.insert(), pairs)
        env._invalidate()

    @classmethod
    def _insert_arrays(cls, rows):
        """PostgreSQL (psycopg): insert ``rows`` in one short statement, one array parameter per column.

        A multi-row ``VALUES`` list carries thousands of parameters, and psycopg
        parses such a long query anew on every call; arrays keep the text the
        same whatever the batch size.  The rows go in in their order (``ORDER
        BY`` their position), so the table's sequence numbers them in that
        order: the ids returned, sorted, are the rows' in order (what
        SQLAlchemy's own batch inserts rely on for PostgreSQL's serial keys).
        Returns None when a column cannot be sent as one array (see
        ``_arrays``): the caller then inserts the usual way.  A big batch's
        foreign keys are checked in the same statement, once for the batch
        instead of once per row (see ``core/foreign_keys.py``).
        """
        env, table = cls._env, cls._table
        names = list(rows[0])
        arrays = cls._arrays(rows, names)
        if arrays is None:
            return None
        source, params, lists = arrays
        quote = env.connection.dialect.identifier_preparer.quote
        columns = ", ".join(quote(name) for name in names)
        check = foreign_keys.batch_check(env.connection, table, lists)
        insert = (f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} "
                  f"FROM {source} WITH ORDINALITY AS kitwork_source({columns}, kitwork_position) "
                  f"{f'WHERE {check.guard} ' if check else ''}ORDER BY kitwork_position RETURNING id")
        if check is None:
            return sorted(env.connection.exec_driver_sql(insert, params).scalars())
        params.update(check.params)
        statement = (f"WITH {check.found}, kitwork_insert AS ({insert}), {check.restored('kitwork_insert')} "
                     f"SELECT id, {check.columns} FROM kitwork_insert")
        ids = check.finish(env.connection.exec_driver_sql(statement, params).all())
        if isinstance(ids, dict):
            cls._refuse_missing(ids)
        return sorted(ids)

    @classmethod
    def _refuse_missing(cls, missing):
        """Name the first column whose values reference missing records, as the input checks do."""
        if not missing:   # not there for the insert, there now: another transaction committed meanwhile
            raise errors.UserError(f"cannot create {cls._name} records: a record they refer to was changed by "
                                   f"another transaction while they were inserted; nothing was created, try again")
        name, ids = next(iter(missing.items()))
        field = cls._fields.get(name)
        target = getattr(field, "target", None) or "record"
        raise errors.ValidationError(f"invalid {cls._name}: {name}: no {target} with id {', '.join(map(str, ids))}",
                                     {name: [f"No {target} with id {ids[0]}."]})

    @classmethod
    def _arrays(cls, rows, names):
        """PostgreSQL (psycopg): ``(sql, params, lists)``: ``unnest(…)`` of the columns ``names`` of ``rows``.

        ``lists`` has each column's values as a list, ``params`` as an array.

        For ``exec_driver_sql``: the arrays are sent in psycopg's binary
        format (``%(c0)b``), which both sides handle several times faster
        than array text.  None when a column mixes Python types other than
        ints and floats (psycopg sends arrays of one type only).  Arrays are
        cast to the column's type without length or scale: the column
        applies those as for any value.
        """
        dialect = cls._env.connection.dialect
        params, casts, lists = {}, [], {}
        for position, name in enumerate(names):
            values = lists[name] = [row.get(name) for row in rows]
            kinds = {type(v) for v in values} - {type(None)}
            if len(kinds) > 1:
                if not kinds <= {int, float}:
                    return None
                values = [None if v is None else float(v) for v in values]
            params[f"c{position}"] = pg_arrays.pack(values) or values
            casts.append(f"CAST(%(c{position})b AS {_array_type(cls._table.c[name].type, dialect)})")
        return f"unnest({', '.join(casts)})", params, lists

    @classmethod
    def _create_children(cls, ids, children):
        for name, field in cls._one2many.items():
            vlist = []
            for parent_id, values in zip(ids, children):
                vlist.extend({**child, field.field: parent_id} for child in values.get(name, ()))
            if vlist:
                cls._env[field.target]._create(vlist)

    # -- write ---------------------------------------------------------------------
    @classmethod
    def write(cls, records, values):
        """Write the same ``values`` on every record of ``records``."""
        records = list(records)
        label = ", ".join(str(r.id) for r in records[:5]) + ("…" if len(records) > 5 else "")
        with _references_checked_together(cls._env):
            values, = cls._check_input([(f"{cls._name} {label}", values)], creating=False)
        cls._write(records, values)

    @classmethod
    def _write(cls, records, values):
        if not records:
            return
        env, table = cls._env, cls._table
        ids = [r.id for r in records]
        cls._check_required(values, f"{len(ids)} record(s) to write", writing=True)
        row = {name: (convert(values[name]) if convert else values[name])
               for name, convert in cls._converters if name in values}
        if row:
            def update():
                for batch in batches(env, ids):
                    env.execute(table.update().where(in_(table.c.id, batch)).values(row))
            cls._guarded([row] * len(ids), ids, update)
        env._invalidate()
        for name, field in cls._one2many.items():
            if name in values:
                cls._apply_actions(records, field, values[name])
        for name, field in cls._many2many.items():
            if values.get(name):
                cls._apply_links(records, field, values[name])
        cls.validate(records)

    @classmethod
    def _write_each(cls, rows):
        """Write different values on many records in one statement.

        ``rows`` are dicts with the same keys: ``id`` and column values
        (already converted).  For set-based updates such as renumbering.
        """
        if not rows:
            return
        table = cls._table
        names = [k for k in rows[0] if k != "id"]
        if not (cls._env.connection.dialect.driver == "psycopg" and cls._update_arrays(rows, names)):
            statement = (table.update().where(table.c.id == sa.bindparam("_id"))
                         .values({name: sa.bindparam(f"_{name}") for name in names}))
            cls._env.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])
        cls._env._invalidate()

    @classmethod
    def _update_arrays(cls, rows, names):
        """PostgreSQL (psycopg): ``_write_each`` as one ``UPDATE … FROM unnest(…)``; False if it cannot."""
        if len(rows) < 2 or len({row["id"] for row in rows}) != len(rows):
            return False   # one row, or an id twice (executemany applies both, in order)
        arrays = cls._arrays(rows, ["id", *names])
        if arrays is None:
            return False
        source, params, _ = arrays
        quote = cls._env.connection.dialect.identifier_preparer.quote
        table = quote(cls._table.name)
        columns = [quote(name) for name in names]
        cls._env.connection.exec_driver_sql(
            f"UPDATE {table} SET {', '.join(f'{c} = kitwork_source.{c}' for c in columns)} "
            f"FROM {source} AS kitwork_source(id, {', '.join(columns)}) WHERE {table}.id = kitwork_source.id", params)
        return True

    @classmethod
    def _apply_actions(cls, records, field, actions):
        target = cls._env[field.target]
        for action in actions:
            if action[0] == "create":
                vlist = [{**child, field.field: record.id} for record in records for child in action[1]]
                target._create(vlist)
                continue
            children = target.browse(action[1])
            parents = {r.id for r in records}
            strangers = [c.id for c in children if getattr(c, field.field) is None
                         or getattr(c, field.field).id not in parents]
            if strangers:
                raise errors.ValidationError(
                    f"{field.target} {strangers} do not belong to {field.name} of {cls._name} "
                    f"{sorted(parents)}", {field.name: ["Unknown child records."]})
            if action[0] == "write":
                target._write(children, action[2])
            else:
                target._delete(children)

    @classmethod
    def _complete(cls, vlist):
        """Fill, for a whole batch to create, the values that depend on others.

        The place for defaults that need the database (a line's unit price
        from its product): override it, call ``super()``, and query once for
        the batch.  Values already given are kept.
        """
        return vlist

    @classmethod
    def _check_required(cls, values, label, writing=False):
        missing = [n for n in cls._required_names
                   if (n in values if writing else True) and values.get(n) is None]
        if missing:
            problems = {n: ["Missing data for required field."] for n in missing}
            raise errors.ValidationError(
                f"invalid {cls._name} ({label}): {', '.join(missing)}: missing data for required field",
                problems, label)

    @classmethod
    def _guarded(cls, rows, ids, write):
        """Run ``write``; if a unique constraint refuses it, say which value clashes.

        The database checks uniqueness (it alone can, under concurrency); the
        write runs in a savepoint so that, when it is refused, the transaction
        is still usable to find and name the clash.  A write that gives no
        unique field (a state, say) cannot clash and needs no savepoint.
        """
        if not any(name in rows[0] for name in cls._unique_names):
            return write()
        try:
            with cls._env.connection.begin_nested():
                return write()
        except sa.exc.IntegrityError:
            cls._check_unique(rows, ids)
            raise

    @classmethod
    def _check_unique(cls, rows, ids):
        """Refuse duplicates of a unique field, naming the value and the record holding it."""
        table = cls._table
        for name in cls._unique_names:
            values = [row[name] for row in rows if row.get(name) is not None]
            if not values:
                continue
            if len(values) != len(set(values)):
                seen = set()
                duplicate = next(v for v in values if v in seen or seen.add(v))
                raise errors.ValidationError(
                    f"{cls._name}.{name} must be unique: {duplicate!r} is given twice", {name: ["Must be unique."]})
            for batch in batches(cls._env, set(values)):
                query = sa.select(table.c.id, table.c[name]).where(in_(table.c[name], batch))
                if ids:
                    query = query.where(in_(table.c.id, ids, negate=True))
                clash = cls._env.execute(query.limit(1)).first()
                if clash:
                    raise errors.ValidationError(
                        f"{cls._name}.{name} must be unique: {clash[1]!r} is already used by "
                        f"{cls._name} {clash[0]}", {name: ["Must be unique."]})

    # -- delete ----------------------------------------------------------------------
    @classmethod
    def delete(cls, records):
        """Delete records, applying the ``ondelete`` of every Many2One pointing to them."""
        cls._delete(records)

    @classmethod
    def _delete(cls, records):
        ids = list(dict.fromkeys(r.id for r in records))
        for batch in batches(cls._env, ids):
            cls._delete_where([("id", "in", batch)])

    @classmethod
    def _delete_where(cls, domain):
        """Delete every record matching ``domain`` in a few set-based statements.

        The ``ondelete`` of each Many2One pointing here is applied first, with
        the doomed ids as a sub-query: cascades delete their records the same
        way, ``set null`` empties the reference, ``restrict`` refuses naming a
        record in the way.  The domain must not depend on what the cascades
        delete.
        """
        env = cls._env
        table = cls._table
        doomed = sa.select(table.c.id).where(*cls._where(domain))
        references = cls._pool.references.get(cls._name, ())
        for model_name, field in references:
            if field.ondelete == "cascade":
                referrer = env[model_name]
                column = referrer._table.c[field.name]
                if env.execute(sa.select(sa.exists().where(column.in_(doomed)))).scalar():
                    referrer._delete_where([(field.name, "in", doomed)])
        for model_name, field in references:
            referrer_table = env[model_name]._table
            column = referrer_table.c[field.name]
            if field.ondelete == "set null":
                env.execute(referrer_table.update().where(column.in_(doomed)).values({field.name: None}))
            elif field.ondelete == "restrict":
                user = env.execute(sa.select(referrer_table.c.id, column).where(column.in_(doomed)).limit(1)).first()
                if user:
                    record = cls.browse([user[1]])[0]
                    raise errors.UserError(
                        f"cannot delete {record.rec_name}: {model_name} {user[0]} refers to it "
                        f"(field {field.name!r}); delete or change that record first")
        for link, side in cls._pool.links.get(cls._name, ()):
            env.execute(link.delete().where(link.c[side].in_(doomed)))
        env.execute(table.delete().where(*cls._where(domain)))
        env._invalidate()

    # -- rules and output --------------------------------------------------------------
    @classmethod
    def validate(cls, records):
        """Check the model's rules on freshly created or written records.

        Extensions override it, call ``super().validate(records)`` and raise
        :class:`core.errors.ValidationError` naming the record and field.
        """

    @classmethod
    def dump(cls, records):
        """JSON-ready dicts of ``records`` (every field, Many2One as ids)."""
        names = list(cls._fields)
        rows = []
        for record in records:
            row = {"id": record.id}
            for name in names:
                field = cls._fields[name]
                row[name] = record._read(field)
            rows.append(row)
        return cls._schema.dump(rows, many=True)

    # -- the extension API: what module code may use ------------------------------------
    # Thin public names over the implementations above.  They call the
    # underscore methods, so a module overriding ``_create``, ``_write`` or
    # ``_complete`` is still obeyed whichever name its callers use.
    @classproperty
    def env(cls):
        """The :class:`~core.environment.Environment` (transaction) the class or record is bound to."""
        return cls._env

    @classproperty
    def fields(cls):
        """The composed model's fields: a read-only mapping from name to :class:`~core.fields.Field`."""
        return types.MappingProxyType(cls._fields)

    @classproperty
    def schema(cls):
        """The model's marshmallow schema (one per composed model): what ``dump`` writes and input loads.

        For front ends describing the model (an OpenAPI document) or checking
        input before a transaction starts; ``create`` and ``write`` check
        their input themselves.
        """
        return cls._schema

    @classproperty
    def exposed_methods(cls):
        """The methods the model publishes, ``{name: core.api.Exposed}``: its transitions and ``@expose`` methods."""
        return types.MappingProxyType(cls._exposed)

    @classproperty
    def table(cls):
        """The model's SQLAlchemy ``Table``, for set-based statements run with ``env.execute``."""
        return cls._table

    @classmethod
    def sql_where(cls, domain):
        """The SQLAlchemy conditions of a search domain, for set-based statements on :attr:`table`.

        The same checks and conversions as :meth:`search` (unknown fields,
        wrongly typed values: a :class:`~core.errors.UserError`).
        """
        return cls._where(domain)

    @classmethod
    def sql_order(cls, order=None):
        """The SQLAlchemy ORDER BY clauses of ``order`` (default: the model's), ``id`` last."""
        return cls._order_by(order)

    @classmethod
    def create_unchecked(cls, vlist):
        """Create records on the system's behalf, without the API's input checks.

        ``vlist`` holds already-typed values (ids or records for Many2One,
        lists of dicts for One2Many).  Skipped: input conversion and type
        checks (unknown keys are ignored), the read-only rule, the check that
        Many2One ids exist, every override of :meth:`create` (draft-only
        rules, say) and the savepoint :meth:`create` opens.  Still done:
        defaults, :meth:`_complete`, required and unique fields, rounding to
        each field's digits, the One2Many children, :meth:`validate`.
        """
        return cls._create(list(vlist))

    @classmethod
    def write_unchecked(cls, records, values):
        """Write ``values`` on ``records`` on the system's behalf (a workflow setting ``state``).

        As :meth:`create_unchecked`, it skips input conversion, the read-only
        rule, the Many2One existence check and the overrides of :meth:`write`;
        it still refuses emptying a required field, applies One2Many actions
        and calls :meth:`validate`.
        """
        cls._write(list(records), values)

    @classmethod
    def write_rows(cls, rows):
        """Write different column values on many records in one statement (renumbering, say).

        ``rows`` are dicts with the same keys: ``id`` and stored field names
        with values as the columns store them.  The lowest level: no default,
        no check, no One2Many, no :meth:`validate`.
        """
        cls._write_each(rows)

    @classmethod
    def delete_unchecked(cls, records):
        """Delete records on the system's behalf, skipping the overrides of :meth:`delete`.

        The ``ondelete`` of every Many2One pointing to them still applies
        (cascade, set null, restrict).
        """
        cls._delete(list(records))

    @classmethod
    def delete_where(cls, domain):
        """Delete every record matching ``domain`` in a few set-based statements.

        As :meth:`delete_unchecked`: no override of :meth:`delete` runs, the
        ``ondelete`` rules apply.
        """
        cls._delete_where(domain)


def entry_point(composed, name, takes_records, access):
    """The door ``name`` of a composed model: the whole call, overrides included, in one savepoint.

    Extensions override ``create``, ``write``, ``delete`` and the workflow
    transitions, and check things before or after ``super()``; wrapping the
    outermost override means that whatever any of them raises, nothing of
    the call stays behind, even when the caller catches the error and
    commits.  ``takes_records`` doors also accept ids (see ``_as_records``).
    A transaction acting for a user checks the user's ``access`` right on the
    model when a call comes in from outside any door; inside, module code
    acts for the system.
    """
    inner = getattr(composed, name)

    def door(cls, *args, **kwargs):
        env = cls._env
        if env._user is not None and not env._inside:
            env.check_access(cls._name, access)
        if takes_records and args:
            args = (cls._as_records(args[0]),) + args[1:]
            if not env._inside:
                cls._check_exist(args[0], name)
        env._inside += 1
        try:
            with env.atomic():
                return getattr(super(composed, cls), name)(*args, **kwargs)
        finally:
            env._inside -= 1

    door.__name__, door.__qualname__, door.__doc__ = name, f"{composed.__name__}.{name}", inner.__doc__
    if hasattr(inner, "_transition_to"):
        door._transition_to = inner._transition_to
    return classmethod(door)
