"""Custom fields: definitions as data, typed and checked values, searched in SQL on both backends."""
import datetime
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("custom_field", "sale")


@pytest.fixture
def data(database):
    with database.transaction() as env:
        Field = env["custom.field"]
        Field.create([
            {"model": "sale.sale", "name": "priority", "type": "selection", "options": "low\nhigh\n"},
            {"model": "sale.sale", "name": "boxes", "type": "integer"},
            {"model": "sale.sale", "name": "weight", "type": "numeric"},
            {"model": "sale.sale", "name": "gift", "type": "boolean"},
            {"model": "sale.sale", "name": "due", "type": "date"},
            {"model": "sale.sale", "name": "note", "type": "char"},
            {"model": "party.party", "name": "priority", "type": "char"},
        ])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        pen, = env["product.product"].create([{"name": "Pen", "default_uom": unit.id, "list_price": Decimal(1)}])
        ann, bob = env["party.party"].create([{"name": "Ann"}, {"name": "Bob"}])
        return {"pen": pen.id, "ann": ann.id, "bob": bob.id}


def sales(env, data, *customs):
    return env["sale.sale"].create([{"party": data["ann"], "custom": custom,
                                     "lines": [{"product": data["pen"], "quantity": 1}]} for custom in customs])


def test_priority_high_is_found_and_urgent_refused(database, data):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        first, second = sales(env, data, {"priority": "low"}, {})
        Sale.write([second], {"custom": {"priority": "high"}})
        assert second.custom == {"priority": "high"}
        assert Sale.search([("custom.priority", "=", "high")]) == [second]
        assert Sale.search([("custom.priority", "=", "low")]) == [first]
        with pytest.raises(errors.ValidationError, match="urgent.*must be one of: low, high") as caught:
            Sale.write([second], {"custom": {"priority": "urgent"}})
        assert "custom" in caught.value.errors
        assert second.custom == {"priority": "high"}
    with database.transaction() as env:
        assert env["sale.sale"].search([("custom.priority", "=", "high")])[0].custom == {"priority": "high"}


def test_typed_values_read_back_typed(database, data):
    with database.transaction() as env:
        sale, = sales(env, data, {"boxes": 3, "weight": "2.50", "gift": True, "due": "2026-12-24", "note": "ring"})
        assert sale.custom == {"boxes": 3, "weight": Decimal("2.50"), "gift": True,
                               "due": datetime.date(2026, 12, 24), "note": "ring"}
        dumped, = env["sale.sale"].dump([sale])
        assert dumped["custom"] == {"boxes": 3, "weight": "2.50", "gift": True, "due": "2026-12-24", "note": "ring"}


def test_writing_merges_and_none_removes(database, data):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        one, two = sales(env, data, {"boxes": 1, "note": "a"}, {"boxes": 2})
        Sale.write([one, two], {"custom": {"gift": False, "boxes": None}})
        assert (one.custom, two.custom) == ({"note": "a", "gift": False}, {"gift": False})
        Sale.write([one], {"custom": {}})
        assert one.custom == {"note": "a", "gift": False}


def test_values_change_whatever_the_sale_state(database, data):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        sale, = sales(env, data, {})
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.write([sale], {"custom": {"priority": "high"}})
        assert sale.custom == {"priority": "high"}
        with pytest.raises(errors.WorkflowError):
            Sale.write([sale], {"custom": {"priority": "low"}, "sale_date": datetime.date(2026, 1, 1)})
        assert sale.custom == {"priority": "high"}


@pytest.mark.parametrize("custom, message", [
    ({"colour": "red"}, "no custom field 'colour' is defined for sale.sale"),
    ({"boxes": "three"}, "custom.boxes: 'three' is refused: expected a whole number"),
    ({"boxes": 2 ** 40}, "expected a whole number"),
    ({"boxes": True}, "expected a whole number"),
    ({"weight": "heavy"}, "custom.weight: 'heavy' is refused: expected a number"),
    ({"weight": float("nan")}, "expected a finite number"),
    ({"gift": "yes"}, "custom.gift: 'yes' is refused: expected true or false"),
    ({"due": "24/12/2026"}, "custom.due: '24/12/2026' is refused: expected a date"),
    ({"note": 12}, "custom.note: 12 is refused: expected text"),
    ({"note": "a\x00b"}, "cannot be stored"),
    ("high", "custom: (M|m)ust be a mapping"),
    ({"priority": "urgent"}, "must be one of: low, high"),
])
def test_bad_values_are_refused_and_nothing_saved(database, data, custom, message):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        sale, = sales(env, data, {"note": "kept"})
        count = Sale.search_count([])
        with pytest.raises(errors.ValidationError, match=message):
            sales(env, data, {"note": "new"}, custom)
        assert Sale.search_count([]) == count
        with pytest.raises(errors.ValidationError, match=message):
            Sale.write([sale], {"custom": custom if isinstance(custom, dict) else custom, "delivery_date": None})
        with pytest.raises(errors.ValidationError, match=message):
            Sale.write_unchecked([sale], {"custom": custom})
        assert sale.custom == {"note": "kept"}


