"""A probe module with tasks whose effects the tests count, and real ``kitwork worker`` processes."""
import pytest

PROBE_INIT = '''
"""Tasks for the queue's tests: effects counted in probe.effect."""
import os
import sqlite3
import time
from pathlib import Path

import sqlalchemy as sa

from core import Model, errors, fields, hookimpl, task


class Effect(Model):
    _name = "probe.effect"
    key = fields.Char("Key", required=True, unique=True, size=64)
    count = fields.Integer("Count", default=0)
    user = fields.Char("User", size=64)


def bump(env, key):
    """Count one more effect of ``key``: not idempotent on purpose, so a second run shows."""
    table = env["probe.effect"].table
    if not env.execute(table.update().where(table.c.key == key).values(count=table.c.count + 1)).rowcount:
        env["probe.effect"].create([{"key": key, "count": 1, "user": env.user}])


@task("probe.touch")
def touch(env, key, marker=None, sleep=0):
    """Count an effect; with ``marker`` (a file path) not there yet: write it (our pid) and sleep first."""
    bump(env, key)
    if marker and not os.path.exists(marker):
        Path(marker).write_text(str(os.getpid()))
        time.sleep(sleep)


@task("probe.fail")
def fail(env, message="refused"):
    bump(env, "fail")
    raise errors.UserError(message)


@task("probe.flaky", attempts=3)
def flaky(env, key, times, counter):
    """Fail ``times`` runs with a transient database error (a lock, a serialization failure), then count."""
    runs = Path(counter)
    done = int(runs.read_text()) if runs.exists() else 0
    runs.write_text(str(done + 1))
    if done < times:
        if env.connection.dialect.name == "sqlite":
            raise sqlite3.OperationalError("database is locked")
        import psycopg
        raise psycopg.errors.SerializationFailure("could not serialize access due to concurrent update")
    bump(env, key)


@task("probe.span")
def span(env, key, log, sleep):
    """Sleep ``sleep`` seconds; append ``key start end`` (times) to the file ``log``: when it ran."""
    start = time.time()
    time.sleep(sleep)
    with open(log, "a") as handle:
        handle.write(f"{key} {start} {time.time()}\\n")


@task("probe.elsewhere", queue="elsewhere")
def elsewhere(env, key):
    bump(env, key)


@task("probe.periodic", cron="0 0 1 1 *")
def periodic(env):
    bump(env, "periodic")


@task("probe.chain")
def chain(env, left):
    """Queue itself again until ``left`` is 0: jobs queued by jobs."""
    bump(env, "chain")
    if left:
        env.defer("probe.chain", left=left - 1)


@hookimpl
def core_tasks():
    return [touch, fail, flaky, span, elsewhere, periodic, chain]


def register(module):
    import sys
    module.add_models(Effect)
    module.add_hooks(sys.modules[__name__])
'''

PROBE_MIGRATION = '''
"""probe

Revision ID: queue_probe_0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "queue_probe_0001"
down_revision = None
branch_labels = ("queue_probe",)
depends_on = None


def upgrade():
    op.create_table("probe_effect",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("count", sa.Integer(), nullable=True),
        sa.Column("user", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_probe_effect")),
        sa.UniqueConstraint("key", name=op.f("uq_probe_effect_key")))
'''

PROBE_MANIFEST = '''
name = "queue_probe"
version = "1.0.0"
description = "Tasks for the queue's tests."
depends = ["queue", "res"]
'''


@pytest.fixture(scope="module")
def probe(module_factory_for_module):
    """The probe module written where subprocesses find it; returns the folder to put on PYTHONPATH.

    Written once per test file, so its template (activated once) serves the file's tests.
    """
    package = module_factory_for_module("queue_probe", {
        "__init__.py": PROBE_INIT, "manifest.toml": PROBE_MANIFEST,
        "migrations/queue_probe_0001.py": PROBE_MIGRATION})
    return package.parent


@pytest.fixture
def probe_db(kitwork_database, probe):
    return kitwork_database("queue_probe")


def effects(database):
    """``{key: count}`` of probe.effect."""
    with database.transaction() as env:
        return {e.key: e.count for e in env["probe.effect"].search([])}


def jobs(database, **domain):
    with database.transaction() as env:
        return env["queue.job"].search([(k, "=", v) for k, v in domain.items()])


def postgresql(database):
    return database.engine.dialect.name == "postgresql"
