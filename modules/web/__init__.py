"""The HTTP API and the web pages: ``kitwork serve``.

A REST-style JSON API generated from the active modules (every model's
records, and the methods models publish: workflow transitions and
``@core.expose`` methods), described by an OpenAPI 3.1 document built from the
models' marshmallow schemas; users authenticate with the API keys of module
``res`` (``Authorization: Bearer <key>``) and act within their rights.  With
stock_reorder active, ``/replenishment`` shows the replenishment report.

The HTTP stack (Starlette, uvicorn, apispec, Jinja2) is the ``web`` extra
(``pip install 'kitwork[web]'``): the module imports it only when serving.
"""
from .cli import cli_commands
from .idempotency import IdempotencyKey

__all__ = ["cli_commands", "register"]


def register(module):
    """The module serves the models of the other active modules; its own keeps idempotent POSTs' responses."""
    module.add_models(IdempotencyKey)