def test_searches_by_type_and_operator(database, data):
    with database.transaction() as env:
        Sale = env["sale.sale"]
        a, b, c = sales(env, data,
                        {"boxes": 2, "weight": "1.5", "gift": True, "due": "2026-01-10", "note": "Red box"},
                        {"boxes": 10, "weight": "12", "gift": False, "due": "2026-03-01", "note": "blue"},
                        {})

        def found(domain):
            return {s.id for s in Sale.search(domain)}

        assert found([("custom.boxes", ">", 3)]) == {b.id}   # 10 > 3 as numbers, not as text
        assert found([("custom.boxes", "in", [2, 10])]) == {a.id, b.id}
        assert found([("custom.boxes", "not in", [2])]) == {b.id, c.id}
        assert found([("custom.weight", "<", Decimal("2"))]) == {a.id}
        assert found([("custom.weight", ">=", "12.0")]) == {b.id}
        assert found([("custom.gift", "=", True)]) == {a.id}
        assert found([("custom.gift", "=", False)]) == {b.id}
        assert found([("custom.gift", "!=", True)]) == {b.id, c.id}
        assert found([("custom.due", "<", datetime.date(2026, 2, 1))]) == {a.id}
        assert found([("custom.due", ">=", "2026-02-01")]) == {b.id}
        assert found([("custom.note", "ilike", "red%")]) == {a.id}
        assert found([("custom.note", "=", None)]) == {c.id}
        assert found([("custom.note", "!=", None)]) == {a.id, b.id}
        assert found([("custom.note", "!=", "blue")]) == {a.id, c.id}
        assert found([("custom.boxes", ">", 1), ("custom.note", "=", "blue")]) == {b.id}
        sql = str(Sale.sql_where([("custom.boxes", ">", 3)])[0].compile(env.connection))
        assert ("->>" if env.connection.dialect.name == "postgresql" else "JSON_EXTRACT") in sql


@pytest.mark.parametrize("domain, message", [
    ([("custom.colour", "=", "red")], "no custom field 'colour' is defined for it"),
    ([("custom.boxes", "=", "many")], "cannot search sale.sale.custom.boxes = 'many': expected a whole number"),
    ([("custom.gift", "<", True)], "compare with = or != only"),
    ([("custom.boxes", "like", "1%")], "like compares a text or selection custom field"),
    ([("custom.boxes", "in", 3)], "give a list"),
    ([("custom", "=", "x")], r"search one custom field, as \('custom.NAME'"),
])
def test_bad_searches_are_refused(database, data, domain, message):
    with database.transaction() as env:
        with pytest.raises(errors.UserError, match=message):
            env["sale.sale"].search(domain)
        assert env["sale.sale"].search([]) == []   # the transaction is still usable


def test_parties_carry_them_too(database, data):
    with database.transaction() as env:
        Party = env["party.party"]
        cy, = Party.create([{"name": "Cy", "custom": {"priority": "silver"}}])
        assert cy.custom == {"priority": "silver"}   # read back as just written, before any other change
        assert Party.dump([cy])[0]["custom"] == {"priority": "silver"}
        Party.write([data["bob"]], {"custom": {"priority": "gold"}})
        assert Party.search([("custom.priority", "=", "gold")]) == Party.browse([data["bob"]])
        assert Party.browse([data["ann"]])[0].custom == {}
        with pytest.raises(errors.ValidationError, match="no custom field 'boxes' is defined for party.party"):
            Party.create([{"name": "Cy", "custom": {"boxes": 1}}])


