"""Product categories (§17): a tree of families products belong to; no category is its own ancestor."""
import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("product")


def tree(env):
    """Furniture > Seating > Chairs, and Lighting."""
    Category = env["product.category"]
    furniture, lighting = Category.create([{"name": "Furniture"}, {"name": "Lighting"}])
    seating, = Category.create([{"name": "Seating", "parent": furniture.id}])
    chairs, = Category.create([{"name": "Chairs", "parent": seating.id}])
    return furniture, seating, chairs, lighting


def test_a_product_belongs_to_a_category_of_a_tree(database):
    with database.transaction() as env:
        furniture, seating, chairs, lighting = tree(env)
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        chair, = env["product.product"].create([{"name": "Chair", "default_uom": unit.id, "category": chairs.id}])
        assert chair.category == chairs and chairs.parent.parent == furniture
        assert furniture.children == [seating] and env["product.product"].search(
            [("category.parent.name", "=", "Seating")]) == [chair]
        above = env["product.category"].ancestors([chairs.id, lighting.id])
        assert above == {chairs.id: {chairs.id, seating.id, furniture.id}, lighting.id: {lighting.id}}


@pytest.mark.parametrize("child", ["Furniture", "Seating", "Chairs"])
def test_a_cycle_is_refused_and_nothing_is_saved(database, child):
    """Furniture under Chairs (or under itself, or Seating under Chairs) would put a category inside itself."""
    with database.transaction() as env:
        categories = {c.name: c for c in tree(env)}
    with database.transaction() as env:
        Category = env["product.category"]
        moved = categories[child]
        with pytest.raises(errors.ValidationError) as info:
            Category.write([moved.id], {"name": "Moved", "parent": categories["Chairs"].id})
        assert "parent" in info.value.errors and "cycle" in str(info.value)
        assert f"product.category {moved.id}" in str(info.value)
        assert [(c.name, c.parent.name if c.parent else None) for c in Category.search([], order=[("id", "ASC")])] == [
            ("Furniture", None), ("Lighting", None), ("Seating", "Furniture"), ("Chairs", "Seating")]


def test_a_category_with_subcategories_cannot_be_deleted_its_products_stay(database):
    with database.transaction() as env:
        furniture, seating, chairs, _ = tree(env)
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        chair, = env["product.product"].create([{"name": "Chair", "default_uom": unit.id, "category": chairs.id}])
        with pytest.raises(errors.UserError):
            env["product.category"].delete([seating])
        env["product.category"].delete([chairs])
        assert chair.category is None
