"""The mail queue delivered over SMTP to a real server (aiosmtpd) on 127.0.0.1."""
import asyncio
import collections
import io
import os
import signal
import subprocess
import sys
import time

import pytest

from core import cli, errors
from tests.conftest import Inbox, serve_smtp


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("mail")


def test_queue_deliver_fail_and_retry(database, smtp_server, free_port, monkeypatch, capsys):
    with database.transaction() as env:
        Message = env["mail.message"]
        Message.create([
            {"to": "ann@example.com, bob@example.com", "subject": "Hello", "body": "Hi there.\n",
             "attachment": b"%PDF-1.4 tiny", "attachment_name": "note.pdf"},
            {"to": "nobody@refused.example", "subject": "Lost"}])
    monkeypatch.setenv("KITWORK_SMTP_URL", f"smtp://127.0.0.1:{free_port()}")   # nobody listens there
    assert cli.main(["mail", "send", "--db", database.url], out=io.StringIO()) == 1
    assert "2 message(s) could not be sent" in capsys.readouterr().err
    with database.transaction() as env:
        assert [(m.state, m.attempts, "cannot reach the SMTP server" in m.error)
                for m in env["mail.message"].search([])] == [("failed", 1, True), ("failed", 1, True)]
    monkeypatch.setenv("KITWORK_SMTP_URL", smtp_server.url)
    out = io.StringIO()
    assert cli.main(["mail", "send", "--db", database.url], out=out) == 1    # one is still refused
    assert "1 sent, 1 failed" in out.getvalue()
    (sender, recipients, received), = smtp_server.received
    assert (sender, recipients) == ("shop@example.com", ["ann@example.com", "bob@example.com"])
    assert received["Subject"] == "Hello" and received["To"] == "ann@example.com, bob@example.com"
    assert received.get_body(("plain",)).get_content().strip() == "Hi there."
    attachment, = received.iter_attachments()
    assert (attachment.get_filename(), attachment.get_content_type()) == ("note.pdf", "application/pdf")
    assert attachment.get_content() == b"%PDF-1.4 tiny"
    with database.transaction() as env:
        sent, lost = env["mail.message"].search([])
        assert (sent.state, sent.error, sent.attempts, sent.sent_at is not None) == ("sent", None, 2, True)
        assert (lost.state, lost.attempts) == ("failed", 2) and "550 no such mailbox" in lost.error
        env["mail.message"].write([lost], {"to": "lost@example.com"})   # fixed by hand: retried next run
        with pytest.raises(errors.WorkflowError, match="was sent"):
            env["mail.message"].write([sent], {"subject": "Changed"})
    out = io.StringIO()
    assert cli.main(["mail", "send", "--db", database.url], out=out) == 0
    assert out.getvalue().endswith("1 sent, 0 failed\n") and len(smtp_server.received) == 2
    assert cli.main(["mail", "send", "--db", database.url], out=io.StringIO()) == 0   # nothing sent twice
    assert len(smtp_server.received) == 2


