"""Parties: the customers and suppliers Kitwork trades with."""
from .demo import demo
from .party import Party, Tag

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Tag, Party)

