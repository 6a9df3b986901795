"""Generating a module's next migration from its models (``kitwork revision``).

The comparison runs against a throw-away SQLite database brought to the head
of every branch the module needs, so the new revision holds exactly what the
module's models declare and its migrations do not yet create.

The revision must work on a database whose tables hold rows: a required
column added to a table that exists gets its field's default as a server
default, so the rows already there take it; a required field whose default
is computed (``default_<field>()``, a callable) or absent cannot be filled
by the database alone, so the column is added nullable, then made NOT NULL,
with a comment between the two saying to fill the rows there (a data
migration, see the documentation).
"""
import datetime
import decimal
import functools
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import renderers
from alembic.operations import ops

from . import errors, migration, modules
from .database import create_engine
from .pool import get_pool


def generate(branch, message, notes=None):
    """Write the next revision of ``branch`` (a module, or ``module+extra``); its path, or None if nothing differs.

    ``notes`` (a list) gets a sentence per required column whose existing
    rows the revision leaves to its author to fill.
    """
    available = modules.discover()
    module_name, extras = modules.split_owner(branch)
    modules.resolve([module_name, *extras], available)   # they must all exist
    for extra in extras:
        if extra not in available[module_name].extras:
            raise errors.ModuleError(f"{extra!r} is not an extra of module {module_name!r}")
    # Every module at its head, every integration enabled: autogenerate wants
    # the database at all heads, and the module's tables next to all others.
    manifests = [available[n] for n in modules.resolve(sorted(available), available)]
    pool = get_pool(manifests)
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'revision.db'}")
        try:
            with engine.connect() as connection, connection.begin():
                migration.upgrade(connection, available, manifests)
                if not [d for d in migration.differences(connection, pool.metadata)]:
                    return None
                return revision(connection, available, manifests, pool, branch, message, notes)
        finally:
            engine.dispose()


class FillRows(ops.MigrateOperation):
    """Where a data migration fills a new required column's existing rows: a comment in the revision."""

    def __init__(self, table, column, model):
        self.table, self.column, self.model = table, column, model

    def reverse(self):
        return self


@renderers.dispatch_for(FillRows)
def _render_fill_rows(autogen_context, op):
    return (f"# {op.model}.{op.column} is required, and its default is not a constant: give the rows already "
            f"in {op.table} a value\n# before the column becomes NOT NULL, e.g.\n"
            f"# op.execute(\"UPDATE {op.table} SET {op.column} = ... WHERE {op.column} IS NULL\")")


def _rows_safe(pool, notes, context, revision_, directives):
    """Make each required column added to an existing table safe for the rows already there."""
    models = {model._table.name: model for model in pool.models.values()}
    script = directives[0]
    for upgrade_ops in script.upgrade_ops_list:
        result = []
        for op in upgrade_ops.ops:
            result.append(op)
            if not isinstance(op, ops.ModifyTableOps):
                continue
            for added in op.ops:
                if not isinstance(added, ops.AddColumnOp) or added.column.nullable:
                    continue
                model = models[op.table_name]
                column = added.column
                literal = _constant_default(model, column.name)
                if literal is not None:
                    column.server_default = sa.DefaultClause(sa.text(literal))
                    continue
                column.nullable = True
                result.append(FillRows(op.table_name, column.name, model._name))
                result.append(ops.ModifyTableOps(op.table_name, [ops.AlterColumnOp(
                    op.table_name, column.name, existing_type=column.type, modify_nullable=False)]))
                if notes is not None:
                    notes.append(f"{model._name}.{column.name} is required and its default is not a constant: "
                                 f"fill the rows already in {op.table_name} where the revision says, before "
                                 f"the NOT NULL")
        upgrade_ops.ops[:] = result


def _constant_default(model, name):
    """The SQL literal of field ``name``'s default when it is a constant the database can hold, else None."""
    field = model._fields[name]
    value = field.default
    if getattr(model, f"default_{name}", None) is not None or value is None or callable(value):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float, decimal.Decimal)):
        return str(field.to_sql(value))
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return f"'{value.isoformat()}'"
    return None


def _without_implied(names, available):
    """``names`` less those another of them already depends on.

    alembic loses track of a dependency listed twice (directly, and through
    another dependency), so a branch depends on the smallest set.
    """
    implied = set()
    for name in names:
        implied.update(n for n in modules.resolve([name], available) if n != name)
    return [n for n in names if n not in implied]


def _branch_metadata(pool, branch, existing):
    """The composed tables, where a table ``branch`` creates keeps only its own columns.

    Columns other branches add to that table belong in their own revisions.
    """
    metadata = sa.MetaData(naming_convention=pool.metadata.naming_convention)
    for table in pool.metadata.sorted_tables:
        if table.name in existing or pool.owner_of(table.name) != branch:
            table.to_metadata(metadata)
            continue
        columns = [
            sa.Column(c.name, c.type,
                      *[sa.ForeignKey(fk.target_fullname, ondelete=fk.ondelete) for fk in c.foreign_keys],
                      primary_key=c.primary_key, nullable=c.nullable, unique=c.unique, index=c.index)
            for c in table.columns if c.primary_key or pool.owner_of(table.name, c.name) == branch]
        copy = sa.Table(table.name, metadata, *columns)
        for index in table.indexes:
            if pool.index_owners.get(index.name) == branch:
                sa.Index(index.name, *[copy.c[c.name] for c in index.columns])
    return metadata


def revision(connection, available, manifests, pool, branch, message, notes=None):
    """Autogenerate a revision holding what ``branch`` owns and the database lacks.

    The database must be at the head of every enabled branch.  Returns the
    path of the new revision file; ``notes`` (a list) gets a sentence for
    each required column the revision cannot fill by itself (see
    :func:`_rows_safe`).
    """
    module_name, extras = modules.split_owner(branch)
    manifest = available.get(module_name)
    if manifest is None or module_name not in [m.name for m in manifests]:
        raise errors.ModuleError(f"module {module_name!r} is not active in this database")
    for extra in extras:
        if extra not in manifest.extras:
            raise errors.ModuleError(f"{branch!r}: {extra!r} is not an extra of {module_name!r}")

    def owned(obj, name, kind, reflected, compare_to):
        if reflected:
            return False
        if kind == "table":   # a table another branch owns is compared for this branch's columns
            return pool.owner_of(name) == branch or compare_to is not None
        if kind == "column":
            return pool.owner_of(obj.table.name, name) == branch
        if kind == "index" and name in pool.index_owners:
            return pool.index_owners[name] == branch
        columns = list(getattr(obj, "columns", ()))
        return not columns or pool.owner_of(obj.table.name, columns[0].name) == branch

    folder = manifest.path / "migrations"
    folder.mkdir(exist_ok=True)
    existing = set(sa.inspect(connection).get_table_names())
    cfg = migration.config(connection, available, _branch_metadata(pool, branch, existing), owned)
    cfg.attributes["process_revision_directives"] = functools.partial(_rows_safe, pool, notes)
    labels = migration.branch_labels(cfg)
    prefix = branch.replace("+", "_")
    options = {"rev_id": f"{prefix}_{len(list(folder.glob(f'{prefix}_[0-9]*.py'))) + 1:04d}"}
    if branch in labels:
        options["head"] = f"{branch}@head"
    else:
        if extras:
            depends = [module_name, *extras]
        else:
            depends = list(manifest.depends)
        depends = [d for d in _without_implied(depends, available) if d in labels]
        options.update(head="base", branch_label=branch, depends_on=depends or None)
    script = command.revision(cfg, message=message, autogenerate=True,
                              version_path=str(folder), **options)
    return Path(script.path)
