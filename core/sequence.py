"""Numbering sequences (``S0001``, ``P0001``…), safe under concurrency.

One row per sequence holds the last number given; taking numbers is one
``UPDATE … RETURNING`` that locks the row until the transaction ends, so two
transactions never get the same number and a rolled-back one gives its
numbers back.
"""
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

sequence_table = sa.Table(
    "kitwork_sequence", sa.MetaData(),
    sa.Column("name", sa.String(128), primary_key=True),
    sa.Column("last", sa.Integer(), nullable=False),
)


def next_numbers(connection, name, count):
    table = sequence_table
    insert = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}.get(connection.dialect.name)
    if insert is not None:
        connection.execute(insert(table).values(name=name, last=0).on_conflict_do_nothing())
    elif connection.execute(sa.select(table.c.name).where(table.c.name == name)).first() is None:
        connection.execute(table.insert().values(name=name, last=0))
    last = connection.execute(
        table.update().where(table.c.name == name).values(last=table.c.last + count).returning(table.c.last)
    ).scalar_one()
    return list(range(last - count + 1, last + 1))
