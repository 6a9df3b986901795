"""Idempotent POSTs: a client's ``Idempotency-Key`` answered once, its first response kept for 24 hours.

A client that lost the answer to a POST (a timeout, a dropped connection)
sends it again with the same ``Idempotency-Key`` header: if the first one
succeeded, the stored response comes back (with ``Idempotent-Replayed:
true``) and nothing is done again; the same key with another body (or
another URL) is a 422.  The key's row is inserted first thing in the
request's transaction and committed with what the request did, so:

- two requests with one key at once never both act: on PostgreSQL the
  second one's insert waits on the unique index until the first commits,
  then finds its row; on SQLite writers take turns anyway;
- a request that fails leaves no row (its transaction rolls back): nothing
  was done, and the same key may be sent again.

Keys belong to the user sending them: the row holds the SHA-256 of the user
id and the key, and the SHA-256 of the request (method, path, body).
"""
import datetime
import hashlib

import sqlalchemy as sa

from core import Model, errors, fields

LIFETIME = datetime.timedelta(hours=24)
MAX_KEY = 255   # characters of an Idempotency-Key


class KeyReused(errors.ValidationError):
    """An ``Idempotency-Key`` sent again with another request."""


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


def fingerprint(method, path, body):
    """What must be the same for a request to be a repeat: its method, path and body."""
    return hashlib.sha256(b"\0".join([method.encode(), path.encode("utf-8", "surrogatepass"), body])).hexdigest()


def token_of(user_id, key):
    """The stored form of a user's key (keys of different users never meet)."""
    return hashlib.sha256(f"{user_id}\0{key}".encode("utf-8", "surrogatepass")).hexdigest()


class IdempotencyKey(Model):
    """The first response to a POST sent with an ``Idempotency-Key``, kept 24 hours to answer its repeats.

    Made and read by the web module only; never created or changed by hand.
    """

    _name = "web.idempotency_key"

    user = fields.Many2One("res.user", "User", required=True, ondelete="cascade", readonly=True)
    token = fields.Char("Token", required=True, size=64, unique=True, readonly=True,
                        help="SHA-256 of the user id and the key, in hex.")
    request = fields.Char("Request", required=True, size=64, readonly=True,
                          help="SHA-256 of the request's method, path and body, in hex.")
    status = fields.Integer("Status", readonly=True, help="The HTTP status of the first response.")
    response = fields.Text("Response", readonly=True, help="The first response's JSON body.")
    created = fields.DateTime("Created", required=True, readonly=True, index=True, help="UTC.")

    @classmethod
    def create(cls, vlist):
        """Refused: a key is kept by the request that sends it."""
        raise errors.AccessError(f"{cls._name} records are kept by the HTTP API, not made by hand")

    @classmethod
    def write(cls, records, values):
        """Refused: a kept response never changes."""
        raise errors.AccessError(f"{cls._name} records cannot be changed")

    @classmethod
    def claim(cls, user_id, key, request):
        """Claim ``key`` for this request: None if it is new, else the first response ``(status, body)``.

        The same key with another ``request`` fingerprint is a ValidationError.
        """
        table, env = cls.table, cls.env
        token = token_of(user_id, key)
        moment = now()
        env.execute(table.delete().where(table.c.created < moment - LIFETIME))   # keys of yesterday are forgotten
        try:
            with env.connection.begin_nested():
                env.execute(table.insert().values(user=user_id, token=token, request=request, created=moment))
            return None
        except sa.exc.IntegrityError:   # kept by a committed request, or one that committed while we waited
            pass
        row = env.execute(sa.select(table.c.request, table.c.status, table.c.response)
                          .where(table.c.token == token)).one()
        if row.request != request:
            raise KeyReused(
                f"Idempotency-Key {key[:60]!r} was sent in the last 24 hours with another request (another "
                f"URL or body): send a new key for a new request", {"Idempotency-Key": ["Used for another request."]})
        return row.status, row.response

    @classmethod
    def keep(cls, user_id, key, status, response):
        """Keep the response of the request that claimed ``key``."""
        table = cls.table
        cls.env.execute(table.update().where(table.c.token == token_of(user_id, key))
                        .values(status=status, response=response))
