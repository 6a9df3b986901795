"""Per-module migrations with alembic.

One alembic environment and one version table serve every module; each
module's revisions live in its own ``migrations/`` folder, in a version branch
labelled with the module's name whose first revision ``depends_on`` the
branches of the module's dependencies.  What a module adds to the models of
another module it merely integrates with (an *extra*) lives in a branch
labelled ``module+extra`` (or ``module+extra+extra``), upgraded once all
of them are active.

Alembic is asked to upgrade ``<branch>@head`` for each enabled branch, never
``heads``: which modules are active is Kitwork's business (its module table),
not alembic's.
"""
import contextlib
import os
from pathlib import Path

import alembic
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import batch
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
import sqlalchemy as sa

from . import errors, modules

# alembic 1.16 renamed the option; both mean "split version_locations on os.pathsep".
PATH_SEPARATOR_OPTION = "path_separator" if tuple(
    int(p) for p in alembic.__version__.split(".")[:2]) >= (1, 16) else "version_path_separator"
IGNORED_TABLES = {"alembic_version", "kitwork_module", "kitwork_sequence"}


def config(connection, available, metadata=None, include_object=None):
    """An alembic Config seeing the version folders of every available module.

    Every *available* module's folder is listed, not just the active ones:
    the version table may name a revision of any module once active.
    """
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    folders = [str(m.migrations) for m in available.values() if m.migrations is not None]
    cfg.set_main_option(PATH_SEPARATOR_OPTION, "os")
    cfg.set_main_option("version_locations", os.pathsep.join(folders))
    cfg.attributes["connection"] = connection
    cfg.attributes["metadata"] = metadata
    cfg.attributes["include_object"] = include_object
    return cfg


def script_directory(cfg):
    """The revisions of ``cfg``, read once per Config.

    alembic reads and compiles every revision file each time it builds a
    ScriptDirectory, which ``command.upgrade`` does once per call: with one
    call per branch that was a third of an activation.
    """
    if "script" not in cfg.attributes:
        cfg.attributes["script"] = ScriptDirectory.from_config(cfg)
    return cfg.attributes["script"]


def branch_labels(cfg):
    script = script_directory(cfg)
    return {label for revision in script.walk_revisions() for label in revision.branch_labels}


def enabled_branches(manifests, labels):
    """The branches to keep at head for these active modules, in dependency order.

    A module's branch, then each integration branch (``module+extra…``) whose
    modules are all active.
    """
    order = [m.name for m in manifests]
    names = set(order)
    integrations = []
    for label in labels:
        module, extras = modules.split_owner(label)
        if extras and module in names and names.issuperset(extras):
            integrations.append((max(order.index(n) for n in (module,) + extras), label))
    return [n for n in order if n in labels] + [label for _, label in sorted(integrations)]


def upgrade(connection, available, manifests, only=None, cfg=None):
    """Bring the enabled branches (or those of ``only``) to their heads."""
    cfg = cfg or config(connection, available)
    branches = enabled_branches(manifests, branch_labels(cfg))
    for branch in branches:
        if only is None or branch in only:
            _upgrade(cfg, f"{branch}@head")
    return branches


def heads(available, manifests):
    """What :func:`pending` compares with: ``({branch: head revision}, {revision: what applying it implies})``.

    A revision implies itself and every revision it comes after (down
    revisions and ``depends_on``): a branch whose head an integration
    branch's revision comes after is applied though its head is not a row
    of the version table.
    """
    cfg = config(None, available)
    script = script_directory(cfg)
    parents = {r.revision: r._all_down_revisions for r in script.walk_revisions()}
    implied = {}

    def implies(revision):
        if revision not in implied:
            implied[revision] = frozenset({revision}).union(*(implies(p) for p in parents.get(revision, ())))
        return implied[revision]
    wanted = {branch: script.get_revision(f"{branch}@head").revision
              for branch in enabled_branches(manifests, branch_labels(cfg))}
    return wanted, {revision: implies(revision) for revision in parents}


def pending(connection, wanted):
    """The branches not at their head, of ``wanted`` as :func:`heads` returns it."""
    branches, implied = wanted
    applied = set().union(*(implied.get(r, {r}) for r in MigrationContext.configure(connection).get_current_heads()))
    return [branch for branch, head in branches.items() if head not in applied]


