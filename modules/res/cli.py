"""``kitwork user add/list/revoke/key``: the users of the HTTP API and their keys."""
import argparse
import getpass
import sys

from core import Database, errors


def _database(args):
    database = Database(args.db)
    if "res" not in database.active_modules:
        raise errors.UserError(f"res (users) is not active in {database!r}: run 'kitwork activate res'")
    return database


def _user(env, login):
    users = env["res.user"].search([("login", "=", login)])
    if not users:
        raise errors.UserError(f"no user {login!r}; 'kitwork user list' shows them")
    return users[0]


def add(args, out):
    with _database(args).transaction() as env:
        Group, User = env["res.group"], env["res.user"]
        names = list(dict.fromkeys(args.group or ()))
        groups = Group.search([("name", "in", names)]) if names else []
        missing = sorted(set(names) - {g.name for g in groups})
        if missing:
            known = ", ".join(g.name for g in Group.search([]))
            raise errors.UserError(f"no group {', '.join(map(repr, missing))}; groups: {known or 'none'}")
        if User.search([("login", "=", args.login)]):
            raise errors.UserError(f"user {args.login!r} exists already; 'kitwork user key {args.login}' "
                                   f"gives it a new key")
        user, = User.create([{"login": args.login, "name": args.name, "groups": [g.id for g in groups]}])
        key = User.new_key([user])[user.id]
        out.write(f"user {user.login} created in group(s) {', '.join(names) or 'none'}; "
                  f"its API key, shown only now: {key}\n")


def new_key(args, out):
    with _database(args).transaction() as env:
        User = env["res.user"]
        user = _user(env, args.login)
        if args.replace:
            User.revoke([user])
        key = User.new_key([user])[user.id]
        out.write(f"new API key of {user.login}, shown only now: {key}\n")


def revoke(args, out):
    with _database(args).transaction() as env:
        user = _user(env, args.login)
        count = len(user.keys)
        sessions = env["ir.session"].search_count([("user", "=", user.id)])
        env["res.user"].revoke([user])
        out.write(f"revoked {count} API key(s) of {user.login}"
                  + (f" and ended {sessions} browser session(s)" if sessions else "") + "\n")


def list_users(args, out):
    with _database(args).transaction() as env:
        rows = [("login", "name", "active", "groups", "keys")]
        for user in env["res.user"].search([]):
            rows.append((user.login, user.name or "-", "yes" if user.active else "no",
                         ", ".join(sorted(g.name for g in user.groups)) or "-", str(len(user.keys))))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")


def password(args, out):
    """Set a user's password, from ``--password`` or, without it, typed twice on standard input."""
    given = args.password
    if given is None:
        given = _typed("password: ")
        if _typed("password again: ") != given:
            raise errors.UserError("the two passwords differ; nothing was changed")
    with _database(args).transaction() as env:
        user = _user(env, args.login)
        env["res.user.password"].set(user, given)
        out.write(f"password of {user.login} set: it signs in to the web pages (/login)\n")


def _typed(prompt):
    """A line typed on the terminal without echo, or read from standard input when it is not one."""
    if sys.stdin.isatty():
        return getpass.getpass(prompt)
    line = sys.stdin.readline()
    if not line:
        raise errors.UserError("no password: give --password PW, or type it twice on standard input")
    return line.rstrip("\r\n")


ACTIONS = {"add": add, "list": list_users, "revoke": revoke, "key": new_key, "password": password}


def user(args, out):
    ACTIONS[args.action](args, out)


def add_arguments(parser):
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    def action(name, help):
        sub = actions.add_parser(name, help=help, description=help)
        sub.add_argument("--db", metavar="URL", default=argparse.SUPPRESS,   # also after the action
                         help="SQLAlchemy database URL (default: $KITWORK_DATABASE_URL, else sqlite:///kitwork.db)")
        return sub

    sub = action("add", "create a user and print its API key, once (the last word)")
    sub.add_argument("login", metavar="LOGIN")
    sub.add_argument("--group", action="append", metavar="NAME", help="a group of the user (repeatable)")
    sub.add_argument("--name", help="the user's full name")
    action("list", "list the users, their groups and how many keys they have")
    sub = action("revoke", "delete every API key of a user")
    sub.add_argument("login", metavar="LOGIN")
    sub = action("key", "give a user a new API key and print it, once (the last word)")
    sub.add_argument("login", metavar="LOGIN")
    sub.add_argument("--replace", action="store_true", help="revoke the user's other keys")
    sub = action("password", "set the password a user signs in to the web pages with (asked twice without "
                             "--password)")
    sub.add_argument("login", metavar="LOGIN")
    sub.add_argument("--password", metavar="PW", help="the password (else read twice from standard input)")


cli_commands = [("user", "manage the users of the HTTP API: add LOGIN [--group NAME]..., list, revoke LOGIN, "
                 "key LOGIN, password LOGIN", user, add_arguments)]
