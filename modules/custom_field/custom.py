"""Custom fields: defined as data, checked on every write, searched in SQL."""
import json

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from core import Model, errors, fields

from .values import NAME, TYPES, CustomValues, definitions, forget_definitions, option_list, to_sql_value


class CustomField(Model):
    """A field added to a model as data: records of that model then carry a typed value for it.

    ``model`` must carry custom values (``sale.sale``, ``party.party``, or a
    model another module opted in, see :func:`modules.custom_field.carry`).
    ``model``, ``name`` and ``type`` are fixed once defined (delete and define
    again); deleting a definition deletes its values from the records.
    ``name`` is a lower-case identifier the model does not already use: not
    one of its fields, not ``id`` or an audit name (``create_date``, …), not
    a name of the record API (``write``).
    """

    _name = "custom.field"
    _order = (("model", "ASC"), ("name", "ASC"))

    model = fields.Char("Model", required=True, size=128, help="The model whose records carry it, e.g. sale.sale.")
    name = fields.Char("Name", required=True, size=63,
                       help="Lower-case letters, digits and underscores; searched as custom.NAME.")
    type = fields.Selection(TYPES, "Type", required=True)
    options = fields.Text("Options", help="For a selection: the allowed values, one a line.")

    @classmethod
    def validate(cls, definitions_):
        super().validate(definitions_)
        env = cls.env
        for definition in definitions_:
            problems = {}
            carrier = env[definition.model] if definition.model in env else None
            if carrier is None or not isinstance(carrier.fields.get("custom"), CustomValues):
                problems["model"] = [f"{definition.model!r} is no model carrying custom fields; those are: "
                                     f"{', '.join(carriers(env)) or 'none'}."]
            if not NAME.fullmatch(definition.name):
                problems["name"] = ["Must start with a lower-case letter or _, then letters, digits or _ "
                                    "(63 at most)."]
            elif carrier is not None and (clash := taken(carrier, definition.name)):
                problems["name"] = [f"{definition.name!r} is {clash} of "
                                    f"{definition.model}: give the custom field another name."]
            options = option_list(definition.options)
            if definition.type == "selection":
                if not options:
                    problems["options"] = ["A selection needs its allowed values, one a line."]
                elif len(set(options)) != len(options):
                    problems["options"] = ["An allowed value is given twice."]
            elif options:
                problems["options"] = [f"Only a selection has options, not a {definition.type} field."]
            if problems:
                detail = "; ".join(f"{n}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid custom field {definition.model}.{definition.name}: {detail}",
                                             problems, definition.rec_name)
        table = cls.table
        keys = sorted({(d.model, d.name) for d in definitions_})
        clashes = env.execute(sa.select(table.c.model, table.c.name).where(
            sa.tuple_(table.c.model, table.c.name).in_(keys)).group_by(table.c.model, table.c.name)
            .having(sa.func.count() > 1)).first() if keys else None
        if clashes:
            raise errors.ValidationError(f"custom field {clashes[1]!r} is already defined for {clashes[0]}",
                                         {"name": ["Already defined for this model."]})

    @classmethod
    def _create(cls, vlist):
        forget_definitions(cls.env)
        return super()._create(vlist)

    @classmethod
    def _write(cls, definitions_, values):
        forget_definitions(cls.env)
        super()._write(definitions_, values)

    @classmethod
    def write(cls, definitions_, values):
        """Options may change; model, name and type may not (values were stored as that type)."""
        fixed = sorted({"model", "name", "type"} & set(values if isinstance(values, dict) else ()))
        changed = [n for n in fixed for d in definitions_ if getattr(d, n) != values[n]]
        if changed:
            raise errors.ValidationError(
                f"custom field {definitions_[0].model}.{definitions_[0].name}: {', '.join(dict.fromkeys(changed))} "
                f"cannot change once defined; delete the field and define it again",
                {name: ["Cannot change once defined."] for name in changed})
        before = {d.id: option_list(d.options) for d in definitions_ if d.type == "selection"}
        super().write(definitions_, values)
        cls._check_options_in_use([d for d in definitions_ if d.id in before], before)

    @classmethod
    def _check_options_in_use(cls, definitions_, before):
        """An allowed value still held by a record cannot go: that record's value would be refused on reading."""
        env = cls.env
        for definition in definitions_:
            gone = sorted(set(before[definition.id]) - set(option_list(definition.options)))
            if not gone or definition.model not in env:
                continue
            model = env[definition.model]
            value = model.table.c.custom[definition.name].as_string()
            used = env.execute(sa.select(value).where(value.in_(gone)).limit(1)).scalar()
            if used is not None:
                raise errors.ValidationError(
                    f"custom field {definition.model}.{definition.name}: option {used!r} is still used by "
                    f"{definition.model} records; change their value first",
                    {"options": [f"{used!r} is still in use."]}, definition.rec_name)

    @classmethod
    def delete(cls, definitions_):
        """Delete the definitions and, from every record of their model, their values."""
        env = cls.env
        forget_definitions(env)
        by_model = {}
        for definition in definitions_:
            by_model.setdefault(definition.model, []).append(definition.name)
        for model_name, names in by_model.items():
            if model_name in env and isinstance(env[model_name].fields.get("custom"), CustomValues):
                remove_values(env[model_name], names)
        super().delete(definitions_)


