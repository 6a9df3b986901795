"""``kitwork worker``: run the background jobs of a database, and its periodic tasks.

Any number of workers may run at once, on any number of machines sharing one
PostgreSQL database: procrastinate hands each job to one of them (``SELECT …
FOR UPDATE SKIP LOCKED``), wakes them with LISTEN/NOTIFY when a job is
queued, and records their heartbeats.  Besides running jobs, every worker
keeps house every ``tick`` seconds:

- **periodic tasks**: each due ``queue.schedule`` record is claimed by an
  UPDATE that only succeeds if its ``next_run`` is still the one read (the
  row lock makes a second worker wait, then find it moved on), and its job is
  queued in the same transaction under the queueing lock ``schedule:TASK``:
  with any number of workers, a period runs once, and a run still waiting is
  not queued twice;
- **stalled jobs** (PostgreSQL): a job left ``doing`` by a worker whose
  heartbeat stopped for ``stalled_after`` seconds (killed, its machine lost)
  is queued again, or failed once it has used its attempts; one worker at a
  time sweeps (an advisory lock), so a job is never handed back twice.

On SQLite (one machine, one writer) the worker polls for due jobs and runs
them one after the other; ``concurrency`` makes no difference there.
"""
import asyncio
import concurrent.futures
import logging
import signal
import threading
import time

import sqlalchemy as sa

from . import queue

log = logging.getLogger("kitwork.worker")
SWEEP_LOCK = 0x6b77_7177   # pg_advisory_xact_lock key of the stalled-job sweep ("kwqw")


class Worker:
    """Run the jobs of ``database`` until stopped (SIGTERM, SIGINT), or what is due with ``once``.

    ``queues``: only the jobs of those queues (default: all); ``concurrency``:
    jobs run at once (PostgreSQL; each in a thread with a connection of its
    own); ``stalled_after``: seconds without a worker's heartbeat after which
    its running jobs are run again; ``tick``: seconds between two looks at the
    schedules (and, on SQLite, at the queue).
    """

    def __init__(self, database, concurrency=4, queues=None, once=False, stalled_after=30.0, tick=1.0):
        self.database = database
        self.concurrency = max(1, int(concurrency))
        self.queues = list(queues) if queues else None
        self.once = once
        self.stalled_after = float(stalled_after)
        self.tick = float(tick)
        self.stopping = threading.Event()
        self.ran = 0   # jobs run so far

    def run(self):
        if self.database.engine.dialect.name == "postgresql":
            asyncio.run(self._run_postgresql())
        else:
            self._run_sqlite()

    def stop(self, *_):
        self.stopping.set()

    # -- keeping house -----------------------------------------------------------------------
    def housekeeping(self):
        """Queue the periodic tasks that are due; on PostgreSQL, hand stalled jobs back."""
        queued = tick(self.database)
        if self.database.engine.dialect.name == "postgresql":
            sweep_stalled(self.database, self.stalled_after)
        return queued

    # -- SQLite ------------------------------------------------------------------------------
    def _run_sqlite(self):
        jobs = queue.store(self.database)
        handlers = {sig: signal.signal(sig, self.stop) for sig in (signal.SIGTERM, signal.SIGINT)} \
            if threading.current_thread() is threading.main_thread() else {}
        try:
            next_tick = 0.0
            while not self.stopping.is_set():
                if time.monotonic() >= next_tick:
                    self._safely(self.housekeeping)
                    next_tick = time.monotonic() + self.tick
                ran = 0
                for job_id in self._safely(jobs.due, self.queues) or ():
                    if self.stopping.is_set():
                        break
                    self._safely(jobs.run, job_id)
                    ran += 1
                if not ran:
                    if self.once:
                        break
                    self.stopping.wait(min(self.tick, max(0.0, next_tick - time.monotonic())) or 0.05)
        finally:
            for sig, handler in handlers.items():
                signal.signal(sig, handler)

    @staticmethod
    def _safely(function, *args):
        """Call ``function``; a failure (a lost database, say) is logged and the worker goes on."""
        try:
            return function(*args)
        except Exception as exc:
            log.error("%s: %s", getattr(function, "__name__", function), queue.describe(exc))
            return None

    # -- PostgreSQL ----------------------------------------------------------------------------
    async def _run_postgresql(self):
        import procrastinate
        database = self.database
        # One connection per job running at once, plus the housekeeping's.  A connection the server
        # dropped (a restart) fails its job with an error that is retried, on a new connection.
        url = database.engine.url
        database.engine.dispose()
        database.engine = sa.create_engine(url, pool_size=self.concurrency + 2, max_overflow=2)
        app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=queue.conninfo(database.engine)))
        strategy = _retry_strategy()
        for found in queue.tasks(database.pool).values():
            app.task(name=found.name, queue=found.queue, pass_context=True, retry=strategy)(self._job(found))
        loop = asyncio.get_running_loop()
        loop.set_default_executor(concurrent.futures.ThreadPoolExecutor(self.concurrency + 2))
        queue.quiet_procrastinate()
        # procrastinate's own pool checks each connection with a query before every use: two more
        # round trips a job.  This one is checked only when it fails (psycopg discards broken ones).
        import psycopg_pool
        pool = psycopg_pool.AsyncConnectionPool(queue.conninfo(database.engine), min_size=2,
                                                max_size=self.concurrency + 3, open=False)
        await pool.open(wait=True)
        async with app.open_async(pool=pool):
            await asyncio.to_thread(self._safely, self.housekeeping)
            keeper = None if self.once else asyncio.create_task(self._keep_house())
            try:
                while True:   # with once: again while the jobs run queue more (a fan-out, a chain)
                    ran = self.ran
                    await app.run_worker_async(
                        queues=self.queues, concurrency=self.concurrency, wait=not self.once, listen_notify=True,
                        fetch_job_polling_interval=min(self.tick, 5.0), delete_jobs="never",
                        update_heartbeat_interval=max(0.2, self.stalled_after / 5),
                        stalled_worker_timeout=self.stalled_after, install_signal_handlers=True)
                    if not self.once or self.ran == ran:
                        break
            finally:
                if keeper is not None:
                    keeper.cancel()
        await pool.close()

    async def _keep_house(self):
        while True:
            await asyncio.sleep(self.tick)
            await asyncio.to_thread(self._safely, self.housekeeping)

    def _job(self, found):
        """The procrastinate task function of ``found``: run it, record why it failed and whether to retry."""
        database = self.database

        def run(context, **kwargs):
            job = context.job
            user = kwargs.pop(queue.USER_KEY, None)
            clear = (lambda env: env.execute(sa.text("DELETE FROM queue_job_error WHERE job_id = :id"),
                                             {"id": job.id})) if job.attempts else None
            self.ran += 1
            try:
                queue.execute(database, found, kwargs, user, before_commit=clear)
            except Exception as exc:
                description = queue.describe(exc)
                again = queue.is_transient(exc) and job.attempts + 1 < found.attempts
                with database.transaction() as env:
                    record_error(env, job.id, description)
                log.info("job %s %s %s: %s", job.id, found.name, "to retry" if again else "failed", description)
                raise (_TryAgain if again else _Failed)(description) from None
            log.info("job %s %s succeeded", job.id, found.name)

        async def run_in_thread(context, **kwargs):
            # What procrastinate does with a sync task (run it in a thread), without asgiref's
            # wrapping of each call: a tenth of the worker's time per small job.
            return await asyncio.get_running_loop().run_in_executor(None, lambda: run(context, **kwargs))

        run_in_thread.__name__ = run_in_thread.__qualname__ = found.name
        return run_in_thread


