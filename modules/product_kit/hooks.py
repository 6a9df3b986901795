"""What product_kit does when the database's modules change."""
from core import hookimpl

from .line import type_untyped_lines


@hookimpl
def core_modules_reactivated(env, modules):
    """Back after a deactivation: the order lines made meanwhile get their line type."""
    if "product_kit" in modules:
        for name in ("sale.line", "purchase.line"):
            if name in env:
                type_untyped_lines(env, env[name])
