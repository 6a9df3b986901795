"""Storage: create, write and delete, in statements every backend runs.

``create``, ``write`` and ``delete`` are the doors: they check the input
(:mod:`core.model.checks`) before anything is written.  ``_create``,
``_write`` and ``_delete`` do the work: defaults and ``_complete``, the rows
(:mod:`core.model.bulk` sends them), One2Many children, Many2Many links, the
``ondelete`` of the records referring to deleted ones, and ``validate``.
"""
import contextlib
import gc

import sqlalchemy as sa

from .. import errors
from .bulk import BulkRows, _insert_rows
from .checks import Checks, _references_checked_together
from .sql import batches, in_, is_list


def _located(exc, model, vlist, position):
    """``exc`` marked as about the record at ``position`` of a batch of ``model`` being created."""
    exc.path, exc._batch = (position,), (model, len(vlist))
    return exc


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


class Storage(BulkRows, Checks):
    """Records made, changed and deleted: the doors, the work behind them, children and links."""

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
        try:
            return cls._create(checked)
        except errors.ValidationError as exc:
            if exc._batch is not None and exc._batch != (cls._name, len(vlist)):
                exc.path = ()   # the position of a batch the code made, not of the input
            exc._batch = None
            raise

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
                try:
                    cls._check_required(values, f"record {position + 1} of {len(vlist)} to create")
                except errors.ValidationError as exc:
                    raise _located(exc, cls._name, vlist, position)
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
        try:
            cls.validate(records)
        except errors.ValidationError as exc:
            if not exc.path and exc._batch is None:
                position = cls._first_invalid(records)
                if position is not None:
                    raise _located(exc, cls._name, vlist, position)
            raise
        return records

    @classmethod
    def _first_invalid(cls, records):
        """The position of the first of ``records`` the model's rules refuse on its own (None: none alone).

        Asked only once ``validate`` refused the batch, so that the error can
        say which record of the input it is about.
        """
        if len(records) == 1:
            return 0
        for position, record in enumerate(records):
            try:
                cls.validate([record])
            except errors.ValidationError:
                return position
        return None

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
    def _create_children(cls, ids, children):
        for name, field in cls._one2many.items():
            vlist, owners = [], []   # owners: (position of the parent, of the child among its siblings)
            for position, (parent_id, values) in enumerate(zip(ids, children)):
                for rank, child in enumerate(values.get(name, ())):
                    vlist.append({**child, field.field: parent_id})
                    owners.append((position, rank))
            if not vlist:
                continue
            try:
                cls._env[field.target]._create(vlist)
            except errors.ValidationError as exc:
                if exc._batch == (field.target, len(vlist)):   # a child at a known place: its parent's place
                    parent, rank = owners[exc.path[0]]
                    exc.path, exc._batch = (parent, name, rank, *exc.path[1:]), (cls._name, len(ids))
                raise

    # -- write ---------------------------------------------------------------------
    @classmethod
    def write(cls, records, values):
        """Write the same ``values`` on every record of ``records``."""
        records = list(records)
        label = ", ".join(str(r.id) for r in records[:5]) + ("…" if len(records) > 5 else "")
        with _references_checked_together(cls._env):
            values, = cls._check_input([(f"{cls._name} {label}", values)], creating=False)
        try:
            cls._write(records, values)
        except errors.ValidationError as exc:
            if exc._batch != ("write", cls._name):
                exc.path = ()   # not a place in the values written
            exc._batch = None
            raise

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
    def _apply_actions(cls, records, field, actions):
        target = cls._env[field.target]
        for action in actions:
            if action[0] == "create":
                vlist = [{**child, field.field: record.id} for record in records for child in action[1]]
                try:
                    target._create(vlist)
                except errors.ValidationError as exc:
                    if exc._batch == (field.target, len(vlist)):   # the child's place in the action's list
                        exc.path = (field.name, exc.path[0] % len(action[1]), *exc.path[1:])
                        exc._batch = ("write", cls._name)
                    raise
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
        for referrer_table, column, field in cls._pool.kept_references.get(cls._name, ()):
            user = env.execute(sa.select(referrer_table.c.id, column).where(column.in_(doomed)).limit(1)).first()
            if user:
                record = cls.browse([user[1]])[0]
                raise errors.UserError(
                    f"cannot delete {record.rec_name}: {field.model_name} {user[0]} refers to it (field "
                    f"{field.name!r} of {field.owner!r}, kept while its module is deactivated); activate the "
                    f"module again to change that record first")
        for link, side in cls._pool.links.get(cls._name, ()):
            env.execute(link.delete().where(link.c[side].in_(doomed)))
        env.execute(table.delete().where(*cls._where(domain)))
        env._invalidate()