class _Failed(Exception):
    """A job failed for good: its error is recorded."""


class _TryAgain(Exception):
    """A job stopped on a transient error: run it again after a while."""


def _retry_strategy():
    """procrastinate's retry decision: again after a backoff for :class:`_TryAgain`, never otherwise."""
    from procrastinate import BaseRetryStrategy, RetryDecision

    class Retry(BaseRetryStrategy):
        def get_retry_decision(self, *, exception, job):
            if isinstance(exception, _TryAgain):
                return RetryDecision(retry_in={"seconds": queue.backoff(job.attempts + 1)})
            return None
    return Retry()


# -- periodic tasks and stalled jobs -------------------------------------------------------------
def tick(database, now=None):
    """Queue a job of each due, active ``queue.schedule`` record, once per period; return the job ids."""
    now = now or queue.utcnow()
    queued = []
    with database.transaction() as env:
        if "queue.schedule" not in env:
            return queued
        table = env["queue.schedule"].table
        known = queue.tasks(env.pool)
        query = sa.select(table.c.id, table.c.task, table.c.cron, table.c.next_run).where(
            table.c.active.is_(True), table.c.next_run <= now).order_by(table.c.next_run)
        due = env.execute(query).all()
        if due and env.connection.dialect.name == "sqlite":
            env.take_write_lock()   # SQLite refuses a reader turning writer while another writes: wait, read again
            due = env.execute(query).all()
        for row in due:
            try:
                following = queue.next_run(row.cron, now)
            except Exception:   # an edited cron checked at save cannot be wrong; a row written by hand can
                following = None
            claimed = env.execute(table.update().where(table.c.id == row.id, table.c.next_run == row.next_run)
                                  .values(last_run=now, next_run=following)).rowcount
            if claimed and row.task in known and not known[row.task].parameters[0]:
                queued.append(env.defer(row.task, queueing_lock=f"schedule:{row.task}"))
    return queued


def sweep_stalled(database, seconds):
    """PostgreSQL: queue again the jobs of workers silent for ``seconds`` (failed once out of attempts)."""
    known = queue.tasks(database.pool)
    handed = []
    with database.transaction() as env:
        if not env.execute(sa.text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SWEEP_LOCK}).scalar():
            return handed   # another worker is sweeping
        stalled = env.execute(sa.text(
            "SELECT job.id, job.task_name, job.attempts FROM procrastinate_jobs job "
            "LEFT JOIN procrastinate_workers worker ON worker.id = job.worker_id "
            "WHERE job.status = 'doing' AND (worker.id IS NULL "
            "OR worker.last_heartbeat < now() - make_interval(secs => :seconds)) "
            "FOR UPDATE OF job SKIP LOCKED"), {"seconds": seconds}).all()
        for job_id, name, attempts in stalled:
            found = known.get(name)
            if found is not None and attempts + 1 < found.attempts:
                env.execute(sa.text("SELECT procrastinate_retry_job_v2(:id, now(), NULL, NULL, NULL)"), {"id": job_id})
                log.info("job %s %s: its worker stopped; queued again", job_id, name)
            else:
                env.execute(sa.text("SELECT procrastinate_finish_job_v1(:id, 'failed', false)"), {"id": job_id})
                record_error(env, job_id, f"its worker stopped while running it ({attempts + 1} runs)")
                log.info("job %s %s failed: its worker stopped, %s runs", job_id, name, attempts + 1)
            handed.append(job_id)
    return handed


def record_error(env, job_id, description):
    """PostgreSQL: keep a job's last error in ``queue_job_error`` (procrastinate keeps none)."""
    env.execute(sa.text("INSERT INTO queue_job_error (job_id, error) VALUES (:id, :error) "
                        "ON CONFLICT (job_id) DO UPDATE SET error = EXCLUDED.error"),
                {"id": job_id, "error": description})
