"""Background work: tasks, jobs queued in the caller's transaction, and running one.

A *task* is a function ``function(env, **kwargs)`` that a module registers
under a dotted name (``stock_reorder.replenish``) through the ``core_tasks``
hook, declared with :func:`task`.  ``env.defer(name, **kwargs)`` queues a
*job* of it **in the caller's transaction**: if that transaction rolls back,
no job exists.  Once committed, the job runs in a transaction of its own,
acting for the user who queued it (or the system), and is tried again with
backoff when a transient database error stops it (serialization failure,
deadlock, lock timeout, a locked SQLite file); any other error marks it
``failed`` with the error's message, at once.  ``kitwork worker``
(:mod:`core.worker`) runs the jobs and the periodic tasks of
``queue.schedule``.

The jobs live in the business database, in a store chosen by its backend;
the models ``queue.job`` and ``queue.schedule`` and the tables come from
module ``queue``:

- **PostgreSQL**: procrastinate's tables (its schema applied by the queue
  module's migration).  Workers on any number of machines fetch jobs with
  ``SELECT … FOR UPDATE SKIP LOCKED``, are woken by LISTEN/NOTIFY, and send
  heartbeats; a job whose worker stopped sending them is run again.  The
  process that committed a job never runs it.  procrastinate (and psycopg)
  are imported only for a PostgreSQL database.
- **SQLite**: rows of ``queue_job``.  A job runs in-process right after the
  commit that queued it (when that transaction returns, its jobs have run),
  and ``kitwork worker`` runs what is left: a job whose process died before
  running it, a retry waiting for its time, a periodic task.  Claiming a
  job, its work and its completion are one transaction, so a crash leaves it
  queued and whole, never half done.

Tasks are idempotent (a second run finds nothing to do): a job may run twice
when a worker dies after its work committed, and its effect is still applied
once.
"""
import collections
import dataclasses
import datetime
import inspect
import json
import logging
import math
import re
import threading
import weakref

import sqlalchemy as sa

from . import errors

log = logging.getLogger("kitwork.queue")

STATES = [("todo", "To do"), ("doing", "Doing"), ("succeeded", "Succeeded"), ("failed", "Failed"),
          ("cancelled", "Cancelled")]
DEFAULT_QUEUE = "default"
DEFAULT_ATTEMPTS = 5           # runs of a job before a transient error fails it
USER_KEY = "_user"             # PostgreSQL: where a job's arguments keep the login that queued it
NAME = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+")
MAX_DELAY = 10 * 366 * 86400   # schedule_in: ten years at most
MAX_LOCK = 256                 # characters of a lock or queueing lock
TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}   # serialization failure, deadlock, lock not available