# Names every record has or that Tryton and Odoo reserve for the audit columns: a custom field so
# named would read as the record's own value (an export, a form, a dump flattening ``custom``).
RESERVED = frozenset({"id", "create_date", "create_uid", "write_date", "write_uid", "rec_name"})


def taken(carrier, name):
    """What ``name`` already is on the model ``carrier`` (a field, a reserved name, …), or None.

    A custom field may not take a name the model already uses, so that
    ``custom.NAME`` and ``NAME`` never mean two things.  SQL keywords are
    no concern: values are keys of a JSON document, searched through bound
    parameters.
    """
    if name in carrier.fields:
        return "a field"
    if name in RESERVED:
        return "a reserved name"
    if not name.startswith("_") and hasattr(carrier, name):
        return "a name of the record API (a method or attribute)"
    return None


def carriers(env):
    """The names of the models carrying custom fields in ``env``."""
    return sorted(name for name in env.pool.models if isinstance(env[name].fields.get("custom"), CustomValues))


def remove_values(model, names):
    """Delete the values ``names`` from every record of ``model``: one statement."""
    column = model.table.c.custom
    if model.env.connection.dialect.name == "postgresql":
        stripped = column.op("-")(sa.cast(sa.literal(list(names), postgresql.ARRAY(sa.Text())),
                                          postgresql.ARRAY(sa.Text())))
    else:
        stripped = sa.func.json_remove(column, *[f'$."{name}"' for name in names])
    model.env.execute(model.table.update().where(column.is_not(None)).values(custom=stripped))


class CustomFields:
    """What a model carrying custom values does with them (mixed into its extension by :func:`carry`).

    Every creation and write, through the API or on the system's behalf,
    checks the values against the model's definitions before anything is
    written: an unknown name, a value of the wrong type or a selection value
    not among the options is a ``ValidationError`` naming the record, the
    custom field and the value.
    """

    @classmethod
    def _create(cls, vlist):
        given = [(i, v) for i, v in enumerate(vlist) if v.get("custom")]
        if given:
            known = definitions(cls.env, cls._name, fresh=True)
            vlist = list(vlist)
            for position, values in given:
                document = checked_document(cls._name, known, values["custom"], f"record {position + 1}")
                vlist[position] = {**values, "custom": {k: v for k, v in document.items() if v is not None}}
        return super()._create(vlist)

    @classmethod
    def _write(cls, records, values):
        if "custom" in values:
            values = dict(values)
            patch = values.pop("custom") or {}
            label = ", ".join(r.rec_name for r in records[:3]) + (" …" if len(records) > 3 else "")
            document = checked_document(cls._name, definitions(cls.env, cls._name, fresh=True), patch, label)
            if document and records:
                merge_values(cls, records, document)
        super()._write(records, values)


def checked_document(model_name, known, document, label):
    """``document`` as stored (None kept: it removes the value), or a ValidationError."""
    if not isinstance(document, dict):
        raise errors.ValidationError(f"invalid {model_name} ({label}): custom: must be a mapping of custom "
                                     f"field names to values, got {document!r:.80}",
                                     {"custom": ["Must be a mapping of custom field names to values."]}, label)
    result = {}
    for name, value in document.items():
        definition = known.get(name)
        if definition is None:
            raise errors.ValidationError(
                f"invalid {model_name} ({label}): custom: no custom field {name!r:.80} is defined for "
                f"{model_name}; defined: {', '.join(sorted(known)) or 'none'}",
                {"custom": [f"Unknown custom field {name!r:.80}."]}, label)
        try:
            result[name] = None if value is None else to_sql_value(definition, value)
        except ValueError as exc:
            raise errors.ValidationError(
                f"invalid {model_name} ({label}): custom.{name}: {value!r:.80} is refused: {exc}",
                {"custom": [f"{name}: {exc}."]}, label) from None
    return result


def merge_values(model, records, document):
    """Set the values of ``document`` (None: remove) on ``records``, keeping their others: one statement a batch."""
    column, env = model.table.c.custom, model.env
    kept = {k: v for k, v in document.items() if v is not None}
    removed = sorted(k for k, v in document.items() if v is None)
    if env.connection.dialect.name == "postgresql":
        merged = sa.func.coalesce(column, sa.cast(sa.literal("{}"), postgresql.JSONB())).op("||")(
            sa.cast(sa.literal(json.dumps(kept, sort_keys=True)), postgresql.JSONB()))
        if removed:
            merged = merged.op("-")(sa.cast(sa.literal(removed, postgresql.ARRAY(sa.Text())),
                                            postgresql.ARRAY(sa.Text())))
    else:   # RFC 7396 merge patch: a null removes the name
        merged = sa.func.json_patch(sa.func.coalesce(column, "{}"), json.dumps(document, sort_keys=True))
    ids = [r.id for r in records]
    for start in range(0, len(ids), 2000):
        env.execute(model.table.update().where(model.table.c.id.in_(ids[start:start + 2000])).values(custom=merged))
