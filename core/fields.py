"""Field types.

A field is declared on a model class (or on a module's extension of it) and,
once the pool has composed the model, is the descriptor through which records
read their values.  Each field knows three things about itself: the column
that stores it (if any), how to validate input for it (a marshmallow field),
and how to turn a stored value into what a record shows.
"""
import copy
import datetime
import decimal
import math

import marshmallow
import sqlalchemy as sa
from marshmallow import validate as mm_validate

from . import errors, schema

# Bounds of the values a field accepts unless it declares narrower ones (``min=``/``max=``):
# what its column holds, and, for floats and dates, what arithmetic on them survives
# (an amount is quantity x price in 28 decimal digits; a date plus a few lead times
# stays a date).
FLOAT_LIMIT = 1e12
DATE_RANGE = (datetime.date(1900, 1, 1), datetime.date(2999, 12, 31))


class Field:
    """Base of every field.

    ``required`` fields may not be empty; ``readonly`` fields are set by the
    model's own code, never through the public ``create``/``write``;
    ``default`` is a value or a callable without argument (a model may also
    define ``default_<field>()`` as a class method, which wins).
    """

    stored = True
    python_type = object

    def __init__(self, string=None, *, required=False, readonly=False, default=None,
                 help="", unique=False, index=False):
        self.string = string
        self.required = required
        self.readonly = readonly
        self.default = default
        self.help = help
        self.unique = unique
        self.index = index
        self.name = None         # set by the pool
        self.model_name = None   # set by the pool
        self.owner = None        # the module (or module+extra) that declared it

    def bind(self, name, model_name, owner):
        """A copy of the field for one composed model (fields are shared by pools)."""
        field = copy.copy(self)
        field.name, field.model_name, field.owner = name, model_name, owner
        field._plain = type(field).to_record is Field.to_record
        return field

    # -- storage ---------------------------------------------------------
    def sql_type(self):
        raise TypeError(f"{type(self).__name__} is not stored in a column")

    def column(self):
        column = sa.Column(self.name, self.sql_type(), nullable=not self.required,
                           unique=self.unique or None, index=self.index or None)
        return column

    def to_sql(self, value):
        """Convert a (validated) Python value to what the column stores."""
        return value

    # -- input and output --------------------------------------------------
    def schema_field(self):
        """The marshmallow field validating input for (and dumping) this field."""
        return self.marshmallow_class(**self.schema_options())

    marshmallow_class = marshmallow.fields.Raw

    def schema_options(self):
        return {"required": False, "allow_none": True,
                "metadata": {"string": self.string, "help": self.help}}

    def fast_check(self):
        """A quick acceptor for the common, already-typed input, or None.

        It returns the value as the schema would load it, or ``schema.SLOW``
        when marshmallow must decide (and word the error).  It must accept
        only what the schema accepts, unchanged.
        """
        return None

    def domain_value(self, value, operator="="):
        """A search domain's ``value`` as the column holds it; a UserError when it cannot be one.

        Converted like input (an ISO date string, a record for a Many2One) but
        without the declared bounds, so that both backends compare the same
        values and no driver error ever aborts the transaction.
        """
        if value is None:
            return None
        searcher = self.__dict__.get("_searcher")
        if searcher is None:
            searcher = self._searcher = self.schema_field()
        try:
            return self.to_sql(searcher._deserialize(value, self.name, None))
        except marshmallow.ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
            raise errors.UserError(
                f"cannot search {self.model_name}.{self.name} {operator} {value!r:.80}: "
                f"{' '.join(map(str, messages))}") from None

    def search_path(self, model, path, operator, value):
        """The SQL condition of the domain clause ``(f"{name}.{path}", operator, value)`` on ``model``.

        A field whose value has parts of its own (a document of named values,
        say) overrides it to let domains reach into them; ``model`` is the
        bound model class (``model.table``, ``model.env``); the operator is
        one of ``Model.OPERATORS``.  Many2One, One2Many and Many2Many paths
        are the core's own.  By default there are no parts to search.
        """
        raise errors.UserError(f"{self.model_name}.{self.name} is not a Many2One: "
                               f"cannot search on {self.name + '.' + path!r}")

    # -- reading -----------------------------------------------------------
    def to_record(self, value, record):
        """What ``record.<field>`` returns for the cached ``value``."""
        return value

    def __get__(self, record, owner):
        if record is None:
            return self
        try:   # the common case, inlined: the value is in the transaction's cache
            value = record._env._cache[self.model_name][record.id][self.name]
        except KeyError:
            value = record._read(self)
        return value if self._plain else self.to_record(value, record)

    def __set__(self, record, value):
        raise AttributeError(
            f"{self.model_name}.{self.name} cannot be assigned; use {self.model_name}.write()")

    def __repr__(self):
        return f"<{type(self).__name__} {self.model_name}.{self.name}>"


class Bounded:
    """Mixin of the fields of ordered values: they accept ``min``..``max``.

    Both default to, and stay within, the type's ``limits()``: what the column
    holds or the arithmetic on the values survives.
    """

    def __init__(self, string=None, *, min=None, max=None, **kwargs):
        super().__init__(string, **kwargs)
        self.min, self.max = _within(self.limits(), min, max)

    def schema_options(self):
        return {**super().schema_options(), "validate": mm_validate.Range(self.min, self.max)}


def _within(limits, minimum, maximum):
    low, high = limits
    return (low if minimum is None else max(low, minimum), high if maximum is None else min(high, maximum))


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