@dataclasses.dataclass(frozen=True)
class Task:
    """A task: its dotted ``name``, its ``function(env, **kwargs)``, and how its jobs run.

    ``cron``: the default schedule (five fields, UTC) of the ``queue.schedule``
    record made when its module is activated, or None; ``queue``: the queue
    its jobs go to (``kitwork worker --queue``); ``attempts``: the runs a
    transient error may cost before the job fails.  ``module`` is the module
    that registered it (set when the pool collects the tasks).
    """

    name: str
    function: object
    cron: str = None
    queue: str = DEFAULT_QUEUE
    attempts: int = DEFAULT_ATTEMPTS
    module: str = None

    def __call__(self, env, *args, **kwargs):
        return self.function(env, *args, **kwargs)

    @property
    def parameters(self):
        """``(required, accepted)``: the argument names the function needs, and accepts (None: any)."""
        signature = inspect.signature(self.function)
        params = list(signature.parameters.values())[1:]   # after env
        if any(p.kind is p.VAR_KEYWORD for p in params):
            accepted = None
        else:
            accepted = {p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        required = {p.name for p in params if p.default is p.empty
                    and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        return required, accepted


def task(name, *, cron=None, queue=DEFAULT_QUEUE, attempts=DEFAULT_ATTEMPTS):
    """Declare a task: ``@core.task("stock_reorder.replenish", cron="0 6 * * *")`` over ``def replenish(env)``.

    Return it from the module's ``core_tasks`` hook implementation.  See
    :class:`Task` for the options.
    """
    def decorate(function):
        return Task(name, function, cron, queue, attempts)
    return decorate


_tasks = weakref.WeakKeyDictionary()   # pool -> {name: Task}


def tasks(pool):
    """``{name: Task}``: the tasks of the pool's active modules (asked of the ``core_tasks`` hook once)."""
    found = _tasks.get(pool)
    if found is None:
        found = {}
        for impl in reversed(pool.hooks.hook.core_tasks.get_hookimpls()):   # dependency order
            module = impl.plugin_name.split(":")[0]
            for declared in impl.function() or ():
                if not isinstance(declared, Task):
                    raise errors.ModuleError(f"module {module!r}: core_tasks returned {declared!r:.80}, "
                                             f"not a task made with core.task")
                if not isinstance(declared.name, str) or not NAME.fullmatch(declared.name):
                    raise errors.ModuleError(f"module {module!r}: task name {declared.name!r} is not a dotted "
                                             f"lower-case name such as {module}.run")
                if declared.name in found:
                    raise errors.ModuleError(f"task {declared.name!r} is declared twice: by "
                                             f"{found[declared.name].module!r} and by {module!r}")
                if declared.cron is not None:
                    check_cron(declared.cron)
                found[declared.name] = dataclasses.replace(declared, module=module)
        _tasks[pool] = found
    return found


# -- cron ------------------------------------------------------------------------------------
def check_cron(cron):
    """Refuse (ValueError, with a sentence) what is not a five-field cron expression."""
    from croniter import croniter
    if not isinstance(cron, str) or len(cron.split()) != 5:
        raise ValueError(f"{cron!r:.80} is not a cron expression of five fields (minute hour day month weekday), "
                         f"e.g. '0 6 * * *'")
    try:
        valid = croniter.is_valid(cron)
    except Exception:   # croniter raises many kinds on odd input
        valid = False
    if not valid:
        raise ValueError(f"{cron!r:.80} is not a valid cron expression (minute hour day month weekday), "
                         f"e.g. '*/15 * * * *'")


def next_run(cron, after):
    """The first moment of ``cron`` (UTC) strictly after ``after`` (a naive UTC datetime)."""
    from croniter import croniter
    return croniter(cron, after).get_next(datetime.datetime)


def utcnow():
    """Now, as the job tables store it: naive UTC."""
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def backoff(attempts):
    """Seconds to wait before the run after ``attempts`` failed ones: 2, 4, 8, 16…"""
    return 2 ** min(attempts, 10)


# -- errors ----------------------------------------------------------------------------------
def is_transient(exc):
    """Whether ``exc`` (or what caused it) is a database error that trying again may cure.

    A serialization failure, a deadlock, a lock not granted in time, a
    locked SQLite file, or a connection the server dropped (restarted, say).
    """
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "connection_invalidated", False):   # the server went away: a new connection may do
            return True
        orig = getattr(exc, "orig", None) or exc
        if getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES:
            return True
        if type(orig).__name__ == "OperationalError" and "database is locked" in str(orig):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def describe(exc):
    """What a job's error says: a user error's sentence; else the error's kind and first line.

    Never a database error's statement or parameters (SQLAlchemy prints
    them), which may hold what nobody should read in a log.
    """
    if isinstance(exc, errors.UserError):
        return " ".join(str(exc).split())
    orig = getattr(exc, "orig", None) or exc
    text = str(orig).strip().splitlines()
    return f"{type(orig).__name__}: {text[0]}" if text else type(orig).__name__


# -- queueing ----------------------------------------------------------------------------------
def defer(env, name, lock=None, queueing_lock=None, schedule_in=None, args=None):
    """Queue a job of task ``name`` in ``env``'s transaction; return its id (``env.defer`` calls this)."""
    if "queue.job" not in env:
        raise errors.ModuleError("background jobs need module queue: run 'kitwork activate queue'")
    known = tasks(env.pool)
    found = known.get(name) if isinstance(name, str) else None
    if found is None:
        raise errors.ValidationError(
            f"unknown task {name!r:.80}; the active modules bring: {', '.join(sorted(known)) or 'none'}",
            {"task": ["Not a task of the active modules."]})
    args = _json_arguments(found, args or {})
    for option, value in (("lock", lock), ("queueing_lock", queueing_lock)):
        if value is not None and (not isinstance(value, str) or not value or len(value) > MAX_LOCK or "\0" in value):
            raise errors.ValidationError(
                f"task {found.name}: {option} {value!r:.80} is not a text of 1 to {MAX_LOCK} characters",
                {option: ["Not a lock name."]})
    delay = _seconds(found, schedule_in)
    user = env.user if not env._inside else None   # inside a door, module code acts for the system
    return store(env.database, env.connection.dialect.name).defer(env, found, args, user, lock, queueing_lock, delay)


def _json_arguments(found, args):
    """``args`` checked: names the task takes, JSON values (ids, not records); a ValidationError otherwise."""
    required, accepted = found.parameters
    problems = {}
    for key, value in args.items():
        if accepted is not None and key not in accepted or key.startswith("_"):
            problems[key] = f"{found.name} takes no argument {key!r}" + (
                f" (it takes {', '.join(sorted(accepted))})" if accepted else "")
            continue
        try:
            _check_json(value)
        except (TypeError, ValueError, RecursionError) as exc:
            problems[key] = f"{exc}: give JSON values (numbers, text, lists, objects), ids rather than records"
    for key in sorted(required - set(args)):
        problems[key] = f"{found.name} needs argument {key!r}"
    if problems:
        detail = "; ".join(f"{key}: {message}" for key, message in problems.items())
        raise errors.ValidationError(f"cannot queue task {found.name}: {detail}",
                                     {key: [message] for key, message in problems.items()})
    return json.loads(json.dumps(args, allow_nan=False))


def _check_json(value):
    if value is None or isinstance(value, (bool, str)):
        if isinstance(value, str) and ("\0" in value or re.search("[\ud800-\udfff]", value)):
            raise ValueError("a text holding NUL or a lone surrogate is not stored")
        return
    if isinstance(value, int):
        return
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} is not a JSON number")
        return
    if isinstance(value, (list, tuple)):
        for item in value:
            _check_json(item)
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"object key {key!r:.40} is not a text")
            _check_json(key)
            _check_json(item)
        return
    raise TypeError(f"{type(value).__name__} {value!r:.40} is not a JSON value")


