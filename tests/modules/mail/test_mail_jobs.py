"""mail.send: one message per job, sent once, by a worker (or, on SQLite, right after the commit)."""
import pytest

from modules.mail.tasks import send


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("mail")


def postgresql(database):
    return database.engine.dialect.name == "postgresql"


def messages(database):
    with database.transaction() as env:
        return [(m.state, m.attempts) for m in env["mail.message"].search([])]


def mail_jobs(database):
    with database.transaction() as env:
        return [(j.args, j.queueing_lock, j.job_lock, j.state)
                for j in env["queue.job"].search([("task", "=", "mail.send")])]


def run(database, smtp_server, run_jobs):
    """Run what is queued: on SQLite the jobs ran in-process (the test set the environment); a worker gets it."""
    if postgresql(database):
        run_jobs(database, smtp_url=smtp_server.url)


def test_a_message_is_sent_by_its_job_once(database, smtp_server, monkeypatch, run_jobs):
    monkeypatch.setenv("KITWORK_SMTP_URL", smtp_server.url)
    with database.transaction() as env:
        message, = env["mail.message"].create([{"to": "ann@example.com", "subject": "Hello", "body": "Hi.\n"}])
        first = env.defer("mail.send", message=message.id)
    run(database, smtp_server, run_jobs)
    assert messages(database) == [("sent", 1)] and len(smtp_server.received) == 1
    with database.transaction() as env:   # a second job for the same message: it finds it sent
        second = env.defer("mail.send", message=message.id)
    run(database, smtp_server, run_jobs)
    assert messages(database) == [("sent", 1)] and len(smtp_server.received) == 1
    with database.transaction() as env:
        assert [(j.id, j.state) for j in env["queue.job"].search([])] == [(first, "succeeded"), (second, "succeeded")]


def test_the_periodic_run_queues_one_job_per_message_waiting(database, smtp_server, monkeypatch, run_jobs):
    with database.transaction() as env:
        Message = env["mail.message"]
        queued = Message.create([{"to": f"{name}@example.com", "subject": "Hi"} for name in ("ann", "bob")])
        tried, given_up = Message.create([{"to": "cy@example.com", "subject": "Hi"}, {"to": "di@example.com",
                                                                                     "subject": "Hi"}])
        Message.write_rows([{"id": tried.id, "state": "failed", "attempts": 1},
                            {"id": given_up.id, "state": "failed", "attempts": 5}])
    monkeypatch.setenv("KITWORK_SMTP_URL", smtp_server.url)
    with database.transaction() as env:   # the periodic run, twice: the jobs it queues wait under their queueing locks
        assert send(env) is None and send(env) is None
    run(database, smtp_server, run_jobs)
    ids = [m.id for m in queued] + [tried.id]
    sent = sorted(((args, lock, job_lock) for args, lock, job_lock, state in mail_jobs(database)),
                  key=lambda job: job[0]["message"])
    assert sent == [({"message": i}, f"mail.send:{i}", f"mail.message:{i}") for i in ids]   # once each
    assert messages(database) == [("sent", 1), ("sent", 1), ("sent", 2), ("failed", 5)]
    assert sorted(rcpt for _, (rcpt,), _ in smtp_server.received) == ["ann@example.com", "bob@example.com",
                                                                       "cy@example.com"]


def test_without_an_smtp_server_the_job_fails_and_the_message_waits(database, monkeypatch, run_jobs):
    monkeypatch.delenv("KITWORK_SMTP_URL", raising=False)
    with database.transaction() as env:
        message, = env["mail.message"].create([{"to": "ann@example.com", "subject": "Hello"}])
        env.defer("mail.send", message=message.id)
    if postgresql(database):
        run_jobs(database)   # a worker without KITWORK_SMTP_URL
    with database.transaction() as env:
        job, = env["queue.job"].search([])
        assert job.state == "failed" and "no SMTP server: set KITWORK_SMTP_URL" in job.error
    assert messages(database) == [("queued", 0)]
