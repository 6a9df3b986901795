"""The ``custom`` field: a JSON document of the record's custom values.

Values live in one JSON column per opted-in model (``jsonb`` on
PostgreSQL, JSON text on SQLite), so a record and its custom values are one
row, written and read with it, and a search on them is a condition on that
column (``json_extract`` on SQLite, ``->>`` with a cast on PostgreSQL): no
join, no value table to keep in step.  The price is one migration per model
that opts in (its column), which every other field pays too.

In the document: text, selection values, integers and booleans as JSON's own
types; numbers (``numeric``) as decimal strings, so that they stay exact;
dates as ISO strings (which sort as the dates do).  Reading ``record.custom``
turns them back into ``Decimal`` and ``datetime.date``.
"""
import datetime
import decimal
import json
import re
import weakref

import marshmallow
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from core import errors, fields
from core.schema import INTEGER_RANGE, UNSTORABLE

NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
TYPES = [("char", "Text"), ("integer", "Integer"), ("numeric", "Number"), ("boolean", "Yes/no"),
         ("date", "Date"), ("selection", "Selection")]
NUMERIC_LIMIT = decimal.Decimal(10) ** 20
DATE_RANGE = fields.DATE_RANGE

# The definitions by model, per transaction, for turning stored values back into Python ones
# when records are read; forgotten whenever a definition changes in that transaction.
_definitions = weakref.WeakKeyDictionary()


def definitions(env, model_name, fresh=False):
    """``{name: custom.field record}`` of ``model_name`` (cached per transaction unless ``fresh``)."""
    by_model = _definitions.setdefault(env, {})
    if fresh or model_name not in by_model:
        by_model[model_name] = {f.name: f for f in env["custom.field"].search([("model", "=", model_name)])}
    return by_model[model_name]


def forget_definitions(env):
    _definitions.pop(env, None)


class Document(sa.types.TypeDecorator):
    """A JSON column (``jsonb`` on PostgreSQL) that also takes its value as JSON text.

    The field hands the column JSON text: the PostgreSQL batch paths of the
    core send columns as arrays, and psycopg sends text arrays (not dicts)
    as they are; on the statement path the text is decoded again for
    SQLAlchemy's JSON type.
    """

    impl = sa.JSON
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.JSONB(none_as_null=True))
        return dialect.type_descriptor(sa.JSON(none_as_null=True))

    def process_bind_param(self, value, dialect):
        return json.loads(value) if isinstance(value, str) else value