def _seconds(found, schedule_in):
    if schedule_in is None:
        return None
    if isinstance(schedule_in, datetime.timedelta):
        schedule_in = schedule_in.total_seconds()
    if isinstance(schedule_in, bool) or not isinstance(schedule_in, (int, float)) or not (
            0 <= schedule_in <= MAX_DELAY):
        raise errors.ValidationError(
            f"task {found.name}: schedule_in {schedule_in!r:.80} is not a number of seconds from 0 to {MAX_DELAY}",
            {"schedule_in": ["Not a delay in seconds."]})
    return float(schedule_in) or None


def retry(env, ids):
    """Queue the failed jobs ``ids`` again (the same jobs, same ids); a UserError for any other id."""
    ids = list(dict.fromkeys(ids))
    if not ids or any(type(i) is not int for i in ids):
        raise errors.UserError(f"give the ids of failed jobs to retry, not {ids!r:.80}")
    if env.connection.dialect.name == "sqlite":
        env.take_write_lock()   # the states read below stay true until the update
    states = {job.id: job.state for job in env["queue.job"].search([("id", "in", ids)])}
    wrong = [f"job {i} is {states[i]}" if i in states else f"there is no job {i}" for i in ids
             if states.get(i) != "failed"]
    if wrong:
        raise errors.UserError(f"cannot retry: {'; '.join(wrong)}; only failed jobs are retried")
    store(env.database, env.connection.dialect.name).retry(env, ids)
    return ids


_stores = weakref.WeakKeyDictionary()   # Database -> its job store


def store(database, dialect=None):
    """The job store of ``database``: :class:`PostgreSQLJobs` or :class:`SQLiteJobs`."""
    found = _stores.get(database)
    if found is None:
        dialect = dialect or database.engine.dialect.name
        found = _stores[database] = PostgreSQLJobs(database) if dialect == "postgresql" else SQLiteJobs(database)
    return found


