"""A module whose activation fails after creating its table and a record."""
import sys

from core import Model, errors, fields, hookimpl


class Thing(Model):
    _name = "example.broken.thing"

    name = fields.Char("Name")


@hookimpl
def core_modules_activated(env, modules):
    if "example_broken" in modules:
        env["example.broken.thing"]._create([{"name": "half-done"}])
        env["product.uom.category"]._create([{"name": "Half-done"}])
        raise errors.UserError("example_broken refuses to be activated")


def register(module):
    module.add_models(Thing)
    module.add_hooks(sys.modules[__name__])
