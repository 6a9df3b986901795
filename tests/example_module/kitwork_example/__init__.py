"""An example third-party module.

It extends ``product.product`` (a field, a selection option, an overridden
``validate`` calling ``super()``), defines ``example.gadget`` with a field of
every type, implements a core hook, and adds a field to gadgets only when
``party`` is active too (an extra).
"""
import datetime
import sys

from core import Model, errors, fields, hookimpl


class Product:
    _name = "product.product"

    warranty_months = fields.Integer("Warranty (months)", default=0)
    type = fields.Selection.extend([("consumable", "Consumable")])

    @classmethod
    def validate(cls, records):
        super().validate(records)
        for product in records:
            if product.warranty_months is not None and product.warranty_months < 0:
                raise errors.ValidationError(
                    f"{product.rec_name}: warranty_months cannot be negative",
                    {"warranty_months": ["Cannot be negative."]}, product.rec_name)


class Gadget(Model):
    _name = "example.gadget"

    name = fields.Char("Name", required=True, size=20)
    notes = fields.Text("Notes")
    count = fields.Integer("Count")
    weight = fields.Float("Weight", digits=3)
    price = fields.Numeric("Price", digits=2)
    enabled = fields.Boolean("Enabled")
    day = fields.Date("Day")
    moment = fields.DateTime("Moment")
    colour = fields.Selection([("red", "Red"), ("blue", "Blue")], "Colour", default="red")
    product = fields.Many2One("product.product", "Product", ondelete="cascade")
    uom = fields.Many2One("product.uom", "Unit")   # set null
    parts = fields.One2Many("example.gadget.part", "gadget", "Parts")
    total = fields.Function(fields.Numeric("Total", digits=2), "get_total")
    state = fields.Selection([("new", "New"), ("sealed", "Sealed")], "State", default="new", readonly=True)
    created_on = fields.Date("Created on", default=datetime.date.today)

    @classmethod
    def get_total(cls, gadgets, name):
        return {g.id: (g.price or 0) * (g.count or 0) for g in gadgets}

    @classmethod
    def seal(cls, gadgets):
        cls._write(gadgets, {"state": "sealed"})


class GadgetPart(Model):
    _name = "example.gadget.part"
    _order = (("sequence", "ASC"),)

    gadget = fields.Many2One("example.gadget", "Gadget", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10)
    name = fields.Char("Name", required=True)


class GadgetOwner:
    """Only when party is active: who owns a gadget."""

    _name = "example.gadget"

    owner = fields.Many2One("party.party", "Owner")


@hookimpl
def core_modules_activated(env, modules):
    """Give the database a unit to count warranties in."""
    if "example" in modules:
        category, = env["product.uom.category"]._create([{"name": "Time"}])
        env["product.uom"]._create([{"name": "Month", "symbol": "mo", "category": category.id, "rounding": 1}])


def register(module):
    module.add_models(Product, Gadget, GadgetPart)
    module.add_models(GadgetOwner, extra="party")
    module.add_hooks(sys.modules[__name__])
