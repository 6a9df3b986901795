"""jobs and schedules

The job store depends on the database.  SQLite: the table ``queue_job``.
PostgreSQL: procrastinate's schema (the ``schema.sql`` of the pinned version
— see setup.cfg; a new procrastinate version brings its own migration files,
to apply in a revision of this branch), a table keeping each job's last error
(procrastinate keeps none), and ``queue_job``, a view of the jobs as the
model ``queue.job`` reads them.  ``queue_schedule`` is a table on both.

Revision ID: queue_0001
Revises: 
Create Date: 2026-12-07 21:26:09.460793
"""
import importlib.resources

from alembic import op
import sqlalchemy as sa

from core import errors


revision = 'queue_0001'
down_revision = None
branch_labels = ('queue',)
depends_on = None

JOB_VIEW = """
CREATE VIEW queue_job AS
SELECT job.id,
       job.task_name AS task,
       (job.args - '_user')::text AS args,
       CASE job.status WHEN 'aborted' THEN 'cancelled' WHEN 'aborting' THEN 'doing'
                       ELSE job.status::text END AS state,
       (SELECT count(*) FROM procrastinate_events e
         WHERE e.job_id = job.id AND e.type = 'started')::integer AS attempts,
       COALESCE(job.scheduled_at, (SELECT min(e.at) FROM procrastinate_events e
                                    WHERE e.job_id = job.id AND e.type = 'deferred'))
           AT TIME ZONE 'UTC' AS scheduled_at,
       (SELECT max(e.at) FROM procrastinate_events e
         WHERE e.job_id = job.id AND e.type = 'started') AT TIME ZONE 'UTC' AS started_at,
       CASE WHEN job.status IN ('succeeded', 'failed', 'cancelled', 'aborted') THEN
           (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = job.id
               AND e.type IN ('succeeded', 'failed', 'cancelled', 'aborted')) AT TIME ZONE 'UTC'
       END AS finished_at,
       failure.error,
       job.queue_name::text AS queue,
       job.lock AS job_lock,
       job.queueing_lock,
       job.args ->> '_user' AS "user"
  FROM procrastinate_jobs job
  LEFT JOIN queue_job_error failure ON failure.job_id = job.id
"""


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name == "postgresql":
        try:
            schema = importlib.resources.files("procrastinate.sql").joinpath("schema.sql").read_text()
        except ModuleNotFoundError:
            raise errors.UserError("module queue on PostgreSQL needs procrastinate: "
                                   "pip install 'kitwork[postgresql]'") from None
        connection.connection.driver_connection.execute(schema)   # no parameters: its '%' stay as they are
        op.create_table('queue_job_error',
        sa.Column('job_id', sa.BigInteger(), sa.ForeignKey('procrastinate_jobs.id', ondelete='CASCADE'),
                  primary_key=True),
        sa.Column('error', sa.Text(), nullable=False),
        )
        op.execute(JOB_VIEW)
    else:
        op.create_table('queue_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('task', sa.String(length=128), nullable=False),
        sa.Column('args', sa.Text(), nullable=False),
        sa.Column('state', sa.String(length=16), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('scheduled_at', sa.DateTime(), nullable=True),
        sa.Column('started_at', sa.DateTime(), nullable=True),
        sa.Column('finished_at', sa.DateTime(), nullable=True),
        sa.Column('error', sa.Text(), nullable=True),
        sa.Column('queue', sa.String(length=128), nullable=False),
        sa.Column('job_lock', sa.String(length=256), nullable=True),
        sa.Column('queueing_lock', sa.String(length=256), nullable=True),
        sa.Column('user', sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_job'))
        )
        with op.batch_alter_table('queue_job', schema=None) as batch_op:
            batch_op.create_index('ix_queue_job_due', ['state', 'scheduled_at'], unique=False)

    op.create_table('queue_schedule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('task', sa.String(length=128), nullable=False),
    sa.Column('cron', sa.String(length=64), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=True),
    sa.Column('last_run', sa.DateTime(), nullable=True),
    sa.Column('next_run', sa.DateTime(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_queue_schedule')),
    sa.UniqueConstraint('task', name=op.f('uq_queue_schedule_task'))
    )


def downgrade():
    op.drop_table('queue_schedule')
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP VIEW queue_job")
        op.drop_table('queue_job_error')
        # procrastinate's own objects stay: they may hold jobs of another application
    else:
        with op.batch_alter_table('queue_job', schema=None) as batch_op:
            batch_op.drop_index('ix_queue_job_due')
        op.drop_table('queue_job')
