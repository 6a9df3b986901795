"""Generating a module's next migration from its models (``kitwork revision``).

The comparison runs against a throw-away SQLite database brought to the head
of every branch the module needs, so the new revision holds exactly what the
module's models declare and its migrations do not yet create.
"""
import tempfile
from pathlib import Path

from . import errors, migration, modules
from .database import create_engine
from .pool import get_pool


def generate(branch, message):
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
                return migration.revision(connection, available, manifests, pool, branch, message)
        finally:
            engine.dispose()
