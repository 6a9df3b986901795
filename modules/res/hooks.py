"""The core's question "what may this user do?", answered from users, groups and access rows."""
from core import hookimpl

from .user import EVERY_MODEL


@hookimpl
def core_user_rights(env, user):
    """The rights of ``user``: read in one query, then a dictionary lookup per check."""
    granted = env["res.user"].rights(user)
    everywhere = granted.get(EVERY_MODEL, set())

    def allowed(model, operation):
        return operation in everywhere or operation in granted.get(model, ())
    return allowed


@hookimpl
def core_modules_activated(env, modules):
    """At res's activation: the group ``admin``, granted every right on every model."""
    if "res" in modules:
        env["res.group"].create_unchecked([{"name": "admin", "access": [{
            "model": EVERY_MODEL, "perm_read": True, "perm_create": True, "perm_write": True,
            "perm_delete": True}]}])
