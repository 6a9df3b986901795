"""Passwords: what a person signs in to a page with (``kitwork user password LOGIN`` sets one).

A password is chosen by a person, so it may be guessed: unlike an API key
(256 random bits, stored as a plain SHA-256), it is stored as a salted
scrypt hash (hashlib.scrypt: memory-hard, 16 MiB and some 50 ms a try), in
its own model, which no user can read, search, create or change through
the API: only :meth:`Password.set` writes it and :meth:`Password.verify`
reads it.  Checking a login that does not exist costs the same scrypt, so
the time taken does not tell which logins exist.
"""
import hashlib
import hmac
import secrets

import sqlalchemy as sa

from core import Model, errors, fields

from .user import AuthenticationError

SCRYPT = {"n": 2 ** 14, "r": 8, "p": 1}   # 16 MiB of memory per hash
MIN_LENGTH = 8
MAX_LENGTH = 1024


def hashed(password, salt=None, n=SCRYPT["n"], r=SCRYPT["r"], p=SCRYPT["p"]):
    """``scrypt$n$r$p$salt$hash`` (hex) of ``password``, with a new random salt unless one is given."""
    salt = salt if salt is not None else secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8", "surrogatepass"), salt=salt, n=n, r=r, p=p,
                            maxmem=2 * 128 * r * n * p, dklen=32)
    return f"scrypt${n}${r}${p}${salt.hex()}${digest.hex()}"


def matches(password, stored):
    """Whether ``password`` hashes to ``stored`` (with the parameters and salt stored with it)."""
    _, n, r, p, salt, _ = stored.split("$")
    return hmac.compare_digest(hashed(password, bytes.fromhex(salt), int(n), int(r), int(p)), stored)


UNKNOWN = hashed(secrets.token_urlsafe(16))   # what a login without a password is checked against


class Password(Model):
    """A user's password, as a salted scrypt hash; never read through the API."""

    _name = "res.user.password"

    user = fields.Many2One("res.user", "User", required=True, ondelete="cascade", readonly=True,
                           help="One password a user: setting one deletes the other.")
    hash = fields.Char("Hash", required=True, size=256, readonly=True, help="scrypt$n$r$p$salt$hash")

    @classmethod
    def search(cls, domain=(), order=None, limit=None, offset=None):
        cls._refuse_users("read")
        return super().search(domain, order=order, limit=limit, offset=offset)

    @classmethod
    def search_count(cls, domain=()):
        cls._refuse_users("read")
        return super().search_count(domain)

    @classmethod
    def create(cls, vlist):
        raise errors.AccessError(f"{cls._name}: set a password with 'kitwork user password LOGIN'")

    @classmethod
    def write(cls, records, values):
        raise errors.AccessError(f"{cls._name}: set a password with 'kitwork user password LOGIN'")

    @classmethod
    def _refuse_users(cls, what):
        if cls.env.user is not None:
            raise errors.AccessError(f"user {cls.env.user!r} may not {what} {cls._name}: password hashes are "
                                     f"never read")

    @classmethod
    def set(cls, user, password):
        """Give ``user`` (a record) ``password``, replacing any other; refused if it is too short or long."""
        if not isinstance(password, str) or not MIN_LENGTH <= len(password) <= MAX_LENGTH:
            raise errors.ValidationError(
                f"the password of {user.login!r} must be {MIN_LENGTH} to {MAX_LENGTH} characters",
                {"password": [f"{MIN_LENGTH} to {MAX_LENGTH} characters."]})
        table = cls.table
        cls.env.execute(table.delete().where(table.c.user == user.id))
        cls.create_unchecked([{"user": user.id, "hash": hashed(password)}])

    @classmethod
    def verify(cls, login, password):
        """The active user signing in with ``login`` and ``password``; else :class:`AuthenticationError`."""
        users, table = cls.env["res.user"].table, cls.table
        row = None
        if isinstance(login, str) and isinstance(password, str) and 0 < len(password) <= MAX_LENGTH:
            row = cls.env.execute(sa.select(users.c.id, users.c.active, table.c.hash)
                                  .join(table, table.c.user == users.c.id)
                                  .where(users.c.login == login)).first()
        right = matches(password if isinstance(password, str) else "", row.hash if row else UNKNOWN)
        if row is None or not right or not row.active:
            raise AuthenticationError("wrong login or password")
        return cls.env["res.user"].browse([row.id])[0]
