"""Modules coming and going on databases that already hold data.

Activating a module on a database in use runs its migrations on tables with
rows; the rows then get what the new fields declare: each column a newly
enabled branch adds to a table that was already there is filled, where
empty, with the field's default (``default_<field>()`` or ``default=``), in
one statement per column, as Tryton fills a column it adds.

Deactivating a module keeps its tables and columns, as Tryton keeps the
columns of a field no module declares any more: the data stays, for the
day the module comes back.  Only what would stop the remaining modules is
undone: a required column the module added to a table of a module that
stays becomes nullable (the remaining modules insert rows without it).
Activating the module again fills those columns where they are empty with
their default, lets the module fill what no default gives (the
``core_modules_reactivated`` hook), and makes them required again; a row
left without a value refuses the activation, naming the model, the field and
the number of rows.
"""
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.operations import Operations

from . import errors, modules
from .migration import batch_reflection_of_one_table


def branches_of(pool, name):
    """The owners in ``pool`` (branches: ``name``, ``name+extra``, ``other+name``…) that module ``name`` enables."""
    owners = {f.owner for model in pool.models.values() for f in model._fields.values()}
    return {owner for owner in owners if name in (modules.split_owner(owner)[0], *modules.split_owner(owner)[1])}


def added_fields(pool, branches, table_owners):
    """``[(model name, field)]`` of the stored fields ``branches`` own on the tables of ``table_owners``."""
    return [(name, field) for name, model in pool.models.items() if pool.owners[name] in table_owners
            for field in model._fields.values() if field.stored and field.owner in branches]


def fill(env, fields):
    """Give each field's declared default to the rows where its column is empty: one UPDATE per column.

    ``fields``: ``(model name, field)`` pairs, as :func:`added_fields` gives
    for the branches an activation enables on the tables that were there.
    """
    for name, field in fields:
        model = env[name]
        default = field.to_sql(model._default_of(field.name, field))
        if default is not None:
            column = model.table.c[field.name]
            env.execute(model.table.update().where(column.is_(None)).values({field.name: default}))
    env._invalidate()


def require(env, fields):
    """Make NOT NULL again the required columns of ``fields`` that are nullable (a deactivation relaxed them).

    A row still without a value refuses it (UserError naming the model, the
    field and how many rows); returns the ``(table, column)`` pairs made
    required.
    """
    nullable = _nullable_columns(env.connection, {env[name].table.name for name, field in fields if field.required})
    restored = []
    for name, field in fields:
        model = env[name]
        if field.required and (model.table.name, field.name) in nullable:
            column = model.table.c[field.name]
            empty = env.execute(sa.select(sa.func.count()).select_from(model.table).where(column.is_(None))).scalar()
            if empty:
                raise errors.UserError(
                    f"cannot activate {field.owner!r}: {empty} row(s) of {name} have no {field.name} "
                    f"({name}.{field.name} is required and declares no default); give them one, then "
                    f"activate again")
            restored.append((model.table, column))
    _set_nullable(env.connection, restored, False)
    return [(table.name, column.name) for table, column in restored]


def relax(connection, pool, branches):
    """Make nullable the required columns ``branches`` added to tables of other branches; return them."""
    owners = {owner for owner in pool.owners.values() if owner not in branches}
    relaxed = [(pool.models[name].table, pool.models[name].table.c[field.name])
               for name, field in added_fields(pool, branches, owners) if field.required]
    _set_nullable(connection, relaxed, True)
    return [(table.name, column.name) for table, column in relaxed]


def _nullable_columns(connection, tables):
    inspector = sa.inspect(connection)
    return {(table, column["name"]) for table in tables
            for column in inspector.get_columns(table) if column["nullable"]}


def _set_nullable(connection, columns, nullable):
    """ALTER each column's NULL constraint (SQLite rebuilds each table once, as its migrations do)."""
    by_table = {}
    for table, column in columns:
        by_table.setdefault(table.name, []).append(column)
    operations = Operations(MigrationContext.configure(connection))
    with batch_reflection_of_one_table():
        for table, table_columns in by_table.items():
            with operations.batch_alter_table(table) as batch:
                for column in table_columns:
                    batch.alter_column(column.name, existing_type=column.type, nullable=nullable)
