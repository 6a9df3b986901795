"""Background jobs and periodic tasks.

The models of the queue the core's ``env.defer`` writes to (see
:mod:`core.queue`): ``queue.job`` (read-only: the jobs of either store, with
their state, attempts and last error) and ``queue.schedule`` (one record per
periodic task, made when the task's module is activated).  The store is made
by this module's migration: procrastinate's schema on PostgreSQL, the
``queue_job`` table on SQLite.  ``kitwork worker`` runs the jobs and the
schedules; ``kitwork jobs`` lists them and retries failed ones.
"""
from . import hooks
from .cli import cli_commands
from .job import Job, Schedule

__all__ = ["cli_commands", "register"]


def register(module):
    module.add_models(Job, Schedule)
    module.add_hooks(hooks)
