"""Checks: what input must be before anything is written, and what records must be after.

The doors (``create``, ``write``) convert and check the caller's input here,
defaults included, before anything is written: types, read-only and
required fields, actions on children and links, references to records that
must exist.  Required and unique fields are checked on every write, the
system's too; ``validate`` holds each model's own rules.
"""
import contextlib

import marshmallow
import sqlalchemy as sa

from .. import errors
from .. import fields as kfields
from .domains import Domains
from .sql import MAX_ID, batches, in_


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


class Checks(Domains):
    """Defaults, input checks, references, required and unique fields, the model's rules."""

    @classmethod
    def _defaults(cls, values):
        """``values`` completed with the defaults of the fields it lacks."""
        result = None
        for name, field in cls._stored_fields:
            if name in values:
                continue
            if result is None:
                result = dict(values)
            result[name] = cls._default_of(name, field)
        return values if result is None else result

    @classmethod
    def _default_of(cls, name, field):
        """The declared default of one field: ``default_<name>()`` if the model has it, else the field's."""
        method = getattr(cls, f"default_{name}", None)
        if method is not None:
            return method()
        return field.default() if callable(field.default) else field.default

    @classmethod
    def _check_input(cls, vlist, creating, parent_field=None):
        """Validate API input; return it converted, with defaults when creating.

        Raises ValidationError naming the record (its position in the batch
        when creating, its id when writing) and the fields at fault.  Nothing
        has been written when it raises.
        """
        result = []
        for position, (label, values) in enumerate(vlist):
            try:
                result.append(cls._check_one(label, values, creating, parent_field))
            except errors.ValidationError as exc:
                if creating:   # ``position`` is where it sits in the list given
                    exc.path = (position, *exc.path)
                raise
        cls._check_references(result)
        return result

    @classmethod
    def _check_one(cls, label, values, creating, parent_field):
        """One record's values of :meth:`_check_input`, converted; its children checked."""
        loader = cls._loader
        readonly = cls._readonly_names
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
            try:
                if creating:
                    loaded[name] = target._check_children(loaded[name], field, label)
                else:
                    loaded[name] = target._check_actions(loaded[name], field, label)
            except errors.ValidationError as exc:
                exc.path = (name, *exc.path) if exc.path else ()
                raise
        for name, field in cls._many2many.items():
            if name in loaded:
                loaded[name] = cls._check_links(loaded[name] or [], field, label, creating)
        return loaded

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

    @classmethod
    def validate(cls, records):
        """Check the model's rules on freshly created or written records.

        Extensions override it, call ``super().validate(records)`` and raise
        :class:`core.errors.ValidationError` naming the record and field.
        """