class Many2One(Field):
    """A reference to one record of ``target``; reads as a record or None.

    ``ondelete`` says what happens to this record when the target is deleted:
    ``restrict`` (refuse), ``cascade`` (delete this record too) or
    ``set null``; the default is ``restrict`` for a required field and
    ``set null`` otherwise.
    """

    python_type = int
    ONDELETE = ("restrict", "cascade", "set null")

    def __init__(self, target, string=None, *, ondelete=None, **kwargs):
        super().__init__(string, **kwargs)
        self.target = target
        ondelete = ondelete or ("restrict" if kwargs.get("required") else "set null")
        if ondelete not in self.ONDELETE:
            raise ValueError(f"ondelete must be one of {self.ONDELETE}, not {ondelete!r}")
        self.ondelete = ondelete
        self.index = True

    def sql_type(self):
        return sa.Integer()

    def column(self):
        table = self.target.replace(".", "_")
        column = sa.Column(self.name, sa.Integer(),
                           sa.ForeignKey(f"{table}.id", ondelete=self.ondelete.upper()),
                           nullable=not self.required, index=True)
        return column

    def to_sql(self, value):
        return getattr(value, "id", value)

    def schema_field(self):
        return schema.Reference(self.target, **self.schema_options())

    def to_record(self, value, record):
        if value is None:
            return None
        return record._related(self, value)


    def fast_check(self):
        low, high = schema.INTEGER_RANGE
        return lambda v: v if type(v) is int and low <= v <= high else schema.SLOW


class Reference(Field):
    """A reference to one record of any model (the origin of a move, say).

    Stored as ``"model,id"``; reads as a record or None; takes a record, a
    ``(model, id)`` pair or a ``"model,id"`` string.  ``ondelete`` does not
    apply: a module that must react to deletions checks them itself.
    """

    python_type = str

    def __init__(self, string=None, *, size=128, **kwargs):
        super().__init__(string, **kwargs)
        self.size = size
        self.index = True

    def sql_type(self):
        return sa.String(self.size)

    @staticmethod
    def parse(value):
        model, _, id_ = value.partition(",")
        return model, int(id_)

    @staticmethod
    def sql(model, id_column):
        """SQL: the stored value referring to the record of ``model`` whose id is ``id_column``.

        For set-based statements that join references to the records they
        name (``"model," || id``), instead of listing every value in Python.
        """
        return sa.literal(f"{model},", sa.String) + sa.cast(id_column, sa.String)

    def to_sql(self, value):
        if value is None or isinstance(value, str):
            return value
        if isinstance(value, (tuple, list)):
            return f"{value[0]},{int(value[1])}"
        return f"{value._name},{value.id}"

    def schema_field(self):
        return schema.AnyReference(**self.schema_options())

    def to_record(self, value, record):
        if value is None:
            return None
        return record._related(self, self.parse(value))


class One2Many(Field):
    """The records of ``target`` whose Many2One ``field`` points to this one.

    In ``create`` it takes a list of dicts (children created with the parent);
    in ``write`` a list of actions: ``("create", [dicts])``,
    ``("write", [ids], values)``, ``("delete", [ids])``.
    """

    stored = False

    def __init__(self, target, field, string=None, **kwargs):
        super().__init__(string, **kwargs)
        self.target = target
        self.field = field

    def column(self):
        return None

    def schema_field(self):
        return schema.Children(**self.schema_options())

    def to_record(self, value, record):
        return record._related(self, value)


    def fast_check(self):
        return lambda v: list(v) if type(v) is list or type(v) is tuple else schema.SLOW


class Many2Many(Field):
    """Records of ``target`` linked to this one through a table of pairs.

    Reads as a list of records.  In ``create`` it takes a list of ids (or
    records); in ``write`` a list of actions: ``("add", [ids])``,
    ``("remove", [ids])``, ``("set", [ids])``.  The pairs live in the table
    ``relation`` (default ``<model table>__<field>``), columns ``origin`` and
    ``target``; deleting either record deletes its pairs.
    """

    stored = False
    ACTIONS = ("add", "remove", "set")

    def __init__(self, target, string=None, *, relation=None, **kwargs):
        super().__init__(string, **kwargs)
        self.target = target
        self.relation = relation

    def bind(self, name, model_name, owner):
        field = super().bind(name, model_name, owner)
        field.relation = self.relation or f"{model_name.replace('.', '_')}__{name}"
        return field

    def column(self):
        return None

    def link_table(self, metadata):
        """The table of ``(origin, target)`` pairs, in ``metadata``."""
        origin = self.model_name.replace(".", "_")
        target = self.target.replace(".", "_")
        return sa.Table(
            self.relation, metadata,
            sa.Column("origin", sa.Integer(), sa.ForeignKey(f"{origin}.id", ondelete="CASCADE"), primary_key=True),
            sa.Column("target", sa.Integer(), sa.ForeignKey(f"{target}.id", ondelete="CASCADE"), primary_key=True,
                      index=True))

    def schema_field(self):
        return schema.Links(self.target, **self.schema_options())

    def to_record(self, value, record):
        return record._related(self, value)


class Function(Field):
    """A computed, read-only field.

    ``getter`` names a class method ``getter(records, name) -> {id: value}``
    computing the values of many records at once; ``field`` says the type.
    """

    stored = False

    def __init__(self, field, getter):
        super().__init__(field.string, readonly=True, help=field.help)
        self.field = field
        self.getter = getter

    def bind(self, name, model_name, owner):
        bound = super().bind(name, model_name, owner)
        bound.field = self.field.bind(name, model_name, owner)
        return bound

    def column(self):
        return None

    def schema_field(self):
        field = self.field.schema_field()
        field.dump_only = True
        return field

    def to_record(self, value, record):
        return self.field.to_record(value, record)
