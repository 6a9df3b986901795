"""The fields relating records: to one record (of a model or of any), to many, and through a table of pairs."""
import sqlalchemy as sa

from .. import schema
from .base import Field


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
