"""The ``kitwork`` command.

Every command takes ``--db URL``; without it the URL comes from
``KITWORK_DATABASE_URL``, else ``sqlite:///kitwork.db``.  A user error prints
one line on stderr and exits with status 1.
"""
import argparse
import importlib.metadata
import importlib
import sys
from pathlib import Path

from . import errors, modules
from .database import Database

COMMANDS = {}
ANY_DATABASE = set()   # init and demo create theirs, revision and new-module use none; others refuse a missing SQLite file


def command(name, help, existing_database=True):
    def decorate(function):
        COMMANDS[name] = (function, help)
        if not existing_database:
            ANY_DATABASE.add(name)
        return function
    return decorate


def check_database_exists(url):
    """Refuse a SQLite file that does not exist, rather than creating an empty one."""
    db = Database(url)
    try:
        if not db.exists():
            raise errors.UserError(
                f"{db!r} is not a Kitwork database yet: the file {db.engine.url.database} does not exist; "
                f"create it with 'kitwork init --db {url or db.url}'")
    finally:
        db.close()


@command("init", "create the database if needed and activate modules (default: every built-in module)",
         existing_database=False)
def init(args, out):
    db = Database(args.db)
    names = args.module or sorted(n for n, m in db.available_modules().items() if m.builtin)
    new = db.activate(*names)
    out.write(f"{db!r}: activated {', '.join(new) if new else 'nothing new'}\n")
    out.write(f"active modules: {', '.join(db.active_modules)}\n")


@command("modules", "list every available module, whether it is active and whether it needs an upgrade")
def list_modules(args, out):
    db = Database(args.db)
    active, deactivated = set(db.active_modules), set(db.deactivated_modules)
    upgrades = db.needing_upgrade() if active else {}
    rows = [("name", "version", "depends", "state")]
    for name, manifest in sorted(db.available_modules().items()):
        if name in upgrades:
            state = f"active, needs upgrade ({upgrades[name]})"
        elif name in active:
            state = "active"
        else:
            state = "deactivated (data kept)" if name in deactivated else "not active"
        rows.append((name, manifest.version, ", ".join(manifest.depends) or "-", state))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")


@command("activate", "activate modules (and their dependencies) in an existing database")
def activate(args, out):
    db = Database(args.db)
    if not db.active_modules:
        raise errors.UserError(f"{db!r} is not a Kitwork database yet: run 'kitwork init' first")
    new = db.activate(*args.names)
    out.write(f"activated {', '.join(new)}\n" if new else "nothing to activate: already active\n")


@command("deactivate", "deactivate a module, keeping its tables and data (activate it again to restore it)")
def deactivate(args, out):
    db = Database(args.db)
    leaving = db.deactivate(args.name)
    out.write(f"deactivated {args.name}" + (f" (branches {', '.join(leaving)} disabled)" if leaving else "")
              + "; its tables and columns are kept\n")


@command("upgrade", "apply the pending migrations of the active modules")
def upgrade(args, out):
    db = Database(args.db)
    if not db.active_modules:
        raise errors.UserError(f"{db!r} is not a Kitwork database yet: run 'kitwork init' first")
    changed = db.upgrade()
    for name, (old, new) in changed.items():
        out.write(f"{name}: {old} -> {new}\n")
    out.write(f"up to date: {', '.join(db.active_modules)}\n")


@command("revision", "(module authors) autogenerate a migration for a module from its models",
         existing_database=False)
def revision(args, out):
    from .revision import generate
    notes = []
    path = generate(args.module, args.message, notes)
    out.write(f"{path}\n" if path else f"no difference: {args.module}'s migrations match its models\n")
    for note in notes:
        out.write(f"review it: {note}\n")


@command("new-module", "(module authors) write an installable module package NAME/ in the current folder",
         existing_database=False)
def new_module(args, out):
    from .scaffold import write
    root = write(args.name, args.depends or ())
    out.write(f"wrote {root}/: cd {root} && pip install -e '.[test]' && pytest\n")


@command("demo", "walk through what Kitwork does, on a fresh SQLite database", existing_database=False)
def demo(args, out):
    from .demo import run
    run(args.db, out, Path(args.out) if args.out else Path.cwd())


def module_commands():
    """Commands modules bring: a package's ``cli_commands``, a list of
    ``(name, help, function(args, out), add_arguments(parser))``."""
    found = {}
    for manifest in modules.discover().values():
        package = importlib.import_module(manifest.package)
        for name, help, function, add_arguments in getattr(package, "cli_commands", ()):
            found[name] = (function, help, add_arguments)
    return found


def installed_version():
    """The version of the installed distribution ``kitwork`` (the source's own when it is not installed)."""
    try:
        return importlib.metadata.version("kitwork")
    except importlib.metadata.PackageNotFoundError:
        return "(not installed)"


def parser():
    main_parser = argparse.ArgumentParser(prog="kitwork", description="Kitwork, a modular order-to-supply engine.")
    main_parser.add_argument("--version", action="version", version=f"kitwork {installed_version()}")
    subparsers = main_parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (function, help, add_arguments) in module_commands().items():
        sub = subparsers.add_parser(name, help=help, description=help)
        sub.add_argument("--db", metavar="URL", help="SQLAlchemy database URL "
                         "(default: $KITWORK_DATABASE_URL, else sqlite:///kitwork.db)")
        sub.set_defaults(function=function)
        add_arguments(sub)
    for name, (function, help) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help, description=help)
        sub.add_argument("--db", metavar="URL", help="SQLAlchemy database URL "
                         "(default: $KITWORK_DATABASE_URL, else sqlite:///kitwork.db)")
        sub.set_defaults(function=function)
        if name == "init":
            sub.add_argument("--module", action="append", metavar="NAME", help="a module to activate (repeatable)")
        elif name == "activate":
            sub.add_argument("names", nargs="+", metavar="NAME")
        elif name == "deactivate":
            sub.add_argument("name", metavar="NAME")
        elif name == "new-module":
            sub.add_argument("name", metavar="NAME", help="the module's name (a Python package name)")
            sub.add_argument("--depends", action="append", metavar="MODULE",
                             help="a module it depends on (repeatable)")
        elif name == "revision":
            sub.add_argument("module", metavar="MODULE", help="module name, or module+extra for an integration")
            sub.add_argument("-m", "--message", required=True)
        elif name == "demo":
            sub.add_argument("--out", metavar="DIR", help="where chapters write the files they make (an invoice's "
                                                          "PDF); default: the current folder")
    return main_parser


def main(argv=None, out=None):
    out = out or sys.stdout
    args = parser().parse_args(argv)
    try:
        if args.command not in ANY_DATABASE:
            check_database_exists(args.db)
        args.function(args, out)
    except errors.UserError as exc:
        message = " ".join(str(exc).split())
        sys.stderr.write(f"kitwork {args.command}: error: {message}\n")
        return 1
    return 0


def run():
    sys.exit(main())


if __name__ == "__main__":
    run()
