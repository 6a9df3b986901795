"""Activating modules in a database, and what each database composes."""
import pytest
import sqlalchemy as sa

from core import Database, errors


def tables(database):
    return set(sa.inspect(database.engine).get_table_names())


def test_activation_brings_dependencies_first_and_is_idempotent(kitwork_database, example_package):
    database = kitwork_database()
    assert database.active_modules == ()
    assert database.activate("example") == ("product", "example")
    assert database.active_modules == ("product", "example")
    assert database.activate("example", "product") == ()
    assert database.activate("party", "example") == ("party",)
    assert database.active_modules == ("party", "product", "example")
    assert database.versions() == {"party": "1.0.0", "product": "1.0.0", "example": "1.0.0"}


def test_activation_state_is_stored_in_the_database(kitwork_database):
    database = kitwork_database("product")
    assert Database(database.url).active_modules == ("product",)


def test_unknown_module_activates_nothing(kitwork_database):
    database = kitwork_database("party")
    with pytest.raises(errors.ModuleNotFound, match="unknown module 'nope'"):
        database.activate("product", "nope")
    assert Database(database.url).active_modules == ("party",)


def test_failed_activation_leaves_the_database_as_it_was(kitwork_database, example_package):
    database = kitwork_database("party")
    before = tables(database)
    with pytest.raises(errors.UserError, match="refuses to be activated"):
        database.activate("example_broken")
    assert tables(database) == before
    assert Database(database.url).active_modules == ("party",)
    # and the database is still usable: the same modules activate cleanly afterwards
    assert database.activate("product") == ("product",)
    with database.transaction() as env:
        assert env["product.uom.category"].search([("name", "=", "Half-done")]) == []


def test_modules_seed_their_records_once_at_activation(kitwork_database):
    database = kitwork_database("product")
    database.activate("party")
    with database.transaction() as env:
        assert sorted(u.symbol for u in env["product.uom"].search([])) == ["dz", "g", "kg", "u"]


def test_each_database_sees_its_own_composition(kitwork_database, example_package):
    plain = kitwork_database("product")
    extended = kitwork_database("example")
    with plain.transaction() as env:
        Product = env["product.product"]
        assert "warranty_months" not in Product._fields
        assert Product._fields["type"].values == ["goods", "service"]
        assert "example.gadget" not in env
    with extended.transaction() as env:
        Product = env["product.product"]
        assert "warranty_months" in Product._fields
        assert Product._fields["type"].values == ["goods", "service", "consumable"]
        unit = env["product.uom"].search([("symbol", "=", "u")])[0]
        thing, = Product.create([{"name": "Fuse", "type": "consumable", "default_uom": unit, "warranty_months": 6}])
        assert thing.warranty_months == 6
    with plain.transaction() as env:   # still the plain composition
        unit = env["product.uom"].search([("symbol", "=", "u")])[0]
        with pytest.raises(errors.ValidationError) as info:
            env["product.product"].create([{"name": "Fuse", "type": "consumable", "default_uom": unit}])
        assert set(info.value.errors) == {"type"}


def test_override_calls_super(example_db):
    with example_db.transaction() as env:
        Product = env["product.product"]
        unit = env["product.uom"].search([("symbol", "=", "u")])[0]
        # the example module's validate() runs, and so does product's through super()
        with pytest.raises(errors.ValidationError, match="warranty_months cannot be negative"):
            Product.create([{"name": "A", "default_uom": unit, "warranty_months": -1}])
        with pytest.raises(errors.ValidationError, match="list_price cannot be negative"):
            Product.create([{"name": "B", "default_uom": unit, "list_price": -1}])


def test_third_party_hook_ran_at_activation(example_db):
    with example_db.transaction() as env:
        month, = env["product.uom"].search([("symbol", "=", "mo")])
        assert month.category.name == "Time"


@pytest.mark.parametrize("order", [("example", "party"), ("party", "example")])
def test_extra_switches_on_whichever_module_comes_last(kitwork_database, example_package, order):
    database = kitwork_database(order[0])
    with database.transaction() as env:
        assert "owner" not in env["example.gadget"]._fields if "example.gadget" in env else True
    database.activate(order[1])
    with database.transaction() as env:
        customer, = env["party.party"].create([{"name": "Ann"}])
        gadget, = env["example.gadget"].create([{"name": "g", "owner": customer}])
        assert gadget.owner.name == "Ann"


def test_transaction_needs_an_active_module(kitwork_database):
    with pytest.raises(errors.ModuleError, match="no module is active"):
        with kitwork_database().transaction():
            pass


def test_unknown_model_is_a_user_error(db):
    with db.transaction() as env, pytest.raises(errors.UserError, match="unknown model 'sale.sale'"):
        env["sale.sale"]
