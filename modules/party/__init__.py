"""Parties: the customers and suppliers Kitwork trades with."""
from .demo import demo
from .party import Party

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Party)

