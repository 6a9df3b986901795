"""A field holding a JSON value (a domain, a list of events), stored as text."""
import datetime
import decimal
import json

import marshmallow

from core import fields


def _plain(value):
    """What ``json.dumps`` cannot write itself: dates as ISO strings, Decimals as strings, records as ids."""
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, decimal.Decimal) and value.is_finite():
        return str(value)
    if isinstance(getattr(value, "id", None), int) and hasattr(value, "_name"):
        return value.id
    raise TypeError(f"{type(value).__name__} is not a JSON value")


def dumps(value):
    return json.dumps(value, allow_nan=False, default=_plain, ensure_ascii=True)


class JsonValue(marshmallow.fields.Field):
    """Any JSON value: loaded as it reads back (tuples become lists, dates and Decimals strings)."""

    default_error_messages = {"invalid": "Not a JSON value: {reason}."}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return json.loads(dumps(value))
        except (TypeError, ValueError, RecursionError) as exc:
            raise self.make_error("invalid", reason=exc) from None

    def _serialize(self, value, attr, obj, **kwargs):
        return json.loads(value) if isinstance(value, str) else value


class Json(fields.Text):
    """A JSON value (lists, dicts, strings, numbers, booleans); reads as the Python value."""

    python_type = object

    def to_sql(self, value):
        return None if value is None else dumps(value)

    def to_record(self, value, record):
        return None if value is None else json.loads(value)

    def schema_field(self):
        return JsonValue(**self.schema_options())

    def fast_check(self):
        return None
