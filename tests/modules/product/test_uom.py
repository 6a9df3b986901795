"""Units of measure: the seeded units and conversions."""
import pytest

from core import errors


@pytest.fixture
def units(db):
    with db.transaction() as env:
        return {u.symbol: u.id for u in env["product.uom"].search([])}


def test_activation_seeds_units_and_weight(db):
    with db.transaction() as env:
        categories = {c.name: sorted(u.symbol for u in c.uoms) for c in env["product.uom.category"].search([])}
        assert categories == {"Units": ["dz", "u"], "Weight": ["g", "kg"]}
        dozen, = env["product.uom"].search([("symbol", "=", "dz")])
        assert (dozen.name, dozen.factor) == ("Dozen", 12.0)


@pytest.mark.parametrize("source, quantity, target, expected", [
    ("dz", 2, "u", 24.0),
    ("u", 6, "dz", 0.5),
    ("u", 5, "dz", 0.42),       # 0.41666… rounded to the dozen's rounding 0.01
    ("kg", 1.5, "g", 1500.0),
    ("g", 250, "kg", 0.25),
    ("g", 1, "kg", 0.001),
    ("u", 2.5, "u", 3.0),       # rounded half up to the unit's rounding 1
    ("kg", 0.0004, "kg", 0.0),
])
def test_compute_quantity(db, units, source, quantity, target, expected):
    with db.transaction() as env:
        Uom = env["product.uom"]
        source, target = Uom.browse([units[source], units[target]])
        assert Uom.compute_quantity(source, quantity, target) == pytest.approx(expected)


def test_compute_quantity_without_rounding(db, units):
    with db.transaction() as env:
        Uom = env["product.uom"]
        unit, dozen = Uom.browse([units["u"], units["dz"]])
        assert Uom.compute_quantity(unit, 5, dozen, round=False) == pytest.approx(5 / 12)


def test_conversion_across_categories_is_an_error(db, units):
    with db.transaction() as env:
        Uom = env["product.uom"]
        unit, kilogram = Uom.browse([units["u"], units["kg"]])
        with pytest.raises(errors.UserError, match="cannot convert Unit .Units. into Kilogram .Weight."):
            Uom.compute_quantity(unit, 1, kilogram)


@pytest.mark.parametrize("field", ["factor", "rounding"])
def test_factor_and_rounding_must_be_positive(db, field):
    with pytest.raises(errors.ValidationError) as info:
        with db.transaction() as env:
            category, = env["product.uom.category"].create([{"name": "Length"}])
            env["product.uom"].create([{"name": "Metre", "symbol": "m", "category": category, field: 0}])
    assert info.value.errors == {field: ["Must be greater than zero."]}
    with db.transaction() as env:
        assert env["product.uom.category"].search([("name", "=", "Length")]) == []


@pytest.mark.parametrize("quantity, rounding, expected", [
    (1.005, 0.01, 1.01), (2.5, 1, 3), (2.4999, 1, 2), (0.41666, 0.01, 0.42), (7, 0.25, 7.0), (7.13, 0.25, 7.25),
    (0.0004, 0.001, 0.0), (0.0005, 0.001, 0.001), (1234.5678, 0.001, 1234.568),
])
def test_round_half_up_to_the_rounding(db, quantity, rounding, expected):
    with db.transaction() as env:
        assert env["product.uom"].round(quantity, rounding) == expected
