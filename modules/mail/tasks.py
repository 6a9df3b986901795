"""``mail.send``: the mail queue delivered in the background, one message per job."""
import os

from core import hookimpl, task

from .message import URL_VARIABLE, Server, claim

RETRIES = 5   # a failed message is sent again by the periodic run until it was tried this often


@task("mail.send", cron="* * * * *", queue="mail")
def send(env, message=None):
    """Send ``message`` (an id) over SMTP; without it, queue a job for each message waiting to go.

    A job sends one message, at most once more, as ``kitwork mail send``
    does (:func:`~modules.mail.message.deliver`): the message is claimed
    (locked, its state read again), handed to the server of
    ``$KITWORK_SMTP_URL`` and marked sent (or failed, with the reason) in the
    job's commit, right after the server answered.  A second run finds it
    sent and does nothing; a worker killed between the server's answer and
    the commit sends that one message again.  Without ``message``, one job per queued
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
    record = claim(Message, message)   # locked: one job (or kitwork mail send) at a time sends it
    if record is None:   # sent meanwhile, being sent by another run, or deleted
        return
    outcome, partial = server.send([(record, Message.as_email(record, server.sender))])
    Message.write_rows([Message.outcome_row(record, outcome[record.id], partial.get(record.id))])


def send_later(env, messages):
    """Queue a ``mail.send`` job for each of ``messages`` in this transaction; return the job ids."""
    return [env.defer("mail.send", message=m.id, queueing_lock=f"mail.send:{m.id}", lock=f"mail.message:{m.id}")
            for m in sorted(messages, key=lambda m: m.id)]


@hookimpl
def core_tasks():
    """The module's task: mail.send, delivering the mail queue one message per job."""
    return [send]