# -- running ----------------------------------------------------------------------------------
def execute(database, found, args, user, before_commit=None):
    """Run task ``found`` with ``args`` in a transaction of its own, acting for ``user`` (None: the system)."""
    with database.transaction(user=user) as env:
        found(env, **args)
        if before_commit is not None:
            before_commit(env)


class SQLiteJobs:
    """Jobs as rows of ``queue_job``: run in-process after the commit that queued them, and by the worker.

    A run is one transaction: the claim (``todo`` → ``doing``, attempts + 1,
    only if nobody changed the row since it was read), the task's work and
    the completion (``succeeded``) commit together; a failure is recorded in
    a transaction of its own, as a retry later or ``failed``.  SQLite has one
    writer, so jobs run one at a time.
    """

    _local = threading.local()   # the jobs the in-process runner of this thread has still to run

    def __init__(self, database):
        self.database = database

    def table(self, pool=None):
        return (pool or self.database.pool)["queue.job"].table

    def defer(self, env, found, args, user, lock, queueing_lock, delay):
        table, now = env["queue.job"].table, utcnow()
        if queueing_lock is not None:
            # The write lock first: no other transaction can queue the same key between the look-up
            # and the insert.
            env.take_write_lock()
            waiting = env.execute(sa.select(table.c.id).where(
                table.c.queueing_lock == queueing_lock, table.c.state == "todo")).scalar()
            if waiting is not None:
                return waiting
        job_id = env.execute(table.insert().values(
            task=found.name, args=json.dumps(args), user=user, queue=found.queue, job_lock=lock,
            queueing_lock=queueing_lock, state="todo", attempts=0,
            scheduled_at=now + datetime.timedelta(seconds=delay or 0))).inserted_primary_key[0]
        if delay is None:
            env.after_commit(lambda: self.run_in_process([job_id]))
        return job_id

    def retry(self, env, ids):
        table = env["queue.job"].table
        env.execute(table.update().where(table.c.id.in_(ids), table.c.state == "failed").values(
            state="todo", scheduled_at=utcnow(), finished_at=None))
        env.after_commit(lambda: self.run_in_process(ids))

    def run_in_process(self, ids):
        """Run the jobs ``ids`` now, in this thread, one after the other; never raise.

        A job queued by a job run here runs after it, in the same loop (not
        deeper in the stack).
        """
        pending = getattr(self._local, "pending", None)
        if pending is not None:
            pending.extend((self, i) for i in ids)
            return
        self._local.pending = pending = collections.deque((self, i) for i in ids)
        try:
            while pending:
                jobs, job_id = pending.popleft()
                try:
                    jobs.run(job_id)
                except Exception as exc:   # the caller's transaction is done: its jobs do not raise into it
                    log.error("job %s: could not be run: %s", job_id, describe(exc))
        finally:
            self._local.pending = None

    def due(self, queues=None, limit=100):
        """The ids of the jobs that may run now, oldest first."""
        table = self.table()
        query = sa.select(table.c.id).where(table.c.state == "todo", table.c.scheduled_at <= utcnow())
        if queues:
            query = query.where(table.c.queue.in_(list(queues)))
        with self.database.engine.connect() as connection:
            return list(connection.execute(query.order_by(table.c.id).limit(limit)).scalars())

    def run(self, job_id):
        """Claim, run and complete job ``job_id`` in one transaction; its new state, or None if not due.

        The claim is the transaction's first statement, a write: SQLite makes
        it the one writer before it reads anything, so it never has to give
        way half-way (a reader turning writer may be refused).
        """
        database = self.database
        table = self.table()
        now = utcnow()
        job = found = None
        try:
            with database.transaction() as env:
                claimed = env.execute(table.update().where(
                    table.c.id == job_id, table.c.state == "todo", table.c.scheduled_at <= now).values(
                    state="doing", started_at=now, attempts=table.c.attempts + 1)).rowcount
                if not claimed:   # done, failed, not due, or run by another process meanwhile
                    return None
                job = env.execute(sa.select(table).where(table.c.id == job_id)).first()
                found = tasks(env.pool).get(job.task)
                if found is None:
                    raise errors.UserError(f"task {job.task} is not a task of the active modules")
                with env.with_user(job.user):
                    found(env, **json.loads(job.args))
                env.execute(table.update().where(table.c.id == job.id).values(
                    state="succeeded", finished_at=utcnow(), error=None))
        except Exception as exc:
            if job is None:   # not even claimed (the database locked, say): it stays queued as it was
                raise
            description = describe(exc)
            again = found is not None and is_transient(exc) and job.attempts < found.attempts
            values = {"attempts": job.attempts, "error": description, "started_at": now}
            if again:
                values.update(state="todo", scheduled_at=utcnow() + datetime.timedelta(seconds=backoff(job.attempts)))
            else:
                values.update(state="failed", finished_at=utcnow())
            with database.transaction() as env:   # the claim was undone with the rest: as it was, then this
                env.execute(table.update().where(table.c.id == job.id, table.c.state == "todo",
                                                 table.c.attempts == job.attempts - 1).values(**values))
            log.info("job %s %s %s: %s", job.id, job.task, "to retry" if again else "failed", description)
            return values["state"]
        log.info("job %s %s succeeded", job.id, job.task)
        return "succeeded"


