"""The hooks the core itself calls.

Modules implement them with ``@core.hookimpl``.  Every hook is called with
keyword arguments only.
"""
import pluggy

PROJECT = "kitwork"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def core_modules_activated(env, modules):
    """Called once per activation, after the newly activated modules' tables exist.

    ``env`` is the environment of the activation's transaction, composed with
    every module now active; ``modules`` is the tuple of module names newly
    activated, in dependency order (a module deactivated before and activated
    again is not among them: its records are still there).  Use it to create
    the records a module needs from the start (units of measure, a
    configuration record); records that the migrations of modules
    integrating with it need (a default warehouse) are better made by a
    migration, which runs before theirs.  Raising aborts the whole
    activation.  The return value is ignored.
    """


@hookspec
def core_modules_reactivated(env, modules):
    """Called when modules deactivated before come back, before their required columns are NOT NULL again.

    ``modules``: the names of those modules, in dependency order.  Their
    tables kept their rows, and the columns they add to the tables of other
    modules were filled with each field's declared default where the rows
    made meanwhile left them empty.  Fill, set-based, what no default can
    give (a value that depends on each row): a required column still empty
    afterwards refuses the activation.  Raising aborts it.  The return value
    is ignored.
    """


@hookspec(firstresult=True)
def core_user_rights(env, user):
    """The rights of ``user`` (a login) in this transaction, asked the first time they are checked.

    Return a function ``allowed(model_name, operation) -> bool`` (operation:
    ``read``, ``create``, ``write`` or ``delete``), or raise
    :class:`core.errors.AccessError` for a login that may not act at all
    (unknown, inactive).  The first module answering (not None) decides; no
    answer means no module manages users, and acting as a user is refused.
    ``env`` acts for the system while this runs.
    """


@hookspec
def core_tasks():
    """The background tasks a module brings: a list of :class:`core.queue.Task`.

    Called once per pool (set of active modules); a module returns the
    tasks it defines with :func:`core.task`, each a function ``function(env,
    **kwargs)`` under a dotted name prefixed by the module
    (``stock_reorder.replenish``).  ``env.defer(name, **kwargs)`` queues a
    job of one; ``kitwork worker`` (or, on SQLite, the process that
    committed it) runs it in a transaction of its own.  A task must be
    idempotent: a job may run twice (a worker killed after the commit), and
    the second run must find nothing to do.  A task declared with ``cron``
    gets a ``queue.schedule`` record when its module is activated.  Two
    modules declaring one name is a ``ModuleError``.  Takes no argument.
    """
