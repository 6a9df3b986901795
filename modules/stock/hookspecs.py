"""Events of stock moves, for the modules whose records moves come from."""
from core import hookspec


@hookspec
def stock_moves_done(env, moves):
    """Moves were done: the goods have physically moved.

    ``moves`` lists the ``stock.move`` records that became done, in one batch
    (a shipment shipped or received, say), inside that transaction.  The
    modules that made them (sale, purchase) look at their ``origin`` to move
    their orders on.  The return value is ignored.
    """


@hookspec
def stock_moves_cancelled(env, moves):
    """Moves were cancelled: they will never happen.

    ``moves`` lists the ``stock.move`` records cancelled in one batch, inside
    that transaction; the modules that made them look at their ``origin``.
    The return value is ignored.
    """
