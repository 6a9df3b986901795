"""How a batch of rows reaches each backend: the statements only one backend runs.

SQLite gets plain tuples through one ``executemany`` and numbers a batch's
ids itself; PostgreSQL through psycopg gets one array parameter per column
(``unnest``), the foreign keys of a big batch checked once in the same
statement (``core/foreign_keys.py``); any other backend gets SQLAlchemy's
own batch statements.  What the rows mean (defaults, children, links) is
:mod:`core.model.storage`'s.
"""
import re

import sqlalchemy as sa

from .. import errors, foreign_keys, pg_arrays


def _array_type(column_type, dialect):
    """The SQL array type of a column's values, without length or scale (the column applies those)."""
    return re.sub(r"\(.*?\)", "", column_type.compile(dialect)).strip() + "[]"


def _insert_rows(env, table, rows):
    """Insert ``rows`` (dicts with the same keys) with one ``executemany`` of plain tuples.

    What ``connection.execute(table.insert(), rows)`` does, without building
    a parameter dictionary per row: the column types' own bind processors
    convert the values, once per column, and the driver gets tuples.  At
    ten thousand rows that halves the time spent outside the database.
    """
    connection = env.connection
    dialect = connection.dialect
    names = list(rows[0])
    if dialect.paramstyle != "qmark" or not names:   # other drivers keep SQLAlchemy's way
        env.execute(table.insert(), rows)
        return
    columns = [table.c[name] for name in names]
    processors = [column.type.dialect_impl(dialect).bind_processor(dialect) for column in columns]
    values = [[row[name] for row in rows] for name in names]
    for position, process in enumerate(processors):
        if process is not None:
            values[position] = [process(value) for value in values[position]]
    quote = dialect.identifier_preparer.quote
    statement = (f"INSERT INTO {quote(table.name)} ({', '.join(quote(name) for name in names)}) "
                 f"VALUES ({', '.join('?' * len(names))})")
    connection.exec_driver_sql(statement, list(zip(*values)))


