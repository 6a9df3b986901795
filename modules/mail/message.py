"""The mail queue, and its delivery over SMTP (at most once more: see :func:`deliver`)."""
import collections
import datetime
import email.message
import email.utils
import mimetypes
import os
import re
import smtplib
import socket
import ssl
import urllib.parse

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_

URL_VARIABLE = "KITWORK_SMTP_URL"
ADDRESS = re.compile(r"[^@\s,<>]+@[^@\s,<>]+\.[^@\s,<>]+")
STATES = [("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")]


class Message(Model):
    """An e-mail waiting to be sent (queued), sent, or failed (with the reason; retried on the next run)."""

    _name = "mail.message"
    _order = (("id", "ASC"),)

    to = fields.Char("To", required=True, size=1024,
                     help="The recipients' addresses, separated by commas: ann@example.com, bob@example.com.")
    subject = fields.Char("Subject", required=True, size=256)
    body = fields.Text("Body", help="Plain text.")
    attachment = fields.Binary("Attachment", help="A file sent with the message (a PDF, say).")
    attachment_name = fields.Char("Attachment name", size=256,
                                  help="The attached file's name, e.g. INV0001.pdf; its type follows the extension.")
    origin = fields.Reference("Origin", help="What the message is about (an invoice, say).")
    state = fields.Selection(STATES, "State", required=True, readonly=True, default="queued")
    error = fields.Text("Error", readonly=True, help="Why the last attempt failed.")
    attempts = fields.Integer("Attempts", readonly=True, default=0, help="Delivery attempts so far.")
    sent_at = fields.DateTime("Sent at", readonly=True)

    @classmethod
    def validate(cls, messages):
        super().validate(messages)
        for message in messages:
            bad = [a for a in cls.addresses(message.to) if not ADDRESS.fullmatch(a)]
            if bad or not cls.addresses(message.to):
                raise errors.ValidationError(
                    f"{message.rec_name}: to {message.to!r}: {bad[0] if bad else 'nothing'} is not an e-mail "
                    f"address like name@example.com", {"to": ["Not a list of e-mail addresses."]}, message.rec_name)
            for name in ("subject", "attachment_name"):
                value = getattr(message, name)
                if value is not None and any(c in value for c in "\r\n\0"):
                    # a header spanning lines would smuggle other headers (Bcc: …) into the mail
                    raise errors.ValidationError(
                        f"{message.rec_name}: {name} {value!r:.80} holds a line break; give it on one line",
                        {name: ["Must be one line."]}, message.rec_name)
            if message.attachment is not None and not message.attachment_name:
                raise errors.ValidationError(
                    f"{message.rec_name}: an attachment needs its attachment_name (e.g. invoice.pdf)",
                    {"attachment_name": ["Missing data for an attachment."]}, message.rec_name)

    @classmethod
    def write(cls, messages, values):
        for message in messages:
            if message.state == "sent":
                raise errors.WorkflowError(f"{message.rec_name} was sent on {message.sent_at}: it cannot change")
        super().write(messages, values)

    @staticmethod
    def addresses(to):
        """The addresses of a ``to`` value, in order."""
        return [part.strip() for part in (to or "").split(",") if part.strip()]

    @classmethod
    def deliver(cls, url=None):
        """Send every queued or failed message over SMTP inside the caller's transaction; ``(sent, failed)``.

        The states are written when the caller commits: a crash before that
        leaves every message queued, and they are all sent again.  For
        delivery that sends a message at most once more, whatever happens,
        use :func:`modules.mail.message.deliver` (``kitwork mail send``),
        which commits each message on its own.  ``url``: see
        :class:`Server`.  The messages are locked first, so two runs at once
        never send one twice.
        """
        server = Server(url if url is not None else os.environ.get(URL_VARIABLE))
        pending = cls.search([("state", "in", ["queued", "failed"])])
        if not pending:
            return [], []
        cls.lock(pending)
        still = cls.pending_ids([m.id for m in pending])   # what another run sent meanwhile is not pending
        pending = [m for m in pending if m.id in still]
        outcome, partial = server.send([(m, cls.as_email(m, server.sender)) for m in pending])
        cls.write_rows([cls.outcome_row(m, outcome[m.id], partial.get(m.id)) for m in pending])
        return [m for m in pending if not outcome[m.id]], [m for m in pending if outcome[m.id]]

    @classmethod
    def pending_ids(cls, ids):
        """The ids among ``ids`` of messages still queued or failed, read from the database."""
        table, still = cls.table, set()
        for batch in batches(cls.env, ids):
            still.update(cls.env.execute(sa.select(table.c.id).where(
                in_(table.c.id, batch), table.c.state.in_(["queued", "failed"]))).scalars())
        return still

    @staticmethod
    def outcome_row(message, reason, partial=None):
        """The row recording one delivery attempt of ``message``: sent (``reason`` None) or failed."""
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
        return {"id": message.id, "state": "failed" if reason else "sent", "error": reason or partial,
                "attempts": (message.attempts or 0) + 1, "sent_at": None if reason else now}

    @classmethod
    def as_email(cls, message, sender):
        """The :class:`email.message.EmailMessage` of a ``mail.message``."""
        mail = email.message.EmailMessage()
        mail["From"] = sender
        mail["To"] = ", ".join(cls.addresses(message.to))
        mail["Subject"] = message.subject
        mail["Date"] = email.utils.formatdate(localtime=True)
        mail["Message-ID"] = email.utils.make_msgid(domain=sender.partition("@")[2] or None)
        mail.set_content(message.body or "")
        if message.attachment is not None:
            kind = mimetypes.guess_type(message.attachment_name)[0] or "application/octet-stream"
            maintype, _, subtype = kind.partition("/")
            mail.add_attachment(message.attachment, maintype=maintype, subtype=subtype,
                                filename=message.attachment_name)
        return mail