class DocumentSchema(marshmallow.fields.Field):
    """A mapping of custom field names to values; the model checks it against the definitions."""

    default_error_messages = {"invalid": "Must be a mapping of custom field names to values."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
            raise self.make_error("invalid")
        return dict(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else dict(stored_document(value))


class CustomValues(fields.Field):
    """The record's custom values: a dict of custom field name -> typed value.

    Written as ``{"custom": {name: value}}``: the names given are set (None
    removes one), the others kept.  Searched as ``("custom.NAME", op, value)``.
    """

    python_type = dict

    def __init__(self, string="Custom fields", **kwargs):
        kwargs.setdefault("help", "Values of the custom fields defined for the model (custom.field).")
        super().__init__(string, **kwargs)

    def sql_type(self):
        return Document()

    def to_sql(self, value):
        return None if value is None else json.dumps(value, sort_keys=True)

    def schema_field(self):
        return DocumentSchema(**self.schema_options())

    def fast_check(self):
        return None

    def domain_value(self, value, operator="="):
        if value is None:
            return None
        raise errors.UserError(f"cannot search {self.model_name}.{self.name} {operator} {value!r:.80}: "
                               f"search one custom field, as ('{self.name}.NAME', {operator!r}, value)")

    def to_record(self, value, record):
        if not value:
            return {}
        known = definitions(record.env, self.model_name)
        return {name: from_json(known[name].type if name in known else None, stored)
                for name, stored in stored_document(value).items()}

    def search_path(self, model, path, operator, value):
        """``custom.NAME``: the stored value of NAME, compared as its type says (set-based, one condition)."""
        definition = definitions(model.env, model.fields[self.name].model_name, fresh=True).get(path)
        if definition is None:
            raise errors.UserError(f"cannot search {model.fields[self.name].model_name}: no custom field "
                                   f"{path!r} is defined for it (custom.field)")
        kind = definition.type
        label = f"{definition.model}.custom.{path}"
        column = model.table.c[self.name][path]
        expression = {"integer": column.as_integer, "boolean": column.as_boolean}.get(kind, column.as_string)()
        if kind == "numeric":
            expression = sa.cast(expression, sa.Numeric(30, 10))

        def convert(item):
            if item is None:
                return None
            try:
                return to_sql_value(definition, item)
            except ValueError as exc:
                raise errors.UserError(f"cannot search {label} {operator} {item!r:.80}: {exc}") from None

        if operator in ("in", "not in"):
            if not isinstance(value, (list, tuple)):
                raise errors.UserError(f"cannot search {label} {operator} {value!r:.80}: give a list of values")
            values = [convert(v) for v in value]
            if kind == "numeric":
                values = [decimal.Decimal(v) for v in values]
            condition = expression.in_(values)
            return sa.or_(~condition, expression.is_(None)) if operator == "not in" else condition
        if operator in ("like", "ilike"):
            if kind not in ("char", "selection") or not isinstance(value, str) or UNSTORABLE.search(value):
                raise errors.UserError(f"cannot search {label} {operator} {value!r:.80}: {operator} compares "
                                       f"a text or selection custom field with a text pattern")
            return expression.like(value) if operator == "like" else expression.ilike(value)
        converted = convert(value)
        if kind == "numeric" and converted is not None:
            converted = decimal.Decimal(converted)
        if converted is None or kind == "boolean":
            if operator not in ("=", "!="):
                raise errors.UserError(f"cannot search {label} {operator} {value!r}: empty values and "
                                       f"yes/no values compare with = or != only")
        if converted is None:
            return expression.is_(None) if operator == "=" else expression.is_not(None)
        if operator == "!=":
            return sa.or_(expression != converted, expression.is_(None))
        return {"=": expression.__eq__, "<": expression.__lt__, "<=": expression.__le__,
                ">": expression.__gt__, ">=": expression.__ge__}[operator](converted)


def stored_document(value):
    """The document as a dict: as read from the column, or as just written (JSON text, see ``to_sql``)."""
    return json.loads(value) if isinstance(value, str) else value


def to_sql_value(definition, value):
    """``value`` for the custom field ``definition`` as the document stores it; ValueError saying why not."""
    kind = definition.type
    if kind in ("char", "selection"):
        if not isinstance(value, str):
            raise ValueError("expected text")
        if UNSTORABLE.search(value):
            raise ValueError("contains a character that cannot be stored (NUL or a lone surrogate)")
        if kind == "selection" and value not in option_list(definition.options):
            raise ValueError(f"must be one of: {', '.join(option_list(definition.options))}")
        return value
    if kind == "integer":
        if type(value) is float and value.is_integer():
            value = int(value)
        if type(value) is not int or not INTEGER_RANGE[0] <= value <= INTEGER_RANGE[1]:
            raise ValueError("expected a whole number (32 bits)")
        return value
    if kind == "numeric":
        if isinstance(value, bool) or not isinstance(value, (int, float, str, decimal.Decimal)):
            raise ValueError("expected a number")
        try:
            number = decimal.Decimal(repr(value) if isinstance(value, float) else value)
        except decimal.InvalidOperation:
            raise ValueError("expected a number") from None
        if not number.is_finite() or abs(number) >= NUMERIC_LIMIT:
            raise ValueError("expected a finite number of at most 20 digits before the point")
        return str(number)
    if kind == "boolean":
        if type(value) is not bool:
            raise ValueError("expected true or false")
        return value
    if kind == "date":
        if isinstance(value, str):
            try:
                value = datetime.date.fromisoformat(value)
            except ValueError:
                raise ValueError("expected a date (YYYY-MM-DD)") from None
        if type(value) is not datetime.date or not DATE_RANGE[0] <= value <= DATE_RANGE[1]:
            raise ValueError(f"expected a date from {DATE_RANGE[0]} to {DATE_RANGE[1]}")
        return value.isoformat()
    raise ValueError(f"unknown type {kind!r}")


def from_json(kind, stored):
    """A stored value as Python has it (a ``Decimal`` for numbers, a ``date`` for dates)."""
    if stored is None:
        return None
    if kind == "numeric":
        return decimal.Decimal(stored)
    if kind == "date":
        return datetime.date.fromisoformat(stored)
    return stored


def option_list(options):
    """The values of a selection's ``options`` text: one a line, blank lines ignored."""
    return [line.strip() for line in (options or "").splitlines() if line.strip()]