class PostgreSQLJobs:
    """Jobs in procrastinate's tables, queued on the caller's own connection, run by ``kitwork worker``."""

    def __init__(self, database):
        import procrastinate   # only for a PostgreSQL database: it needs psycopg
        quiet_procrastinate()
        self.database = database
        self.app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=conninfo(database.engine)))

    def defer(self, env, found, args, user, lock, queueing_lock, delay):
        from procrastinate import exceptions, jobs
        payload = dict(args)
        if user is not None:
            payload[USER_KEY] = user
        scheduled = None if delay is None else (
            datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=delay))
        # The job manager's own call (what Task.configure(connection=...).defer does, without
        # building the log lines of every job): the INSERT runs on the caller's connection.
        job = jobs.Job(queue=found.queue, lock=lock, queueing_lock=queueing_lock, task_name=found.name,
                       task_kwargs=payload, scheduled_at=scheduled)
        connection = env.connection.connection.driver_connection
        if queueing_lock is None:   # nothing the insert can be refused for
            return self.app.job_manager.defer_job(job, connection=connection).id
        for _ in range(3):
            try:
                with env.connection.begin_nested():   # a refused insert must not end the caller's transaction
                    return self.app.job_manager.defer_job(job, connection=connection).id
            except exceptions.AlreadyEnqueued:
                waiting = env.execute(sa.text(
                    "SELECT id FROM procrastinate_jobs WHERE queueing_lock = :key AND status = 'todo'"),
                    {"key": queueing_lock}).scalar()
                if waiting is not None:
                    return waiting
        raise errors.UserError(f"task {found.name}: could not queue a job under queueing lock {queueing_lock!r}")

    def retry(self, env, ids):
        for job_id in ids:
            env.execute(sa.text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"), {"id": job_id})


class _PerJobLines(logging.Filter):
    """procrastinate's own line per job names its arguments: Kitwork logs its own, without them."""

    ACTIONS = {"start_job", "job_success", "job_error", "job_error_retry", "job_aborted", "job_aborted_retry",
               "loaded_job_info", "finish_task", "about_to_defer_jobs", "jobs_deferred"}

    def filter(self, record):
        return getattr(record, "action", None) not in self.ACTIONS


def quiet_procrastinate():
    """Keep procrastinate's per-job lines (with the jobs' arguments) out of the logs."""
    for name in ("procrastinate.worker", "procrastinate.worker.worker", "procrastinate.jobs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _PerJobLines) for f in logger.filters):
            logger.addFilter(_PerJobLines())


def conninfo(engine):
    """The libpq connection string of a SQLAlchemy psycopg engine (what procrastinate connects with)."""
    from psycopg.conninfo import make_conninfo
    _, params = engine.dialect.create_connect_args(engine.url)
    return make_conninfo(**{k: v for k, v in params.items() if isinstance(v, (str, int))})   # not its adapters
