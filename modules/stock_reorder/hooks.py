from core import hookimpl


@hookimpl
def core_modules_activated(env, modules):
    """The module's settings live in one configuration record, made now."""
    if "stock_reorder" in modules:
        env["stock.reorder.configuration"].create_unchecked([{}])
