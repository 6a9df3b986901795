"""The jobs (``queue.job``, read-only, over either store) and the periodic tasks (``queue.schedule``)."""
import json

import marshmallow

from core import Model, errors, fields
from core import queue as kqueue


class _JsonObject(marshmallow.fields.Field):
    """Dumps a JSON document stored as text as the value it holds."""

    def _serialize(self, value, attr, obj, **kwargs):
        return json.loads(value) if isinstance(value, str) else value


class Arguments(fields.Text):
    """A job's arguments: a JSON object stored as text, read and dumped as the object."""

    python_type = dict

    def to_record(self, value, record):
        return None if value is None else json.loads(value)

    def schema_field(self):
        return _JsonObject(**self.schema_options())


class Job(Model):
    """A background job: a task to run with its arguments, queued by ``env.defer`` (read-only).

    On SQLite the rows of ``queue_job``; on PostgreSQL a view of
    procrastinate's jobs.  ``state``: ``todo`` (waiting, or waiting for its
    retry at ``scheduled_at``), ``doing``, ``succeeded``, ``failed`` (with
    ``error``; ``kitwork jobs retry ID`` queues it again), ``cancelled``;
    ``attempts`` counts its runs.
    """

    _name = "queue.job"
    _order = (("id", "ASC"),)
    _indexes = {"due": ("state", "scheduled_at")}

    task = fields.Char("Task", required=True, readonly=True, size=128)
    args = Arguments("Arguments", required=True, readonly=True,
                     help="The task's keyword arguments, a JSON object ({} for none).")
    state = fields.Selection(kqueue.STATES, "State", required=True, readonly=True, default="todo", size=16)
    attempts = fields.Integer("Attempts", required=True, readonly=True, default=0, help="Runs so far.")
    scheduled_at = fields.DateTime("Scheduled at", readonly=True, help="When it may run (UTC).")
    started_at = fields.DateTime("Started at", readonly=True, help="When its last run started (UTC).")
    finished_at = fields.DateTime("Finished at", readonly=True, help="When it succeeded or failed (UTC).")
    error = fields.Text("Error", readonly=True, help="Why its last run failed.")
    queue = fields.Char("Queue", required=True, readonly=True, size=128, default=kqueue.DEFAULT_QUEUE)
    job_lock = fields.Char("Lock", readonly=True, size=kqueue.MAX_LOCK,
                       help="No two jobs of one lock run at once.")
    queueing_lock = fields.Char("Queueing lock", readonly=True, size=kqueue.MAX_LOCK,
                                help="No second job of this key waits in the queue.")
    user = fields.Char("User", readonly=True, size=128,
                       help="The login it runs for, who queued it; empty: the system.")

    @classmethod
    def create(cls, vlist):
        """Refused: jobs are queued with ``env.defer``."""
        raise errors.AccessError("queue.job is read-only: jobs are queued with env.defer and run by the worker")

    @classmethod
    def write(cls, records, values):
        """Refused: the worker writes jobs (``kitwork jobs retry`` queues a failed one again)."""
        raise errors.AccessError("queue.job is read-only: the worker changes jobs; 'kitwork jobs retry ID' "
                                 "queues a failed one again")

    @classmethod
    def delete(cls, records):
        """Refused: jobs are the queue's history."""
        raise errors.AccessError("queue.job is read-only: jobs are not deleted by hand")


class Schedule(Model):
    """A periodic task: ``kitwork worker`` queues a job of ``task`` at each moment of ``cron`` (UTC).

    One record per task, made when the task's module is activated with the
    task's default ``cron``; edit ``cron`` or clear ``active`` to change or
    stop it.  With any number of workers, a period runs once.
    """

    _name = "queue.schedule"
    _order = (("task", "ASC"),)

    task = fields.Char("Task", required=True, unique=True, size=128,
                       help="A task of the active modules that needs no argument.")
    cron = fields.Char("Cron", required=True, size=64,
                       help="Five fields, UTC: minute hour day-of-month month day-of-week, e.g. '0 6 * * *'.")
    active = fields.Boolean("Active", default=True)
    last_run = fields.DateTime("Last run", readonly=True, help="When its last job was queued (UTC).")
    next_run = fields.DateTime("Next run", readonly=True, help="When its next job will be queued (UTC).")

    @classmethod
    def validate(cls, schedules):
        super().validate(schedules)
        known = kqueue.tasks(cls.env.pool)
        for schedule in schedules:
            found = known.get(schedule.task)
            problem = None
            if found is None:
                problem = ("task", f"{schedule.task!r:.80} is not a task of the active modules "
                                   f"({', '.join(sorted(known)) or 'none'})")
            elif found.parameters[0]:
                problem = ("task", f"{found.name} needs arguments ({', '.join(sorted(found.parameters[0]))}): "
                                   f"it cannot run on a schedule")
            else:
                try:
                    kqueue.check_cron(schedule.cron)
                except ValueError as exc:
                    problem = ("cron", str(exc))
            if problem:
                field, message = problem
                raise errors.ValidationError(f"invalid {schedule.rec_name}: {field}: {message}",
                                             {field: [message]}, schedule.rec_name)

    @classmethod
    def _create(cls, vlist):
        schedules = super()._create(vlist)
        cls.plan(schedules)
        return schedules

    @classmethod
    def _write(cls, schedules, values):
        super()._write(schedules, values)
        if "cron" in values or "active" in values:
            cls.plan(schedules)

    @classmethod
    def plan(cls, schedules):
        """Set each schedule's ``next_run``: the next moment of its cron from now (none when inactive)."""
        now = kqueue.utcnow()
        cls.write_rows([{"id": s.id, "next_run": kqueue.next_run(s.cron, now) if s.active else None}
                        for s in schedules])
