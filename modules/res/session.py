"""Browser sessions: what a signed-in page keeps instead of the API key."""
import datetime
import secrets

import sqlalchemy as sa

from core import Model, errors, fields

from .user import AuthenticationError, digest


def now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)


class Session(Model):
    """A browser signed in as a user until ``expires`` (Tryton's ``ir.session``).

    Started when a user signs in to a page with their API key: the browser
    then holds a random session id (in an HTTP-only cookie, signed by the
    web module), never the key.  Only the id's SHA-256 digest is stored, as
    for keys.  Signing out deletes the session; so does revoking the user's
    keys (``kitwork user revoke``), and an expired one is refused, then
    deleted by the next sign-in.  An administrator may delete sessions to
    sign their browsers out; they are never created or changed by hand.
    """

    _name = "ir.session"
    _order = (("id", "ASC"),)

    user = fields.Many2One("res.user", "User", required=True, ondelete="cascade", readonly=True)
    digest = fields.Char("Digest", required=True, size=64, unique=True, readonly=True,
                         help="SHA-256 of the session id, in hex; the id itself is never stored.")
    expires = fields.DateTime("Expires", required=True, readonly=True, help="UTC; refused from then on.")

    @classmethod
    def create(cls, vlist):
        """Refused: a session starts when a user signs in (``start``)."""
        raise errors.AccessError(f"{cls._name} records start when a user signs in, not by hand")

    @classmethod
    def write(cls, sessions, values):
        """Refused: a session only ends."""
        raise errors.AccessError(f"{cls._name} records cannot be changed; delete one to end it")

    @classmethod
    def start(cls, user, lifetime):
        """A new session of ``user`` (a record) lasting ``lifetime`` (a timedelta); returns its id, shown once."""
        moment = now()
        cls.delete_where([("expires", "<", moment)])   # the expired ones go as others come
        session_id = secrets.token_urlsafe(32)
        cls.create_unchecked([{"user": user.id, "digest": digest(session_id), "expires": moment + lifetime}])
        return session_id

    @classmethod
    def authenticate(cls, session_id):
        """The active user of the unexpired session ``session_id``; else :class:`AuthenticationError`."""
        if not isinstance(session_id, str) or not 0 < len(session_id) <= 256:
            raise AuthenticationError("no session: sign in")
        users = cls.env["res.user"].table
        row = cls.env.execute(sa.select(users.c.id, users.c.active, cls.table.c.expires)
                              .join(users, users.c.id == cls.table.c.user)
                              .where(cls.table.c.digest == digest(session_id))).first()
        if row is None:
            raise AuthenticationError("the session has ended: sign in again")
        if row.expires <= now():
            raise AuthenticationError("the session has expired: sign in again")
        if not row.active:
            raise AuthenticationError("the session's user is inactive")
        return cls.env["res.user"].browse([row.id])[0]

    @classmethod
    def end(cls, session_id):
        """End the session ``session_id`` (signing out); nothing if there is none."""
        if isinstance(session_id, str):
            cls.delete_where([("digest", "=", digest(session_id))])
