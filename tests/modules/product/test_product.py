"""Products."""
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def unit(db):
    with db.transaction() as env:
        return env["product.uom"].search([("symbol", "=", "u")])[0].id


def test_create_read_and_defaults(db, unit):
    with db.transaction() as env:
        Product = env["product.product"]
        lamp, = Product.create([{"name": "Lamp", "code": "L1", "default_uom": unit, "list_price": Decimal("9.99")}])
        assert (lamp.type, lamp.active, lamp.cost_price, lamp.list_price) == ("goods", True, None, Decimal("9.99"))
        assert lamp.default_uom.symbol == "u"
        Product.write([lamp], {"type": "service", "active": False})
        assert Product.search([("type", "=", "service"), ("active", "=", False)]) == [lamp]


def test_type_is_goods_or_service_without_product_kit(db, unit):
    with db.transaction() as env, pytest.raises(errors.ValidationError) as info:
        env["product.product"].create([{"name": "Box", "type": "kit", "default_uom": unit}])
    assert info.value.errors == {"type": ["Must be one of: goods, service."]}


def test_code_is_unique_when_set(db, unit):
    with db.transaction() as env:
        Product = env["product.product"]
        Product.create([{"name": "A", "default_uom": unit}, {"name": "B", "default_uom": unit},
                        {"name": "C", "code": "C1", "default_uom": unit}])
        with pytest.raises(errors.ValidationError, match="'C1' is already used by product.product"):
            Product.create([{"name": "D", "code": "C1", "default_uom": unit}])
        with pytest.raises(errors.ValidationError, match="'X' is given twice"):
            Product.create([{"name": "E", "code": "X", "default_uom": unit},
                            {"name": "F", "code": "X", "default_uom": unit}])


def test_unit_is_required_and_must_exist(db):
    with db.transaction() as env:
        with pytest.raises(errors.ValidationError) as info:
            env["product.product"].create([{"name": "A"}])
        assert info.value.errors == {"default_uom": ["Missing data for required field."]}
        with pytest.raises(errors.ValidationError, match="no product.uom with id 9999"):
            env["product.product"].create([{"name": "A", "default_uom": 9999}])


def test_a_unit_in_use_cannot_be_deleted(db, unit):
    with db.transaction() as env:
        env["product.product"].create([{"name": "A", "default_uom": unit}])
        with pytest.raises(errors.UserError, match="cannot delete product.uom .* product.product .* refers to it"):
            env["product.uom"].delete(env["product.uom"].browse([unit]))


def test_an_unused_product_may_change_its_unit_category(db):
    """Nothing counts the product yet: its unit may measure something else."""
    with db.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        tea, = env["product.product"].create([{"name": "Tea", "default_uom": units["u"]}])
        env["product.product"].write([tea], {"default_uom": units["kg"]})
        assert env["product.product"].browse([tea.id])[0].default_uom.id == units["kg"]
