"""The demo's sale_automation chapter."""


def demo(database, out):
    """Written below once the engine runs."""
