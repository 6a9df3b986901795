"""The fields of plain values: text, numbers, dates, choices and bytes, each stored in one column."""
import copy
import datetime
import decimal

import sqlalchemy as sa
from marshmallow import validate as mm_validate

from .. import errors, schema
from .base import Bounded, Field

# Bounds of the values a field accepts unless it declares narrower ones (``min=``/``max=``):
# what its column holds, and, for floats and dates, what arithmetic on them survives
# (an amount is quantity x price in 28 decimal digits; a date plus a few lead times
# stays a date).
FLOAT_LIMIT = 1e12
DATE_RANGE = (datetime.date(1900, 1, 1), datetime.date(2999, 12, 31))


class Char(Field):
    python_type = str
    marshmallow_class = schema.String

    def __init__(self, string=None, *, size=None, **kwargs):
        super().__init__(string, **kwargs)
        self.size = size

    def sql_type(self):
        return sa.String(self.size)

    def schema_options(self):
        options = super().schema_options()
        if self.size:
            options["validate"] = mm_validate.Length(max=self.size)
        return options


    def fast_check(self):
        size, unstorable = self.size, schema.UNSTORABLE.search
        return lambda v: (v if type(v) is str and (size is None or len(v) <= size) and not unstorable(v)
                          else schema.SLOW)


class Text(Field):
    python_type = str
    marshmallow_class = schema.String

    def sql_type(self):
        return sa.Text()


    def fast_check(self):
        unstorable = schema.UNSTORABLE.search
        return lambda v: v if type(v) is str and not unstorable(v) else schema.SLOW


class Integer(Bounded, Field):
    """An integer of the column's 32-bit range, or of ``min``..``max`` when declared."""

    python_type = int
    marshmallow_class = schema.Integer

    def limits(self):
        return schema.INTEGER_RANGE

    def sql_type(self):
        return sa.Integer()

    def fast_check(self):
        low, high = self.min, self.max
        return lambda v: v if type(v) is int and low <= v <= high else schema.SLOW


class Float(Bounded, Field):
    """A float, rounded to ``digits`` decimal places when given.

    Finite and within ±``FLOAT_LIMIT`` (1e12), or ``min``..``max`` when declared.
    """

    python_type = float
    marshmallow_class = schema.Float

    def __init__(self, string=None, *, digits=None, **kwargs):
        super().__init__(string, **kwargs)
        self.digits = digits

    def limits(self):
        return -FLOAT_LIMIT, FLOAT_LIMIT

    def sql_type(self):
        return sa.Float()

    def to_sql(self, value):
        if value is None or self.digits is None:
            return value
        return round(float(value), self.digits)

    def fast_check(self):
        low, high = self.min, self.max
        return lambda v: (float(v) if (type(v) is float or type(v) is int) and low <= v <= high
                          else schema.SLOW)


class Numeric(Bounded, Field):
    """A ``decimal.Decimal`` with ``digits`` places (prices, amounts).

    Its column holds ``precision - digits`` integer digits: larger values are
    refused, on input and when a module computes one.
    """

    python_type = decimal.Decimal
    marshmallow_class = schema.Decimal

    def __init__(self, string=None, *, digits=2, precision=16, **kwargs):
        self.digits = digits
        self.precision = precision
        self._quantum = decimal.Decimal(1).scaleb(-digits)
        self._limit = decimal.Decimal(10) ** (precision - digits) - self._quantum
        super().__init__(string, **kwargs)

    def limits(self):
        return -self._limit, self._limit

    def sql_type(self):
        return sa.Numeric(self.precision, self.digits)

    def to_sql(self, value):
        if value is None:
            return None
        if not isinstance(value, decimal.Decimal):
            value = decimal.Decimal(str(value))
        if not (value.is_finite() and -self._limit <= value <= self._limit):
            raise errors.ValidationError(
                f"{self.model_name}.{self.name}: {value} does not fit ({self.precision - self.digits} "
                f"digits before the point at most)", {self.name: ["Number too large."]})
        return value.quantize(self._quantum, rounding=decimal.ROUND_HALF_EVEN)

    def schema_options(self):
        return {**super().schema_options(), "as_string": True}

    def fast_check(self):
        low, high = self.min, self.max
        return lambda v: v if type(v) is decimal.Decimal and v.is_finite() and low <= v <= high else schema.SLOW


class Binary(Field):
    """Bytes (a file's content: a PDF, an image), stored as a BLOB / BYTEA.

    Input must be ``bytes`` (or ``bytearray``); a dump gives them in base64.
    """

    python_type = bytes
    marshmallow_class = schema.Bytes

    def sql_type(self):
        return sa.LargeBinary()

    def to_sql(self, value):
        return None if value is None else bytes(value)

    def fast_check(self):
        return lambda v: v if type(v) is bytes else schema.SLOW


class Boolean(Field):
    python_type = bool
    marshmallow_class = schema.Boolean

    def __init__(self, string=None, *, default=False, **kwargs):
        super().__init__(string, default=default, **kwargs)

    def sql_type(self):
        return sa.Boolean()

    def to_sql(self, value):
        return None if value is None else bool(value)


    def fast_check(self):
        return lambda v: v if type(v) is bool else schema.SLOW


class Date(Bounded, Field):
    """A date within ``DATE_RANGE`` (1900-01-01 to 2999-12-31), or ``min``..``max`` when declared."""

    python_type = datetime.date
    marshmallow_class = schema.Date

    def limits(self):
        return DATE_RANGE

    def sql_type(self):
        return sa.Date()

    def fast_check(self):
        low, high = self.min, self.max
        return lambda v: v if type(v) is datetime.date and low <= v <= high else schema.SLOW


class DateTime(Field):
    python_type = datetime.datetime
    marshmallow_class = schema.DateTime

    def sql_type(self):
        return sa.DateTime()


    def fast_check(self):
        return lambda v: v if type(v) is datetime.datetime else schema.SLOW


class Selection(Field):
    """One value out of ``options`` (a list of ``(value, label)``).

    Other modules add options with :meth:`Selection.extend` in their extension
    of the model; the composed model sees the options of its active modules.
    """

    python_type = str
    marshmallow_class = schema.String

    def __init__(self, options, string=None, *, size=None, **kwargs):
        super().__init__(string, **kwargs)
        self.options = list(options)
        self.size = size

    @staticmethod
    def extend(options):
        """Declare, in a model extension, options to add to an inherited selection."""
        return SelectionExtension(options)

    @property
    def values(self):
        return [value for value, _ in self.options]

    def sql_type(self):
        # The column is deliberately not constrained to the options: a module
        # adding an option must not need to migrate another module's table.
        return sa.String(self.size or 32)

    def schema_options(self):
        return {**super().schema_options(),
                "validate": mm_validate.OneOf(self.values, error="Must be one of: {choices}.")}


    def fast_check(self):
        values = frozenset(self.values)
        return lambda v: v if type(v) is str and v in values else schema.SLOW


class SelectionExtension:
    """Options an extension adds to a Selection it inherits (see ``Selection.extend``)."""

    def __init__(self, options):
        self.options = list(options)

    def apply(self, field, name):
        if not isinstance(field, Selection):
            raise TypeError(f"Selection.extend() on {name!r}, which is not a Selection field")
        extended = copy.copy(field)
        extended.options = field.options + [o for o in self.options if o not in field.options]
        return extended