class BulkRows:
    """Rows in and rows rewritten, a whole batch per statement, each backend its fastest way."""

    @classmethod
    def _insert(cls, rows):
        """Insert ``rows`` in a few multi-row statements; return their ids in order.

        SQLite cannot tell which generated id belongs to which row of a batch
        insert, but it numbers new rows one above the table's largest id while
        the transaction holds the write lock: the batch gets the ids that
        follow the largest id before it, which one query confirms.  PostgreSQL
        through psycopg takes the whole batch in one statement (see
        ``_insert_arrays``).  Elsewhere SQLAlchemy's RETURNING with
        ``sort_by_parameter_order`` does the work.
        """
        env, table = cls._env, cls._table
        if env.connection.dialect.driver == "psycopg" and len(rows) > 1:
            ids = cls._insert_arrays(rows)
            if ids is not None:
                return ids
        if env.connection.dialect.name != "sqlite":
            statement = table.insert().returning(table.c.id, sort_by_parameter_order=True)
            return list(env.execute(statement, rows).scalars())
        _insert_rows(env, table, rows[:1])   # takes the write lock, then its id is the table's largest
        first = env.execute(sa.select(sa.func.max(table.c.id))).scalar_one()
        if len(rows) > 1:
            _insert_rows(env, table, rows[1:])
        count, low, high = env.execute(
            sa.select(sa.func.count(), sa.func.min(table.c.id), sa.func.max(table.c.id)).where(table.c.id >= first)
        ).one()
        if (count, low, high) != (len(rows), first, first + len(rows) - 1):
            raise RuntimeError(f"{cls._name}: ids of a batch insert are not consecutive: {(count, low, high)}")
        return list(range(first, first + len(rows)))

    @classmethod
    def _insert_arrays(cls, rows):
        """PostgreSQL (psycopg): insert ``rows`` in one short statement, one array parameter per column.

        A multi-row ``VALUES`` list carries thousands of parameters, and psycopg
        parses such a long query anew on every call; arrays keep the text the
        same whatever the batch size.  The rows go in in their order (``ORDER
        BY`` their position), so the table's sequence numbers them in that
        order: the ids returned, sorted, are the rows' in order (what
        SQLAlchemy's own batch inserts rely on for PostgreSQL's serial keys).
        Returns None when a column cannot be sent as one array (see
        ``_arrays``): the caller then inserts the usual way.  A big batch's
        foreign keys are checked in the same statement, once for the batch
        instead of once per row (see ``core/foreign_keys.py``).
        """
        env, table = cls._env, cls._table
        names = list(rows[0])
        arrays = cls._arrays(rows, names)
        if arrays is None:
            return None
        source, params, lists = arrays
        quote = env.connection.dialect.identifier_preparer.quote
        columns = ", ".join(quote(name) for name in names)
        check = foreign_keys.batch_check(env.connection, table, lists)
        insert = (f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} "
                  f"FROM {source} WITH ORDINALITY AS kitwork_source({columns}, kitwork_position) "
                  f"{f'WHERE {check.guard} ' if check else ''}ORDER BY kitwork_position RETURNING id")
        if check is None:
            return sorted(env.connection.exec_driver_sql(insert, params).scalars())
        params.update(check.params)
        statement = (f"WITH {check.found}, kitwork_insert AS ({insert}), {check.restored('kitwork_insert')} "
                     f"SELECT id, {check.columns} FROM kitwork_insert")
        ids = check.finish(env.connection.exec_driver_sql(statement, params).all())
        if isinstance(ids, dict):
            cls._refuse_missing(ids)
        return sorted(ids)

    @classmethod
    def _refuse_missing(cls, missing):
        """Name the first column whose values reference missing records, as the input checks do."""
        if not missing:   # not there for the insert, there now: another transaction committed meanwhile
            raise errors.UserError(f"cannot create {cls._name} records: a record they refer to was changed by "
                                   f"another transaction while they were inserted; nothing was created, try again")
        name, ids = next(iter(missing.items()))
        field = cls._fields.get(name)
        target = getattr(field, "target", None) or "record"
        raise errors.ValidationError(f"invalid {cls._name}: {name}: no {target} with id {', '.join(map(str, ids))}",
                                     {name: [f"No {target} with id {ids[0]}."]})

    @classmethod
    def _arrays(cls, rows, names):
        """PostgreSQL (psycopg): ``(sql, params, lists)``: ``unnest(…)`` of the columns ``names`` of ``rows``.

        ``lists`` has each column's values as a list, ``params`` as an array.

        For ``exec_driver_sql``: the arrays are sent in psycopg's binary
        format (``%(c0)b``), which both sides handle several times faster
        than array text.  None when a column mixes Python types other than
        ints and floats (psycopg sends arrays of one type only).  Arrays are
        cast to the column's type without length or scale: the column
        applies those as for any value.
        """
        dialect = cls._env.connection.dialect
        params, casts, lists = {}, [], {}
        for position, name in enumerate(names):
            values = lists[name] = [row.get(name) for row in rows]
            kinds = {type(v) for v in values} - {type(None)}
            if len(kinds) > 1:
                if not kinds <= {int, float}:
                    return None
                values = [None if v is None else float(v) for v in values]
            params[f"c{position}"] = pg_arrays.pack(values) or values
            casts.append(f"CAST(%(c{position})b AS {_array_type(cls._table.c[name].type, dialect)})")
        return f"unnest({', '.join(casts)})", params, lists

    @classmethod
    def _write_each(cls, rows):
        """Write different values on many records in one statement.

        ``rows`` are dicts with the same keys: ``id`` and column values
        (already converted).  For set-based updates such as renumbering.
        """
        if not rows:
            return
        table = cls._table
        names = [k for k in rows[0] if k != "id"]
        if not (cls._env.connection.dialect.driver == "psycopg" and cls._update_arrays(rows, names)):
            statement = (table.update().where(table.c.id == sa.bindparam("_id"))
                         .values({name: sa.bindparam(f"_{name}") for name in names}))
            cls._env.execute(statement, [{f"_{k}": v for k, v in row.items()} for row in rows])
        cls._env._invalidate()

    @classmethod
    def _update_arrays(cls, rows, names):
        """PostgreSQL (psycopg): ``_write_each`` as one ``UPDATE … FROM unnest(…)``; False if it cannot."""
        if len(rows) < 2 or len({row["id"] for row in rows}) != len(rows):
            return False   # one row, or an id twice (executemany applies both, in order)
        arrays = cls._arrays(rows, ["id", *names])
        if arrays is None:
            return False
        source, params, _ = arrays
        quote = cls._env.connection.dialect.identifier_preparer.quote
        table = quote(cls._table.name)
        columns = [quote(name) for name in names]
        cls._env.connection.exec_driver_sql(
            f"UPDATE {table} SET {', '.join(f'{c} = kitwork_source.{c}' for c in columns)} "
            f"FROM {source} AS kitwork_source(id, {', '.join(columns)}) WHERE {table}.id = kitwork_source.id", params)
        return True
