"""``kitwork mail send``: deliver the mail queue by SMTP (``KITWORK_SMTP_URL``)."""
from core import Database, errors


def mail(args, out):
    """Each message is marked sent in its own commit once the server took it: see ``message.deliver``."""
    from .message import deliver
    database = Database(args.db)
    if "mail" not in database.active_modules:
        raise errors.UserError(f"mail is not active in {database!r}: run 'kitwork activate mail'")
    sent, failed = deliver(database)
    for message in sent:
        out.write(f"sent: message {message.id} to {message.to}: {message.subject}\n")
    for message in failed:
        out.write(f"failed: message {message.id} to {message.to}: {message.error}\n")
    out.write(f"{len(sent)} sent, {len(failed)} failed\n")
    if failed:
        raise errors.UserError(f"{len(failed)} message(s) could not be sent; 'kitwork mail send' retries them")


def add_arguments(parser):
    parser.add_argument("action", choices=["send"], help="send: deliver the queued (and failed) messages")


cli_commands = [("mail", "mail send: deliver queued mail by SMTP ($KITWORK_SMTP_URL), retrying failed messages",
                 mail, add_arguments)]
