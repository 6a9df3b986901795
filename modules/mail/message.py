"""The mail queue, and its delivery over SMTP."""
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
        """Send every queued or failed message over SMTP; return ``(sent, failed)`` lists of messages.

        ``url`` (default ``$KITWORK_SMTP_URL``): ``smtp://[user:password@]host[:port]`` (STARTTLS with
        ``?starttls=1``) or ``smtps://…``; ``?from=shop@example.com`` sets the sender.  The messages are
        locked first, so two runs at once never send one twice.  A message the server refuses, or
        every one when it cannot be reached, is marked failed with the reason, to be retried next run.
        """
        server = Server(url if url is not None else os.environ.get(URL_VARIABLE))
        pending = cls.search([("state", "in", ["queued", "failed"])])
        if not pending:
            return [], []
        cls.lock(pending)
        table = cls.table   # what another run sent while this one waited is no longer pending
        still = set()
        for batch in batches(cls.env, [m.id for m in pending]):
            still.update(cls.env.execute(sa.select(table.c.id).where(
                in_(table.c.id, batch), table.c.state.in_(["queued", "failed"]))).scalars())
        pending = [m for m in pending if m.id in still]
        outcome, partial = server.send([(m, cls.as_email(m, server.sender)) for m in pending])
        now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None, microsecond=0)
        rows = [{"id": m.id, "state": "failed" if outcome[m.id] else "sent",
                 "error": outcome[m.id] or partial.get(m.id), "attempts": (m.attempts or 0) + 1, "sent_at": None if outcome[m.id] else now} for m in pending]
        cls.write_rows(rows)
        sent = [m for m in pending if not outcome[m.id]]
        return sent, [m for m in pending if outcome[m.id]]

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
            connection = (smtplib.SMTP_SSL(self.host, self.port, timeout=30, context=ssl.create_default_context())
                          if self.ssl else smtplib.SMTP(self.host, self.port, timeout=30))
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"cannot reach the SMTP server {self.host}:{self.port}: {exc}"
            return {message.id: reason for message, _ in mails}, partial
        try:
            if self.starttls:
                connection.starttls(context=ssl.create_default_context())
            if self.user:
                connection.login(self.user, self.password)
            for message, mail in mails:
                try:
                    refused = connection.send_message(mail)
                    # Some recipients refused, the others got it: sent (a retry would send it twice), said in error.
                    partial[message.id] = f"sent, but refused for {', '.join(sorted(refused))}" if refused else None
                    outcome[message.id] = None
                except smtplib.SMTPRecipientsRefused as exc:
                    outcome[message.id] = "the SMTP server refused every recipient: " + "; ".join(
                        f"{address}: {code} {reply.decode(errors='replace') if isinstance(reply, bytes) else reply}"
                        for address, (code, reply) in sorted(exc.recipients.items()))
                except smtplib.SMTPServerDisconnected as exc:
                    outcome[message.id] = f"the SMTP server hung up: {exc}"
                    break
                except (OSError, smtplib.SMTPException) as exc:
                    outcome[message.id] = f"the SMTP server refused it: {exc}"
        except (OSError, smtplib.SMTPException) as exc:
            reason = f"SMTP session with {self.host}:{self.port} failed: {exc}"
            for message, _ in mails:
                outcome.setdefault(message.id, reason)
        finally:
            try:
                connection.quit()
            except (OSError, smtplib.SMTPException):
                connection.close()
        for message, _ in mails:   # not tried after the server hung up
            outcome.setdefault(message.id, "not sent: the SMTP server hung up before it")
        return outcome, partial