class Server:
    """An SMTP server from its URL; ``send`` returns the failure reason of each message (None: sent)."""

    SCHEMES = {"smtp": 25, "smtps": 465}

    def __init__(self, url):
        if not url:
            raise errors.UserError(f"no SMTP server: set {URL_VARIABLE}, e.g. smtp://127.0.0.1:8025")
        parts = urllib.parse.urlsplit(url)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme not in self.SCHEMES or not parts.hostname or port == -1:
            raise errors.UserError(
                f"SMTP URL {url!r} is not smtp://[user:password@]host[:port] or smtps://…")
        query = urllib.parse.parse_qs(parts.query)
        self.ssl = parts.scheme == "smtps"
        self.host, self.port = parts.hostname, port or self.SCHEMES[parts.scheme]
        self.user = urllib.parse.unquote(parts.username) if parts.username else None
        self.password = urllib.parse.unquote(parts.password or "")
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true", "yes")
        self.sender = query.get("from", [f"kitwork@{socket.getfqdn() or 'localhost'}"])[0]
        if "from" in query and not ADDRESS.fullmatch(self.sender):
            raise errors.UserError(f"SMTP URL {url!r}: from={self.sender!r} is not an e-mail address")

    def send(self, mails):
        """``mails``: ``(message, EmailMessage)`` pairs; ``({message id: None or the reason it failed},
        {message id: what went wrong with a message sent to some recipients only})``."""
        outcome, partial = {}, {}
        try:
            session = self.open()
        except SessionFailed as exc:
            return {message.id: str(exc) for message, _ in mails}, partial
        try:
            for message, mail in mails:
                try:
                    outcome[message.id], partial[message.id] = session.send(mail)
                except SessionFailed as exc:
                    outcome[message.id] = str(exc)
                    break
        finally:
            session.close()
        for message, _ in mails:   # not tried after the server hung up
            outcome.setdefault(message.id, "not sent: the SMTP server hung up before it")
        return outcome, partial

    def open(self):
        """A :class:`Session` with the server (connected, TLS and login done); SessionFailed if it cannot be."""
        try:
            connection = (smtplib.SMTP_SSL(self.host, self.port, timeout=30, context=ssl.create_default_context())
                          if self.ssl else smtplib.SMTP(self.host, self.port, timeout=30))
        except (OSError, smtplib.SMTPException) as exc:
            raise SessionFailed(f"cannot reach the SMTP server {self.host}:{self.port}: {exc}") from None
        session = Session(connection)
        try:
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.user:
                connection.login(self.user, self.password)
        except (OSError, smtplib.SMTPException) as exc:
            session.close()
            raise SessionFailed(f"SMTP session with {self.host}:{self.port} failed: {exc}") from None
        return session


