"""Parties: the customers and suppliers Kitwork trades with, their addresses and tax identifier."""
from .demo import demo
from .party import Address, Party, Tag

__all__ = ["demo", "register"]


def register(module):
    module.add_models(Tag, Party, Address)