def test_bad_messages_and_urls_are_clear_errors(database, monkeypatch, capsys):
    with database.transaction() as env:
        Message = env["mail.message"]
        for values, field in (({"to": "not an address", "subject": "x"}, "to"),
                              ({"to": "a@example.com, b", "subject": "x"}, "to"),
                              ({"to": "a@example.com"}, "subject"),
                              ({"to": "a@example.com", "subject": "x", "attachment": "text"}, "attachment"),
                              ({"to": "a@example.com", "subject": "x", "attachment": b"%PDF"}, "attachment_name"),
                              ({"to": "a@example.com", "subject": "x", "state": "sent"}, "state"),
                              ({"to": "a@example.com", "subject": "Hi\r\nBcc: eve@example.com"}, "subject"),
                              ({"to": "a@example.com", "subject": "Hi\n"}, "subject"),
                              ({"to": "a@example.com", "subject": "x", "attachment": b"%PDF",
                                "attachment_name": "a.pdf\r\nBcc: eve@example.com"}, "attachment_name")):
            with pytest.raises(errors.ValidationError) as error:
                Message.create([values])
            assert field in error.value.errors
        assert Message.search([]) == []
        queued, = Message.create([{"to": "a@example.com", "subject": "x"}])
        with pytest.raises(errors.ValidationError, match="line break"):
            with env.atomic():
                Message.write([queued], {"subject": "x\nBcc: eve@example.com"})
        assert queued.subject == "x"
        for url in ("http://example.com", "smtp://", "smtp://host:notaport", "smtp://h:25?from=nobody"):
            with pytest.raises(errors.UserError, match="SMTP URL"):
                Message.deliver(url)
    monkeypatch.delenv("KITWORK_SMTP_URL", raising=False)
    assert cli.main(["mail", "send", "--db", database.url], out=io.StringIO()) == 1
    assert "set KITWORK_SMTP_URL" in capsys.readouterr().err
    with database.transaction() as env:
        assert [m.state for m in env["mail.message"].search([])] == ["queued"]


class SlowInbox(Inbox):
    """Takes ``delay`` seconds to accept each message (it is received, then accepted)."""

    delay = 0.25

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp_server():
    yield from serve_smtp(SlowInbox())


def mail_send(database, url):
    """A real ``kitwork mail send`` process."""
    return subprocess.Popen([sys.executable, "-c", "from core.cli import run; run()", "mail", "send", "--db",
                             database.url], env={**os.environ, "KITWORK_SMTP_URL": url},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("kill_after", [1, 4])
def test_a_killed_mail_send_sends_at_most_the_message_in_flight_again(database, slow_smtp_server, kill_after):
    """SIGKILL after N deliveries: N (or N - 1, the one in flight) are recorded sent; the next run sends the
    rest, so at most one message reaches its recipient twice (the report saw all N twice)."""
    with database.transaction() as env:
        env["mail.message"].create([{"to": f"c{i}@example.com", "subject": f"Invoice {i}"} for i in range(8)])
    process = mail_send(database, slow_smtp_server.url)
    deadline = time.monotonic() + 60
    while len(slow_smtp_server.received) < kill_after:
        assert process.poll() is None and time.monotonic() < deadline, process.communicate()
        time.sleep(0.01)
    os.kill(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    received = [mail["Subject"] for _, _, mail in slow_smtp_server.received]
    with database.transaction() as env:
        recorded = [m.subject for m in env["mail.message"].search([("state", "=", "sent")])]
        assert all(m.attempts == (1 if m.state == "sent" else 0) for m in env["mail.message"].search([]))
    assert set(recorded) <= set(received) and len(received) - len(recorded) <= 1
    assert len(recorded) >= kill_after - 1
    again = mail_send(database, slow_smtp_server.url)
    out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err
    assert out.endswith(f"{8 - len(recorded)} sent, 0 failed\n")
    counts = collections.Counter(mail["Subject"] for _, _, mail in slow_smtp_server.received)
    assert sorted(counts) == [f"Invoice {i}" for i in range(8)]
    assert sum(counts.values()) - 8 == len(received) - len(recorded) <= 1   # the one in flight, if any
    with database.transaction() as env:
        assert {m.state for m in env["mail.message"].search([])} == {"sent"}


def test_two_mail_sends_at_once_send_each_message_once(database, slow_smtp_server):
    with database.transaction() as env:
        env["mail.message"].create([{"to": f"c{i}@example.com", "subject": f"Invoice {i}"} for i in range(6)])
    processes = [mail_send(database, slow_smtp_server.url) for _ in range(2)]
    results = [p.communicate(timeout=120) for p in processes]
    counts = collections.Counter(mail["Subject"] for _, _, mail in slow_smtp_server.received)
    assert sorted(counts.values()) == [1] * 6, results
    with database.transaction() as env:
        assert {m.state for m in env["mail.message"].search([])} == {"sent"}