@pytest.mark.parametrize("values, message", [
    ({"model": "no.such", "name": "x", "type": "char"}, "'no.such' is no model carrying custom fields; "
                                                         "those are: party.party, sale.sale"),
    ({"model": "product.product", "name": "x", "type": "char"}, "'product.product' is no model carrying"),
    ({"model": "sale.sale", "name": "priority", "type": "char"}, "'priority' is already defined for sale.sale"),
    ({"model": "sale.sale", "name": "Bad Name", "type": "char"}, "name: Must start with a lower-case letter"),
    ({"model": "sale.sale", "name": "level", "type": "selection"}, "A selection needs its allowed values"),
    ({"model": "sale.sale", "name": "level", "type": "selection", "options": "a\na"}, "given twice"),
    ({"model": "sale.sale", "name": "level", "type": "integer", "options": "1"}, "Only a selection has options"),
    ({"model": "sale.sale", "name": "level", "type": "colour"}, "type: Must be one of"),
    ({"model": "sale.sale", "name": "id", "type": "integer"}, "sale.sale.id: name: 'id' is a reserved name"),
    ({"model": "sale.sale", "name": "create_date", "type": "date"}, "'create_date' is a reserved name"),
    ({"model": "sale.sale", "name": "state", "type": "char"}, r"sale.sale.state: name: 'state' is a field of "
                                                               r"sale.sale: give the custom field another name"),
    ({"model": "sale.sale", "name": "custom", "type": "char"}, "'custom' is a field of sale.sale"),
    ({"model": "party.party", "name": "name", "type": "char"}, "'name' is a field of party.party"),
    ({"model": "party.party", "name": "write", "type": "char"}, "'write' is a name of the record API"),
    ({"model": "sale.sale", "name": "1st", "type": "char"}, "name: Must start with a lower-case letter"),
    ({"model": "sale.sale", "name": "a-b", "type": "char"}, "name: Must start with a lower-case letter"),
])
def test_bad_definitions_are_refused(database, data, values, message):
    with database.transaction() as env:
        Field = env["custom.field"]
        count = Field.search_count([])
        with pytest.raises(errors.ValidationError, match=message):
            Field.create([values])
        assert Field.search_count([]) == count


def test_sql_keywords_are_fine_names_values_being_json_keys(database, data):
    with database.transaction() as env:
        env["custom.field"].create([{"model": "sale.sale", "name": name, "type": "char"}
                                    for name in ("select", "order", "where")])
        sale, other = sales(env, data, {"select": "a'b", "order": "x", "where": None}, {"order": "y"})
        assert env["sale.sale"].search([("custom.select", "=", "a'b"), ("custom.order", "in", ["x"])]) == [sale]
        assert sale.custom == {"select": "a'b", "order": "x"}


def test_definitions_are_fixed_but_options_may_change_and_deleting_removes_values(database, data):
    with database.transaction() as env:
        Field, Sale = env["custom.field"], env["sale.sale"]
        priority, = Field.search([("model", "=", "sale.sale"), ("name", "=", "priority")])
        with pytest.raises(errors.ValidationError, match="type cannot change once defined"):
            Field.write([priority], {"type": "char"})
        Field.write([priority], {"options": "low\nhigh\nurgent"})
        sale, other = sales(env, data, {"priority": "urgent", "boxes": 4}, {"boxes": 5})
        Sale.quote([sale])
        boxes, = Field.search([("model", "=", "sale.sale"), ("name", "=", "boxes")])
        Field.delete([boxes])
        assert (sale.custom, other.custom) == ({"priority": "urgent"}, {})
        with pytest.raises(errors.UserError, match="no custom field 'boxes'"):
            Sale.search([("custom.boxes", "=", 4)])
        with pytest.raises(errors.UserError, match="custom.field 999999 does not exist"):
            Field.delete([999999])
        with pytest.raises(errors.UserError, match="expected a record of custom.field or its id"):
            Field.delete(["priority"])
        assert Field.search_count([("model", "=", "sale.sale")]) == 5 and sale.custom == {"priority": "urgent"}


def test_another_module_opts_a_model_in_with_one_line(kitwork_database, module_factory):
    module_factory("shipment_notes", {
        "manifest.toml": 'name = "shipment_notes"\nversion = "1.0.0"\ndepends = ["custom_field", "stock"]\n',
        "__init__.py": "import modules.custom_field as custom_field\n\n\n"
                       "def register(module):\n"
                       "    module.add_models(custom_field.carry('stock.location'))\n",
    })
    from modules.custom_field import CustomValues
    from core import modules as kmodules
    from core.pool import get_pool
    available = kmodules.discover()
    pool = get_pool([available[n] for n in kmodules.resolve(["shipment_notes"], available)])
    location = pool.models["stock.location"]
    assert isinstance(location._fields["custom"], CustomValues)
    assert location._fields["custom"].owner == "shipment_notes"
    assert hasattr(location, "_create") and "custom" in location._table.c


def test_an_option_still_used_by_a_record_cannot_be_removed(database, data):
    with database.transaction() as env:
        Field, Sale = env["custom.field"], env["sale.sale"]
        priority, = Field.search([("model", "=", "sale.sale"), ("name", "=", "priority")])
        urgent, = sales(env, data, {"priority": "high"})
        with pytest.raises(errors.ValidationError, match="option 'high' is still used by sale.sale records"):
            Field.write([priority], {"options": "low\nmedium"})   # caught, no savepoint of the caller's own
        assert priority.options.split() == ["low", "high"]
        assert Sale.search([("custom.priority", "=", "high")]) == [urgent]
        Field.write([priority], {"options": "low\nhigh\nmedium"})   # adding is fine
        Sale.write([urgent], {"custom": {"priority": "medium"}})
        Field.write([priority], {"options": "medium\nlow"})          # 'high' no longer used
        assert Sale.browse([urgent.id])[0].custom == {"priority": "medium"}
