import decimal
import functools
import math

from core import Model, errors, fields


TINY = 1e-9   # the smallest factor or rounding: conversions and rounding stay finite


@functools.lru_cache(maxsize=None)
def _decimals(rounding):
    """How many decimals a multiple of ``rounding`` needs (0.01 -> 2, 1 -> 0)."""
    return max(0, -decimal.Decimal(repr(rounding)).normalize().as_tuple().exponent)


class UomCategory(Model):
    """Units that measure the same thing (count, weight) and convert into each other."""

    _name = "product.uom.category"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128)
    uoms = fields.One2Many("product.uom", "category", "Units")


class Uom(Model):
    """A unit of measure, defined by its ``factor`` to its category's reference unit.

    1 kg = 1000 g is a reference unit kg (factor 1) and g with factor 0.001.
    """

    _name = "product.uom"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128)
    symbol = fields.Char("Symbol", required=True, size=16)
    category = fields.Many2One("product.uom.category", "Category", required=True)
    factor = fields.Float("Factor", required=True, default=1.0, max=1e9,
                          help="How many reference units of the category one of this unit is.")
    rounding = fields.Float("Rounding", required=True, default=0.01, max=1e6,
                            help="Quantities in this unit are rounded to a multiple of it.")

    @classmethod
    def validate(cls, records):
        super().validate(records)
        for uom in records:
            for name in ("factor", "rounding"):
                if getattr(uom, name) <= 0:
                    raise errors.ValidationError(
                        f"{uom.rec_name}: {name} must be greater than zero",
                        {name: ["Must be greater than zero."]}, uom.rec_name)
                if getattr(uom, name) < TINY:   # quantity / rounding must stay a finite float
                    raise errors.ValidationError(
                        f"{uom.rec_name}: {name} must be at least {TINY:g}", {name: [f"Must be at least {TINY:g}."]},
                        uom.rec_name)

    @staticmethod
    def round(quantity, rounding):
        """``quantity`` rounded half up to a multiple of ``rounding``.

        Float arithmetic (it runs for every exploded component); the epsilon
        keeps 1.005 from rounding down to 1.00 because 1.005 / 0.01 is
        100.49999999999999 in binary.
        """
        steps = math.floor(quantity / rounding + 0.5 + 1e-9)
        return round(steps * rounding, _decimals(rounding))

    @staticmethod
    def floor(quantity, rounding):
        """``quantity`` rounded down to a multiple of ``rounding`` (what is complete of it).

        The epsilon keeps 0.3 / 0.1 = 2.9999999999999996 from flooring to 0.2.
        """
        steps = math.floor(quantity / rounding + 1e-9)
        return round(steps * rounding, _decimals(rounding))

    @classmethod
    def compute_quantity(cls, from_uom, quantity, to_uom, round=True):
        """``quantity`` in ``from_uom`` expressed in ``to_uom`` (same category only).

        Rounded to the target unit's rounding unless ``round`` is false.
        """
        if from_uom.id != to_uom.id:
            if from_uom.category.id != to_uom.category.id:
                raise errors.UserError(
                    f"cannot convert {from_uom.name} ({from_uom.category.name}) into "
                    f"{to_uom.name} ({to_uom.category.name}): they measure different things")
            quantity = quantity * from_uom.factor / to_uom.factor
        return cls.round(quantity, to_uom.rounding) if round else quantity
