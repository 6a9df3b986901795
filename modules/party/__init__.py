"""Parties: the customers and suppliers Kitwork trades with."""
from .demo import demo
from .party import Party


def register(module):
    module.add_models(Party)

