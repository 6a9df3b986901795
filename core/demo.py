"""``kitwork demo``: a readable walk through what the built-in modules do.

It runs on a fresh SQLite database in a temporary folder (or on ``--db``,
which must not have any module active yet), activates every built-in module
and exercises them through the public Python API.  Each module contributes
its chapter through the ``demo`` function of its package, when it has one,
so the walk grows with the modules.  A chapter that makes files for the
user to open takes a ``folder`` argument: where to write them (``kitwork
demo --out``, default the current folder).
"""
import importlib
import inspect
import tempfile
from pathlib import Path

from . import errors
from .database import Database


def run(url, out, folder):
    """Walk through the modules on ``url`` (default: a throw-away SQLite file); files made go to ``folder``."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="kitwork-demo-") as temporary:
            _walk(Database(f"sqlite:///{Path(temporary) / 'demo.db'}"), out, folder)
        return
    _walk(Database(url), out, folder)


def _walk(database, out, folder):
    if database.active_modules:
        raise errors.UserError(f"kitwork demo needs a new database, and {database!r} already has modules active")
    builtin = sorted(n for n, m in database.available_modules().items() if m.builtin)
    out.write(f"Kitwork demo on {database!r}\n\n")
    activated = database.activate(*builtin)
    out.write(f"Activated {len(activated)} modules, dependencies first: {', '.join(activated)}\n")
    for name in database.active_modules:
        chapter = getattr(importlib.import_module(database.available_modules()[name].package), "demo", None)
        if chapter is not None:
            out.write(f"\n== {name} ==\n")
            if "folder" in inspect.signature(chapter).parameters:
                chapter(database, out, folder=folder)
            else:
                chapter(database, out)
    database.close()
    out.write("\nDone.\n")
