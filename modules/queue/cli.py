"""``kitwork worker`` and ``kitwork jobs``: run the background jobs, list them, retry failed ones."""
import logging

from core import Database, errors
from core import queue as kqueue


def _database(url):
    database = Database(url)
    if "queue" not in database.active_modules:
        raise errors.UserError(f"queue is not active in {database!r}: run 'kitwork activate queue'")
    return database


def worker(args, out):
    from core.worker import Worker
    if args.concurrency < 1 or args.stalled_after <= 0 or args.tick <= 0:
        raise errors.UserError("--concurrency must be at least 1, --stalled-after and --tick more than 0")
    database = _database(args.db)
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("kitwork").setLevel(logging.INFO)
    out.write(f"worker on {database!r}: queues {', '.join(args.queue) if args.queue else 'all'}, "
              f"concurrency {args.concurrency}{', until nothing is due' if args.once else ''}\n")
    out.flush()
    Worker(database, concurrency=args.concurrency, queues=args.queue, once=args.once,
           stalled_after=args.stalled_after, tick=args.tick).run()
    out.write("worker stopped\n")


def worker_arguments(parser):
    parser.add_argument("--concurrency", type=int, default=4, metavar="N",
                        help="jobs run at once (PostgreSQL; default 4)")
    parser.add_argument("--queue", action="append", metavar="NAME", help="only this queue's jobs (repeatable)")
    parser.add_argument("--once", action="store_true", help="run what is due, then exit")
    parser.add_argument("--stalled-after", type=float, default=30.0, metavar="SECONDS",
                        help="run again the jobs of a worker silent this long (default 30)")
    parser.add_argument("--tick", type=float, default=1.0, metavar="SECONDS",
                        help="how often the schedules (and, on SQLite, the queue) are looked at (default 1)")


def jobs(args, out):
    database = _database(args.db)
    if args.action == "retry":
        if not args.ids or args.state:
            raise errors.UserError("kitwork jobs retry ID...: give the ids of failed jobs (and no --state)")
        with database.transaction() as env:
            ids = kqueue.retry(env, args.ids)
        out.write(f"queued again: {', '.join(map(str, ids))}\n")
        return
    if args.ids:
        raise errors.UserError("job ids are for 'kitwork jobs retry ID...'")
    states = [value for value, _ in kqueue.STATES]
    if args.state and args.state not in states:
        raise errors.UserError(f"--state {args.state!r}: one of {', '.join(states)}")
    with database.transaction() as env:
        Job = env["queue.job"]
        found = Job.search([("state", "=", args.state)] if args.state else [], order=[("id", "DESC")],
                           limit=args.limit)
        for job in reversed(found):
            line = f"{job.id}  {job.task}  {job.state}  attempts {job.attempts}"
            if job.error:
                line += f"  error: {' '.join(job.error.split())[:200]}"
            out.write(line + "\n")
    if not found:
        out.write("no job\n")


def jobs_arguments(parser):
    parser.add_argument("action", nargs="?", choices=["retry"], help="retry: queue the failed jobs ID... again")
    parser.add_argument("ids", nargs="*", type=int, metavar="ID")
    parser.add_argument("--state", metavar="STATE", help="only jobs in this state (todo, doing, succeeded, "
                                                         "failed, cancelled)")
    parser.add_argument("--limit", type=int, default=100, metavar="N", help="the N latest jobs (default 100)")


cli_commands = [
    ("worker", "run the background jobs and periodic tasks (queue) until stopped, on any number of machines "
               "(PostgreSQL)", worker, worker_arguments),
    ("jobs", "list the background jobs (queue), or 'jobs retry ID...' to queue failed ones again",
     jobs, jobs_arguments),
]