def _upgrade(cfg, target):
    """What ``alembic.command.upgrade(cfg, target)`` does, on the Config's one ScriptDirectory."""
    script = script_directory(cfg)

    def steps(revision, context):
        return script._upgrade_revs(target, revision)

    with EnvironmentContext(cfg, script, fn=steps, as_sql=False, starting_rev=None,
                            destination_rev=target, tag=None):
        script.run_env()


@contextlib.contextmanager
def batch_reflection_of_one_table():
    """While migrations run, let SQLite's batch operations reflect only the table they rebuild.

    SQLite cannot alter a column or add a foreign key, so alembic rebuilds
    the table, reading its definition from the database first.  By default
    that reading follows every foreign key and reads the tables it refers
    to, and theirs, for each rebuild: two thirds of activating every module.
    Rebuilding needs only the referred tables' names and columns, which
    alembic takes from the foreign keys themselves (``resolve_fks=False``).
    A migration passing its own ``reflect_kwargs`` keeps them.
    """
    original = batch.BatchOperationsImpl.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.reflect_kwargs = {"resolve_fks": False, **self.reflect_kwargs}

    batch.BatchOperationsImpl.__init__ = init
    try:
        yield
    finally:
        batch.BatchOperationsImpl.__init__ = original


def differences(connection, metadata):
    """What autogenerate finds between the database and the composed models."""
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_object": lambda obj, name, kind, reflected, compare_to: not (
            kind == "table" and name in IGNORED_TABLES),
    })
    return compare_metadata(context, metadata)


def drift(connection, pool):
    """What the database lacks or has beyond the composed models.

    A list of ``(branch, sentence, generated)``: the branch owning the
    difference (a module, or ``module+extra`` for an integration), what
    differs, naming the model and the column, and whether ``kitwork
    revision`` writes the fix (it writes what the models add or change, never
    a drop).  Empty when the migrations build exactly the models.  Tables no
    active model declares are not Kitwork's to judge (the database may hold
    others), so they are left out.
    """
    models = {model_class._table.name: name for name, model_class in pool.models.items()}
    problems = []
    for difference in differences(connection, pool.metadata):
        for item in difference if isinstance(difference, list) else [difference]:
            if item[0] != "remove_table":
                problems.append(_describe(item, pool, models))
    return problems


def _describe(item, pool, models):
    kind = item[0]
    if kind == "add_table":
        table, column = item[1].name, None
    elif kind in ("add_column", "remove_column"):
        table, column = item[2], item[3].name
    elif kind.startswith("modify_"):
        table, column = item[2], item[3]
    else:   # indexes, unique and foreign-key constraints
        table = item[1].table.name
        column = next(iter(getattr(item[1], "columns", ())), None)
        column = getattr(column, "name", column)
    branch = pool.owner_of(table, column) or "?"
    model = models.get(table, f"table {table}")
    what = {
        "add_table": f"model {model} has no table {table} in the database",
        "add_column": f"field {model}.{column} has no column in table {table}",
        "remove_column": f"column {table}.{column} is in the database but model {model} has no such field",
    }.get(kind, f"model {model}: {kind.replace('_', ' ')} {column or ''} differs from the database")
    if kind.startswith("remove_"):
        return branch, (f"module {branch!r}: {what} (drop it in a migration of the {branch} branch, "
                        f"written by hand: kitwork revision does not write drops)"), False
    return branch, f"module {branch!r}: {what}", True


def check_drift(connection, pool):
    """Refuse (UserError) a database whose tables differ from the composed models."""
    problems = drift(connection, pool)
    if problems:
        branches = list(dict.fromkeys(branch for branch, _, generated in problems if generated))
        commands = " and ".join(f"'kitwork revision {branch} -m MESSAGE'" for branch in branches)
        advice = f"Generate the missing migration with {commands}, then" if commands else "Then"
        raise errors.UserError(
            f"the database does not match the models of the active modules: "
            f"{'; '.join(sentence for _, sentence, _ in problems)}. {advice} run 'kitwork upgrade'")


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


def revision(connection, available, manifests, pool, branch, message):
    """Autogenerate a revision holding what ``branch`` owns and the database lacks.

    The database must be at the head of every enabled branch.  Returns the
    path of the new revision file.
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
    cfg = config(connection, available, _branch_metadata(pool, branch, existing), owned)
    labels = branch_labels(cfg)
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
