"""Outgoing mail: a queue of messages, delivered by SMTP.

Modules queue a ``mail.message`` (an address, a subject, a body, an optional
attachment); ``kitwork mail send`` delivers the queue over the SMTP server of
``KITWORK_SMTP_URL``, marking each message sent, or failed with the reason,
and tries the failed ones again on its next run.  Each message is marked
sent in its own commit as soon as the server accepts it: a run that is
killed sends at most the message in flight again on the next run.
"""
from .cli import cli_commands
from .message import Message
from . import tasks

__all__ = ["cli_commands", "register"]


def register(module):
    module.add_models(Message)
    module.add_hooks(tasks)