class SessionFailed(Exception):
    """The SMTP session is over (not reached, refused, hung up): what is left cannot be sent through it."""


class Session:
    """An open SMTP connection sending one message at a time."""

    def __init__(self, connection):
        self.connection = connection

    def send(self, mail):
        """``(reason it failed or None, what went wrong for some recipients only or None)``; SessionFailed
        when the server hung up (this message not sent)."""
        try:
            refused = self.connection.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            return "the SMTP server refused every recipient: " + "; ".join(
                f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
                for address, (code, reply) in sorted(exc.recipients.items())), None
        except smtplib.SMTPServerDisconnected as exc:
            raise SessionFailed(f"the SMTP server hung up: {exc}") from None
        except (OSError, smtplib.SMTPException) as exc:
            return f"the SMTP server refused it: {exc}", None
        # Some recipients refused, the others got it: sent (a retry would send it twice), said in error.
        return None, (f"sent, but refused for {', '.join(sorted(refused))}" if refused else None)

    def close(self):
        try:
            self.connection.quit()
        except (OSError, smtplib.SMTPException):
            self.connection.close()


Delivered = collections.namedtuple("Delivered", "id to subject state error")


def deliver(database, url=None):
    """Send the queued and failed messages of ``database``, each in its own transaction; ``(sent, failed)``.

    At most once more: each message is claimed (locked, checked still
    pending), sent, and marked sent in a commit of its own right after the
    SMTP server accepts it.  Whatever stops the run (a kill, a lost
    database, a failed commit), every message the server accepted before is
    recorded as sent, except at most the one in flight, which the next run
    sends again.  Two runs at once never send one message twice: a message
    is claimed under a lock (PostgreSQL: the other run skips it; SQLite: it
    waits its turn).  ``sent`` and ``failed`` are :data:`Delivered` tuples
    (the transactions are over).  ``url``: see :class:`Server`.
    """
    server = Server(url if url is not None else os.environ.get(URL_VARIABLE))
    with database.transaction() as env:
        ids = [m.id for m in env["mail.message"].search([("state", "in", ["queued", "failed"])])]
    sent, failed, session = [], [], None
    try:
        for position, message_id in enumerate(ids):
            with database.transaction() as env:
                Message = env["mail.message"]
                message = claim(Message, message_id)
                if message is None:   # another run has it, or sent it
                    continue
                reason, partial = None, None
                try:
                    if session is None:
                        session = server.open()
                    reason, partial = session.send(Message.as_email(message, server.sender))
                except SessionFailed as exc:   # this message and the rest are not sent: failed, tried next run
                    later = "not sent: the SMTP server hung up before it" if session is not None else str(exc)
                    session, reason = None, str(exc)
                    rest = [m for m in (claim(Message, i) for i in ids[position + 1:]) if m is not None]
                    Message.write_rows([Message.outcome_row(m, later) for m in rest])
                    failed += [_delivered(m, later) for m in rest]
                Message.write_rows([Message.outcome_row(message, reason, partial)])
                (failed if reason else sent).append(_delivered(message, reason))
            if reason and session is None:
                break
    finally:
        if session is not None:
            session.close()
    return sent, failed


def claim(Message, message_id):
    """The message ``message_id`` locked for this transaction if it is still to send, else None."""
    table = Message.table
    query = sa.select(table.c.id).where(table.c.id == message_id, table.c.state.in_(["queued", "failed"]))
    if Message.env.connection.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)   # a run at the same moment sends it: skip it
    else:
        Message.lock([message_id])   # SQLite: this transaction becomes the one writer
    if Message.env.execute(query).first() is None:
        return None
    return Message.browse([message_id])[0]


def _delivered(message, reason):
    return Delivered(message.id, message.to, message.subject, "failed" if reason else "sent", reason)
