"""Users, groups, model access rows and API keys."""
import datetime
import functools
import hashlib
import secrets

import sqlalchemy as sa

from core import Model, errors, fields

OPERATIONS = ("read", "create", "write", "delete")
KEY_PREFIX = "kw_"
EVERY_MODEL = "*"


class AuthenticationError(errors.UserError):
    """A request without a valid API key: missing, unknown, revoked, or its user inactive."""


def digest(key):
    """The stored form of an API key: its SHA-256, in hex (see the module's docstring)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


@functools.lru_cache(maxsize=64)
def _by_digest(keys, users):
    """The statement finding a key's user (built once per pool: every request runs it)."""
    return (sa.select(users.c.id, users.c.login, users.c.active).select_from(keys.join(users, keys.c.user == users.c.id))
            .where(keys.c.digest == sa.bindparam("digest")))


@functools.lru_cache(maxsize=64)
def _rights_of(users, links, access):
    """The statement reading a user's state and every access row of their groups, in one query."""
    return (sa.select(users.c.active, access.c.model, *(access.c[f"perm_{op}"] for op in OPERATIONS))
            .select_from(users.outerjoin(links, links.c.origin == users.c.id)
                         .outerjoin(access, access.c.group == links.c.target))
            .where(users.c.login == sa.bindparam("login")))


class Group(Model):
    """A set of users sharing rights: each of its ``ir.model.access`` rows grants some on a model."""

    _name = "res.group"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=64, unique=True)
    access = fields.One2Many("ir.model.access", "group", "Access",
                             help="The rights the group grants, one row per model.")

    # Children given inline are covered by the parent's right (a sale's lines
    # need no right on sale.line), but access rows are rights themselves: a
    # user allowed to write groups must not grant himself every right through
    # them.  Giving ``access`` inline needs the rights on ir.model.access.
    @classmethod
    def _check_access_rows(cls, operations):
        env = cls.env
        if env.user is None:
            return
        for operation in sorted(set(operations)):
            if not env.has_access("ir.model.access", operation):
                raise errors.AccessError(
                    f"user {env.user!r} may not {operation} ir.model.access: cannot give the access of a "
                    f"res.group inline (none of their groups grants it)")

    @classmethod
    def create(cls, vlist):
        if cls.env.user is not None and isinstance(vlist, (list, tuple)) and any(
                isinstance(v, dict) and v.get("access") for v in vlist):
            cls._check_access_rows(["create"])
        return super().create(vlist)

    @classmethod
    def write(cls, records, values):
        actions = values.get("access") if cls.env.user is not None and isinstance(values, dict) else None
        if isinstance(actions, (list, tuple)):
            cls._check_access_rows(a[0] if isinstance(a, (list, tuple)) and a and a[0] in OPERATIONS[1:]
                                   else "write" for a in actions)
        return super().write(records, values)


