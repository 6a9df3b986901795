"""The base of every field, and the mixins and wrappers the field types share.

:class:`Field` is the descriptor through which records read a composed
model's values; :class:`Bounded` gives ordered types their ``min``/``max``;
:class:`Function` computes a read-only value of any type.
"""
import copy

import marshmallow
import sqlalchemy as sa
from marshmallow import validate as mm_validate

from .. import errors


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
