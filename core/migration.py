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
import threading
from pathlib import Path

import alembic
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.operations import batch
from alembic.migration import MigrationContext
from alembic.runtime.environment import EnvironmentContext
from alembic.script import ScriptDirectory
from alembic.util import CommandError
import sqlalchemy as sa

from . import errors, modules

# alembic 1.16 renamed the option; both mean "split version_locations on os.pathsep".
PATH_SEPARATOR_OPTION = "path_separator" if tuple(
    int(p) for p in alembic.__version__.split(".")[:2]) >= (1, 16) else "version_path_separator"
IGNORED_TABLES = {"alembic_version", "kitwork_module", "kitwork_sequence", "kitwork_module_deactivated"}
_scripts = {}   # the revisions of a set of version folders as their files are now (see script_directory)
_scripts_lock = threading.Lock()
_heads = {}     # id(ScriptDirectory) -> (branch heads, ancestry): see pending (the scripts above live as long as the process)


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
    """The revisions of ``cfg``, read once per process and set of revision files.

    alembic reads and compiles every revision file each time it builds a
    ScriptDirectory, which ``command.upgrade`` does once per call: with one
    call per branch that was a third of an activation.  Checking a database
    for pending migrations when it is first used needs them too.  The key
    is the folders' revision files with their sizes and times, so a module
    installed or rewritten meanwhile is read again.
    """
    if "script" not in cfg.attributes:
        folders = cfg.get_main_option("version_locations").split(os.pathsep)
        key = tuple((folder, tuple(sorted((entry.name, entry.stat().st_size, entry.stat().st_mtime_ns)
                                          for entry in os.scandir(folder) if entry.name.endswith(".py"))))
                    for folder in folders if folder)
        with _scripts_lock:
            if key not in _scripts:
                _scripts[key] = ScriptDirectory.from_config(cfg)
            cfg.attributes["script"] = _scripts[key]
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


def upgrade(connection, available, manifests, only=None, cfg=None, targets=None):
    """Bring the enabled branches (or those of ``only``) to their heads.

    ``targets`` (``{branch: revision}``) stops those branches at an earlier
    revision (an upgrade test's starting point).  A revision that fails is a
    UserError naming it and what the database said.
    """
    cfg = cfg or config(connection, available)
    branches = enabled_branches(manifests, branch_labels(cfg))
    for branch in branches:
        if only is None or branch in only:
            _upgrade(cfg, (targets or {}).get(branch) or f"{branch}@head")
    return branches


def _upgrade(cfg, target):
    """What ``alembic.command.upgrade(cfg, target)`` does, on the Config's one ScriptDirectory."""
    script = script_directory(cfg)
    running = []

    def steps(revision, context):
        for step in script._upgrade_revs(target, revision):
            running[:] = [step.revision]
            yield step

    try:
        with EnvironmentContext(cfg, script, fn=steps, as_sql=False, starting_rev=None,
                                destination_rev=target, tag=None):
            script.run_env()
    except sa.exc.DBAPIError as exc:
        if not running or isinstance(exc, sa.exc.OperationalError) and exc.connection_invalidated:
            raise
        raise errors.UserError(_failed(running[0], exc)) from exc


def _failed(revision, exc):
    """The sentence of a revision the database refused: which one, why, and what to do for the usual cause."""
    text = " ".join(str(getattr(exc, "orig", None) or exc).split())
    advice = ""
    if "null" in text.lower():
        advice = (" Rows already in the table need a value before the column is required: give the column "
                  "a server_default, or fill it with op.execute() before making it NOT NULL (see the "
                  "documentation's data migrations).")
    return (f"migration {revision.revision} of branch {_branch_of(revision)!r} "
            f"({Path(revision.path).name}) failed, nothing was changed: {text[:300]}.{advice}")


def _branch_of(revision):
    return next(iter(revision.branch_labels), "?")


def targets(cfg, revisions):
    """``{branch: revision}`` of revision ids (a UserError names one that no module has)."""
    script = script_directory(cfg)
    result = {}
    for revision_id in revisions:
        try:
            revision = script.get_revision(revision_id)
        except CommandError:   # unknown or ambiguous
            revision = None
        if revision is None or revision.revision != revision_id:
            raise errors.UserError(f"no module has the migration {revision_id!r}")
        result[_branch_of(revision)] = revision_id
    return result


def pending(connection, available, manifests):
    """``{branch: [revision ids]}``: what ``kitwork upgrade`` would apply to the enabled branches.

    Empty when the database is at the head of every branch its active
    modules enable.  Reads the version table, and the revisions once per
    process (see :func:`script_directory`).
    """
    cfg = config(connection, available)
    script = script_directory(cfg)
    if id(script) not in _heads:   # once per set of revision files: each branch's head, each revision's past
        below = {}

        def past(revision_id):
            if revision_id not in below:
                revision = script.get_revision(revision_id)
                below[revision_id] = {revision_id}.union(*(past(r) for r in revision._all_down_revisions))
            return below[revision_id]
        _heads[id(script)] = ({label: script.get_revision(f"{label}@head").revision for label in branch_labels(cfg)},
                              past)
    branch_heads, past = _heads[id(script)]
    branches = enabled_branches(manifests, branch_heads)
    heads = MigrationContext.configure(connection).get_current_heads()
    applied = set().union(*(past(head) for head in heads))
    if applied.issuperset(branch_heads[branch] for branch in branches):
        return {}   # every enabled branch's head applied: the common case, one query
    result = {}
    for branch in branches:
        for step in script._upgrade_revs(f"{branch}@head", heads):
            result.setdefault(_branch_of(step.revision), []).append(step.revision.revision)
    return {branch: list(dict.fromkeys(revisions)) for branch, revisions in result.items()}


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
    """What autogenerate finds between the database and the composed models.

    Tables no model declares (another application's, a library's such as
    procrastinate's) are left out with their indexes, and so is a model read
    from a view (its module's migration makes one, as queue's on
    PostgreSQL): autogenerate knows tables only.
    """
    ignored = IGNORED_TABLES | set(sa.inspect(connection).get_view_names())
    declared = set(metadata.tables)

    def include(obj, name, kind, reflected, compare_to):
        table = name if kind == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table not in ignored and (table is None or table in declared)

    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": include})
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
            if not (item[0].startswith("remove_") and _not_ours(item, pool)):
                problems.append(_describe(item, pool, models))
    return problems


def _not_ours(item, pool):
    """Whether what the models lack is not theirs to judge: a table (or its index) no active model
    declares, or a column (or its index or constraint) a deactivated module keeps."""
    if item[0] == "remove_table":
        return True
    table, column = _where(item)
    return table not in pool.metadata.tables or (table, column) in pool.kept_columns


def _where(item):
    """``(table, column)`` an autogenerate difference is about (column: the first of an index or constraint)."""
    kind = item[0]
    if kind == "add_table":
        return item[1].name, None
    if kind in ("add_column", "remove_column"):
        return item[2], item[3].name
    if kind.startswith("modify_"):
        return item[2], item[3]
    column = next(iter(getattr(item[1], "columns", ())), None)   # indexes, unique and foreign-key constraints
    return item[1].table.name, getattr(column, "name", column)


def _describe(item, pool, models):
    kind = item[0]
    table, column = _where(item)
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
