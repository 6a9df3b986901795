"""Records and the cache: what a record is, and how its values are read a whole batch at a time.

Records hold only their id; values live in the transaction's cache, filled a
whole batch at a time (every record returned by one call shares a prefetch
group), and emptied by any change.  Reading a field of N records costs one
query per field kind, not N.
"""
import sqlalchemy as sa

from .. import errors
from .. import fields as kfields
from .sql import MAX_ID, batches, in_, is_list


class Prefetch:
    """The ids of records returned together; reading one reads them all."""

    __slots__ = ("ids", "derived", "records")

    def __init__(self, ids):
        self.ids = ids
        self.derived = {}    # (field, model, cache generation) -> Prefetch of the related records
        self.records = {}    # id -> record, so that a related record is made once per batch


class Records:
    """The lowest layer of :class:`~core.model.Model`: records, their values and the cache.

    Like every layer it reads what a model declares and what the pool sets
    (``_name``, ``_fields``, ``_table``, ``_env`` …) from the composed class;
    ``Model`` lists them.
    """

    def __init__(self, id, prefetch=None):
        self.id = id
        self._prefetch = prefetch or Prefetch([id])

    def __repr__(self):
        return f"{self._name}({self.id})"

    def __eq__(self, other):
        return isinstance(other, Records) and other._name == self._name and other.id == self.id

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
        written); SQLite has one writer at a time: this transaction becomes
        it, waiting up to the busy timeout (see
        :meth:`~core.environment.Environment.take_write_lock`).
        """
        ids = sorted({getattr(r, "id", r) for r in records})
        table = cls._table
        if cls._env.connection.dialect.name == "sqlite":
            cls._env.take_write_lock()
            return
        for batch in batches(cls._env, ids):
            cls._env.execute(sa.select(table.c.id).where(in_(table.c.id, batch)).with_for_update(key_share=True))
        cls._env._invalidate()   # what was read before waiting may have changed since

    @classmethod
    def _as_records(cls, records):
        """``records`` (records of this model, or ids as for ``browse``) as a list of records.

        What the doors taking records (write, delete, transitions) accept;
        anything else is refused with a UserError before anything happens.
        """
        if not is_list(records) or isinstance(records, Records):
            raise errors.UserError(f"{cls._name}: expected a list of records or ids, got {records!r:.80}")
        result, ids = [], []
        for item in records:
            if isinstance(item, Records) and item._name == cls._name:
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

    @classmethod
    def dump(cls, records, fields=None):
        """JSON-ready dicts of ``records`` (Many2One as ids): ``id`` and every field, or the ``fields`` named.

        Fields not named are neither read nor written (a One2Many left out
        costs no query); an unknown name is a UserError.
        """
        names = list(cls._fields) if fields is None else [n for n in dict.fromkeys(fields) if n != "id"]
        unknown = [name for name in names if name not in cls._fields]
        if unknown:
            raise errors.UserError(f"{cls._name} has no field {', '.join(map(repr, unknown))} to dump")
        rows = []
        for record in records:
            row = {"id": record.id}
            for name in names:
                field = cls._fields[name]
                row[name] = record._read(field)
            rows.append(row)
        return cls._schema.dump(rows, many=True)
