"""Users, groups and rights: who may read, create, write or delete which model.

A user (``res.user``) belongs to groups (``res.group``); each group's rows of
``ir.model.access`` grant rights on a model (or on every model, ``*``).  A
user may do what any of their groups grants, nothing else: a model no row
names is closed to users (the system, acting without a user, may do
anything).  ``db.transaction(user=LOGIN)`` acts for a user; the module answers
the core's ``core_user_rights`` hook with the user's rights, read in one
query per transaction.  Activation creates the group ``admin``, granted every
right on every model.

API keys authenticate users over HTTP.  A key is 32 random bytes from
:mod:`secrets` (``kw_`` + 43 URL-safe characters), shown once; only its
SHA-256 digest is stored (``res.user.key``).  A slow, salted hash (scrypt,
PBKDF2) protects low-entropy passwords against guessing; a 256-bit random key
cannot be guessed, so a plain digest is as safe, lets a request find its key
by an indexed equality lookup, and costs microseconds instead of the tens of
milliseconds a slow hash would add to every request.  A browser signed in to
a page holds a session id instead (``ir.session``, stored as its digest too,
expiring; revoking a user's keys ends their sessions).
"""
from . import hooks
from .cli import cli_commands
from .demo import demo
from .password import Password
from .session import Session
from .user import Access, AuthenticationError, Group, User, UserKey

__all__ = ["AuthenticationError", "cli_commands", "demo", "register"]


def register(module):
    module.add_models(Group, User, UserKey, Access, Session, Password)
    module.add_hooks(hooks)
