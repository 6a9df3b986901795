"""marshmallow schemas generated from the composed models.

The schema of a model is built from its Kitwork fields rather than from its
table (marshmallow-sqlalchemy): the fields know more than the columns do (the
selection options added by other modules, Many2One values given as records,
One2Many children and actions, computed fields), so mapping each field type to
one marshmallow field is shorter than generating from columns and overriding
most of them.

The API receives Python values (dates, Decimals, records) as well as JSON
values (strings), so the marshmallow fields below accept both.
"""
import base64
import datetime
import decimal
import math
import re

import marshmallow
from marshmallow import fields

INTEGER_RANGE = (-2 ** 31, 2 ** 31 - 1)   # what an INTEGER column holds on every backend
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")   # NUL (refused by PostgreSQL), lone surrogates (not UTF-8)


class String(fields.String):
    default_error_messages = {
        "unstorable": "Contains a character that cannot be stored (NUL or a lone surrogate): {position}."}

    def _deserialize(self, value, attr, data, **kwargs):
        value = super()._deserialize(value, attr, data, **kwargs)
        match = UNSTORABLE.search(value)
        if match:
            raise self.make_error("unstorable", position=f"{match.group()!r} at position {match.start()}")
        return value


class Integer(fields.Integer):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        value = super()._deserialize(value, attr, data, **kwargs)
        if not INTEGER_RANGE[0] <= value <= INTEGER_RANGE[1]:
            raise self.make_error("too_large")
        return value


class Float(fields.Float):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, (int, float)):
            try:
                value = float(value)
            except OverflowError:
                raise self.make_error("too_large") from None
            if not math.isfinite(value):
                raise self.make_error("special")
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class Decimal(fields.Decimal):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise self.make_error("invalid")
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise self.make_error("special")
            return value
        if isinstance(value, float):
            value = repr(value)
        return super()._deserialize(value, attr, data, **kwargs)


class Bytes(fields.Field):
    """Binary content: ``bytes`` or ``bytearray`` in, base64 text out (JSON-ready)."""

    default_error_messages = {"invalid": "Not bytes: give the content as bytes."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, (bytes, bytearray)):
            return bytes(value)
        raise self.make_error("invalid")

    def _serialize(self, value, attr, obj, **kwargs):
        return None if value is None else base64.b64encode(value).decode("ascii")


class Boolean(fields.Boolean):
    pass


class Date(fields.Date):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime.datetime):   # a moment is not a day: say which day
            raise self.make_error("invalid")
        if isinstance(value, datetime.date):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class DateTime(fields.DateTime):
    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, datetime.datetime):
            return value
        return super()._deserialize(value, attr, data, **kwargs)


class Reference(fields.Field):
    """A Many2One: an id, or a record of the target model; dumps as the id."""

    default_error_messages = {"invalid": "Not a valid {target} id or record."}

    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        self.target = target

    def _deserialize(self, value, attr, data, **kwargs):
        if getattr(value, "_name", None) == self.target:
            value = getattr(value, "id", None)
        if isinstance(value, int) and not isinstance(value, bool) and INTEGER_RANGE[0] <= value <= INTEGER_RANGE[1]:
            return value
        raise self.make_error("invalid", target=self.target)

    def _serialize(self, value, attr, obj, **kwargs):
        return getattr(value, "id", value)


MODEL_NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*")


class AnyReference(fields.Field):
    """A Reference: a record, a ``(model, id)`` pair or a ``"model,id"`` string."""

    default_error_messages = {"invalid": "Not a valid reference: give a record or 'model,id'."}

    def _deserialize(self, value, attr, data, **kwargs):
        if hasattr(value, "_name") and isinstance(getattr(value, "id", None), int):
            return f"{value._name},{value.id}"
        if isinstance(value, (tuple, list)) and len(value) == 2:
            value = f"{value[0]},{value[1]}"
        if isinstance(value, str):
            model, _, id_ = value.partition(",")
            if MODEL_NAME.fullmatch(model) and id_.isascii() and id_.isdigit() and int(id_) <= INTEGER_RANGE[1]:
                return f"{model},{int(id_)}"
        raise self.make_error("invalid")


class Children(fields.Field):
    """A One2Many: checked as a list here; its items are checked by the target model."""

    default_error_messages = {"invalid": "Must be a list."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (list, tuple)):
            raise self.make_error("invalid")
        return list(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return [getattr(v, "id", v) for v in value or ()]


class Links(fields.Field):
    """A Many2Many: a list of ids or records to create with, or a list of actions to write.

    Only the list is checked here; the model checks the ids or actions.
    """

    default_error_messages = {"invalid": "Must be a list of {target} ids, or of actions."}

    def __init__(self, target, **kwargs):
        super().__init__(**kwargs)
        self.target = target

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, (list, tuple)):
            raise self.make_error("invalid", target=self.target)
        return list(value)

    def _serialize(self, value, attr, obj, **kwargs):
        return [getattr(v, "id", v) for v in value or ()]


SLOW = object()   # a fast check's answer: "let marshmallow decide"


class Loader:
    """Loads API input through a model's schema, with a fast path for typed values.

    marshmallow costs tens of microseconds a record, more than inserting it.
    Each field's ``fast_check`` accepts the plain, already-typed values the
    schema would load unchanged; a record with any other value (a string date,
    a record for a Many2One, a wrong type, an unknown field) is loaded by the
    marshmallow schema itself, which converts it or words the error.
    """

    def __init__(self, schema, model_fields):
        self.schema = schema
        self.checks = {name: field.fast_check() for name, field in model_fields.items()}

    def load(self, values):
        checks = self.checks
        loaded = {}
        try:
            for name, value in values.items():
                if value is None:
                    checks[name]   # an unknown field is marshmallow's to report
                    loaded[name] = None
                    continue
                result = checks[name](value)
                if result is SLOW:
                    return self.schema.load(values)
                loaded[name] = result
        except (KeyError, TypeError):   # unknown field, or a field without a fast check (None)
            return self.schema.load(values)
        return loaded


def build(model_name, model_fields):
    """The marshmallow Schema class of one composed model."""
    attrs = {name: field.schema_field() for name, field in model_fields.items()}
    attrs["id"] = fields.Integer(dump_only=True)

    class Meta:
        register = False          # each database composes its own schema
        unknown = marshmallow.RAISE

    attrs["Meta"] = Meta
    return type(f"{model_name}.schema", (marshmallow.Schema,), attrs)
