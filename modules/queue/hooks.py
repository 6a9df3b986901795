from core import hookimpl
from core import queue as kqueue


@hookimpl
def core_modules_activated(env, modules):
    """Each periodic task of a module activated now gets its ``queue.schedule`` record (all, with queue itself)."""
    Schedule = env["queue.schedule"]
    existing = {s.task for s in Schedule.search([])}
    Schedule.create_unchecked([{"task": t.name, "cron": t.cron} for t in kqueue.tasks(env.pool).values()
                               if t.cron and t.name not in existing and ("queue" in modules or t.module in modules)])