class User(Model):
    """Someone (or a program) acting through the API: their groups say what they may do."""

    _name = "res.user"
    _order = (("login", "ASC"),)

    login = fields.Char("Login", required=True, size=64, unique=True,
                        help="The name a transaction acts for: db.transaction(user=login).")
    name = fields.Char("Name", size=128)
    active = fields.Boolean("Active", default=True, help="An inactive user can neither authenticate nor act.")
    groups = fields.Many2Many("res.group", "Groups")
    keys = fields.One2Many("res.user.key", "user", "API keys", readonly=True,
                           help="Made by new_key(), never given: only their digest is stored.")

    @classmethod
    def validate(cls, users):
        super().validate(users)
        for user in users:
            login = user.login
            if login != login.strip() or not login or any(c.isspace() for c in login):
                raise errors.ValidationError(
                    f"invalid res.user login {login!r}: no spaces", {"login": ["No spaces in a login."]})

    @classmethod
    def new_key(cls, users):
        """Give each user a new API key (their other keys stay); return ``{user id: key}``, shown only here."""
        cls.env.check_access(cls._name, "write")   # a key acts as its user: minting one is administering users
        keys = {user.id: KEY_PREFIX + secrets.token_urlsafe(32) for user in users}
        cls.env["res.user.key"].create_unchecked(
            [{"user": id_, "digest": digest(key), "created": datetime.datetime.now(datetime.timezone.utc)
              .replace(tzinfo=None, microsecond=0)} for id_, key in keys.items()])
        return keys

    @classmethod
    def revoke(cls, users):
        """Delete every API key and browser session of ``users``: requests with them are refused from now on."""
        cls.env.check_access(cls._name, "write")
        ids = [u.id for u in users]
        cls.env["res.user.key"].delete_where([("user", "in", ids)])
        cls.env["ir.session"].delete_where([("user", "in", ids)])

    @classmethod
    def authenticate(cls, key):
        """The active user whose API key is ``key``; else :class:`AuthenticationError`.

        The lookup is by the key's digest; the message never repeats the key.
        """
        return cls.browse([cls.identify(key)[0]])[0]

    @classmethod
    def identify(cls, key):
        """``(id, login)`` of the active user whose API key is ``key``; else :class:`AuthenticationError`.

        What a request needs to act for the user, in the one query finding the key.
        """
        if not isinstance(key, str) or not key.startswith(KEY_PREFIX) or len(key) > 256:
            raise AuthenticationError("invalid API key: give 'Authorization: Bearer <key>' with a key "
                                      "made by 'kitwork user add'")
        row = cls.env.execute(_by_digest(cls.env["res.user.key"].table, cls.table), {"digest": digest(key)}).first()
        if row is None:
            raise AuthenticationError("invalid API key: unknown or revoked")
        if not row.active:
            raise AuthenticationError("invalid API key: its user is inactive")
        return row.id, row.login

    @classmethod
    def rights(cls, login):
        """``{model name or '*': set of operations}`` granted to ``login`` by its groups, in one query.

        An unknown or inactive login is refused with :class:`core.errors.AccessError`.
        """
        env = cls.env
        env.check_access(cls._name, "read")   # another user's rights are theirs to know (the hook asks as the system)
        statement = _rights_of(cls.table, cls.fields["groups"].table, env["ir.model.access"].table)
        rows = env.execute(statement, {"login": login}).all()
        if not rows or not rows[0].active:
            raise errors.AccessError(f"user {login!r} {'is inactive' if rows else 'does not exist'}: "
                                     f"it cannot act")
        granted = {}
        for _, model, *perms in rows:
            if model is not None:
                granted.setdefault(model, set()).update(op for op, allowed in zip(OPERATIONS, perms) if allowed)
        return granted


class UserKey(Model):
    """An API key of a user, stored as its digest only (made by ``res.user.new_key``)."""

    _name = "res.user.key"
    _order = (("id", "ASC"),)

    user = fields.Many2One("res.user", "User", required=True, ondelete="cascade")
    digest = fields.Char("Digest", required=True, size=64, unique=True, readonly=True,
                         help="SHA-256 of the key, in hex; the key itself is never stored.")
    created = fields.DateTime("Created", readonly=True)


class Access(Model):
    """The rights one group has on one model (``*``: every model)."""

    _name = "ir.model.access"
    _order = (("model", "ASC"), ("id", "ASC"))

    group = fields.Many2One("res.group", "Group", required=True, ondelete="cascade")
    model = fields.Char("Model", required=True, size=128,
                        help="A model name (sale.sale), or * for every model.")
    perm_read = fields.Boolean("Read")
    perm_create = fields.Boolean("Create")
    perm_write = fields.Boolean("Write", help="Also the right to call the model's workflow transitions "
                                "and the methods it publishes for writing.")
    perm_delete = fields.Boolean("Delete")

    @classmethod
    def validate(cls, rows):
        super().validate(rows)
        for row in rows:
            if row.model != EVERY_MODEL and row.model not in cls.env:
                raise errors.ValidationError(
                    f"invalid ir.model.access {row.id}: no active module provides model {row.model!r} "
                    f"(give a model name, or * for every model)", {"model": ["Unknown model."]})
