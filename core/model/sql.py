"""SQL helpers every room of the model uses: id lists that fit one statement, and ``IN`` as each backend runs it fastest."""
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal

CHUNK = 2000   # ids per IN (...) list: well under every backend's parameter limit
MAX_ID = 2 ** 31 - 1   # ids are INTEGER columns


def is_list(value):
    """Whether an argument can be a list of things: iterable, and not a string or a mapping."""
    return isinstance(value, Iterable) and not isinstance(value, (str, bytes, dict))


def chunks(seq, size=CHUNK):
    seq = list(seq)
    for start in range(0, len(seq), size):
        yield seq[start:start + size]


def batches(env, seq):
    """``seq`` in lists that fit one :func:`in_`: all at once on PostgreSQL (one array), else CHUNK at a time."""
    seq = list(seq)
    if env.connection.dialect.name == "postgresql":
        return [seq] if seq else []
    return list(chunks(seq))


def in_(column, values, negate=False):
    """``column IN (values)`` (``NOT IN`` with ``negate``) in the form the backend runs fastest.

    PostgreSQL gets ``column = ANY(:array)`` (``<> ALL``): one parameter
    whatever the number of values, so the query text stays short and psycopg
    parses it once instead of once per call; elsewhere (SQLite) a plain IN
    list.  Integers that are exactly a range (a batch of ids created
    together, as most big batches are) become ``BETWEEN low AND high``: two
    parameters, and an index range scan.  A sub-query, SQL expressions among the values, or values of
    mixed Python types (which psycopg cannot send as one array) keep the IN
    form everywhere.
    """
    if not isinstance(values, sa.sql.ClauseElement):
        values = list(values)
        if len(values) > 16 and all(type(v) is int for v in values):
            low, high = min(values), max(values)
            if high - low + 1 == len(set(values)):   # exactly a range: the ids of a batch just created
                return sa.not_(column.between(low, high)) if negate else column.between(low, high)
        kinds = {type(v) for v in values if v is not None}
        if len(kinds) <= 1 and not any(issubclass(kind, sa.sql.ClauseElement) for kind in kinds):
            return _InList(column, values, negate)
    return column.not_in(values) if negate else column.in_(values)


class _InList(sa.sql.expression.ColumnElement):
    """See :func:`in_`: both forms are built, the dialect picks one when compiling."""

    inherit_cache = True
    _is_implicitly_boolean = True
    type = sa.Boolean()
    _traverse_internals = [("listed", InternalTraversal.dp_clauseelement),
                           ("array", InternalTraversal.dp_clauseelement)]

    def __init__(self, column, values, negate):
        self.listed = column.not_in(values) if negate else column.in_(values)
        item_type = sa.BigInteger() if isinstance(column.type, sa.Integer) else column.type
        param = sa.bindparam(None, values, type_=postgresql.ARRAY(item_type))
        self.array = column != sa.all_(param) if negate else column == sa.any_(param)


@compiles(_InList)
def _compile_in_list(element, compiler, **kw):
    return compiler.process(element.listed, **kw)


@compiles(_InList, "postgresql")
def _compile_any(element, compiler, **kw):
    return compiler.process(element.array, **kw)
