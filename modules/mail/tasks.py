"""``mail.send``: the mail queue delivered in the background, one message per job."""
import datetime
import os

import sqlalchemy as sa

from core import hookimpl, task

from .message import URL_VARIABLE, Server

RETRIES = 5   # a failed message is sent again by the periodic run until it was tried this often


@task("mail.send", cron="* * * * *", queue="mail")
def send(env, message=None):
    """Send ``message`` (an id) over SMTP; without it, queue a job for each message waiting to go.

    A job sends one message, at most once: the message is claimed (locked,
    its state read again), handed to the server of ``$KITWORK_SMTP_URL``
    and marked sent (or failed, with the reason) in the job's commit, right
    after the server answered.  A second run finds it sent and does
    nothing; a worker killed between the server's answer and the commit
    sends that one message again.  Without ``message``, one job per queued
    message, and per failed message tried fewer than ``RETRIES`` times, each
    under the queueing lock ``mail.send:ID`` (never two waiting for one
    message).
    """
    Message = env["mail.message"]
    if message is None:
        waiting = Message.search([("state", "=", "queued")]) + Message.search(
            [("state", "=", "failed"), ("attempts", "<", RETRIES)])
        send_later(env, waiting)
        return
    server = Server(os.environ.get(URL_VARIABLE))
    table = Message.table
    Message.lock([message])   # a message is sent by one job at a time: the other waits, then finds it sent
    pending = env.execute(sa.select(table.c.id).where(
        table.c.id == message, table.c.state.in_(["queued", "failed"]))).scalar()
    if pending is None:   # sent meanwhile, or deleted
        return
    record, = Message.browse([message])
    outcome, partial = server.send([(record, Message.as_email(record, server.sender))])
    reason = outcome[record.id]
    Message.write_rows([{
        "id": record.id, "state": "failed" if reason else "sent", "error": reason or partial.get(record.id),
        "attempts": (record.attempts or 0) + 1,
        "sent_at": None if reason else datetime.datetime.now(datetime.timezone.utc).replace(
            tzinfo=None, microsecond=0)}])


def send_later(env, messages):
    """Queue a ``mail.send`` job for each of ``messages`` in this transaction; return the job ids."""
    return [env.defer("mail.send", message=m.id, queueing_lock=f"mail.send:{m.id}", lock=f"mail.message:{m.id}")
            for m in sorted(messages, key=lambda m: m.id)]


@hookimpl
def core_tasks():
    """The module's task: mail.send, delivering the mail queue one message per job."""
    return [send]
