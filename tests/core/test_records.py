"""The record API of CONTRACT.md §2, on the example module's gadgets."""
import datetime
import functools
import json
from decimal import Decimal

import pytest

from core import errors

DAY = datetime.date(2026, 3, 1)
MOMENT = datetime.datetime(2026, 3, 1, 14, 30, 5)


@pytest.fixture
def unit(example_db):
    with example_db.transaction() as env:
        return env["product.uom"].search([("symbol", "=", "u")])[0].id


def make_product(env, unit, name="Lamp", **values):
    product, = env["product.product"].create([{"name": name, "default_uom": unit, **values}])
    return product


def test_every_field_type_round_trips(example_db, unit):
    with example_db.transaction() as env:
        lamp = make_product(env, unit)
        gadget, = env["example.gadget"].create([{
            "name": "Widget", "notes": "long\ntext", "count": 3, "weight": 1.23456, "price": Decimal("2.505"),
            "enabled": True, "day": DAY, "moment": MOMENT, "colour": "blue", "product": lamp, "uom": unit,
            "parts": [{"name": "screw"}, {"name": "nut", "sequence": 5}],
        }])
        gadget_id = gadget.id
    with example_db.transaction() as env:
        gadget, = env["example.gadget"].browse([gadget_id])
        assert gadget.name == "Widget"
        assert gadget.notes == "long\ntext"
        assert gadget.count == 3
        assert gadget.weight == 1.235            # digits=3
        assert gadget.price == Decimal("2.50")   # digits=2, half even
        assert isinstance(gadget.price, Decimal)
        assert gadget.enabled is True
        assert gadget.day == DAY
        assert gadget.moment == MOMENT
        assert gadget.colour == "blue"
        assert gadget.product.name == "Lamp"
        assert gadget.uom.symbol == "u"
        assert [p.name for p in gadget.parts] == ["nut", "screw"]   # _order: sequence
        assert gadget.parts[0].gadget == gadget
        assert gadget.total == Decimal("7.50")   # computed
        assert gadget.state == "new"             # readonly default
        assert gadget.created_on == datetime.date.today()


def test_defaults_and_empty_values(example_db):
    with example_db.transaction() as env:
        gadget, = env["example.gadget"].create([{"name": "Bare"}])
        assert (gadget.notes, gadget.count, gadget.price, gadget.day, gadget.product) == (None,) * 5
        assert gadget.enabled is False
        assert gadget.colour == "red"
        assert gadget.parts == []


def test_json_values_are_accepted_and_dump_is_json_ready(example_db, unit):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        gadget, = Gadget.create([{"name": "Json", "price": "3.10", "day": "2026-03-01",
                                  "moment": "2026-03-01T14:30:05", "uom": unit, "count": 2,
                                  "parts": [{"name": "a"}]}])
        assert gadget.day == DAY and gadget.moment == MOMENT
        dumped, = Gadget.dump([gadget])
        json.dumps(dumped)
        assert dumped["id"] == gadget.id
        assert dumped["price"] == "3.10"
        assert dumped["total"] == "6.20"
        assert dumped["day"] == "2026-03-01"
        assert dumped["uom"] == unit
        assert dumped["parts"] == [gadget.parts[0].id]
        assert dumped["owner"] is None if "owner" in dumped else True


def six_gadgets(env, unit):
    """G0…G5: ``count`` i, blue when odd, the first three of product Lamp."""
    Gadget = env["example.gadget"]
    lamp = make_product(env, unit, "Lamp")
    Gadget.create([{"name": f"G{i}", "count": i, "colour": "blue" if i % 2 else "red",
                    "product": lamp if i < 3 else None} for i in range(6)])
    return Gadget, lamp


def test_search_domain_order_limit(example_db, unit):
    with example_db.transaction() as env:
        Gadget, lamp = six_gadgets(env, unit)
        names = lambda records: [r.name for r in records]
        assert names(Gadget.search([("count", ">=", 4)], order=[("count", "DESC")])) == ["G5", "G4"]
        assert names(Gadget.search([("colour", "=", "blue"), ("count", "<", 5)])) == ["G1", "G3"]
        assert names(Gadget.search([("count", "in", [0, 2])])) == ["G0", "G2"]
        assert names(Gadget.search([("count", "not in", [0, 1, 2, 3])])) == ["G4", "G5"]
        assert names(Gadget.search([("name", "like", "G%"), ("count", "!=", 0)], limit=2)) == ["G1", "G2"]
        assert names(Gadget.search([("name", "ilike", "g5")])) == ["G5"]
        assert names(Gadget.search([("product", "=", None)])) == ["G3", "G4", "G5"]
        assert names(Gadget.search([("product", "=", lamp)])) == ["G0", "G1", "G2"]
        assert names(Gadget.search([("product.name", "=", "Lamp"), ("count", "<=", 1)])) == ["G0", "G1"]
        assert Gadget.search_count([("colour", "=", "red")]) == 3
        assert names(Gadget.search([], order=[("name", "DESC")], limit=2, offset=1)) == ["G4", "G3"]


def test_nested_or_and_domains(example_db, unit):
    with example_db.transaction() as env:
        Gadget, _ = six_gadgets(env, unit)
        names = lambda domain: [r.name for r in Gadget.search(domain)]
        assert names(["OR", ("count", "=", 0), ("count", "=", 5)]) == ["G0", "G5"]
        assert names([("colour", "=", "blue"), ["OR", ("count", "=", 1), ("count", ">", 4)]]) == ["G1", "G5"]
        assert names(["OR", ["AND", ("colour", "=", "red"), ("count", ">", 2)], ("product.name", "=", "Lamp")]) \
            == ["G0", "G1", "G2", "G4"]
        assert names(["AND", ("count", ">", 1), [("count", "<", 4), ("colour", "=", "red")]]) == ["G2"]
        assert names(["OR"]) == [] and len(names(["AND"])) == 6
        assert Gadget.search_count(["OR", ("count", "=", 0), ("name", "=", "G3")]) == 2


@pytest.mark.parametrize("domain, message", [
    (["OR", ("count", "=", 1), ("nope", "=", 1)], "no stored field 'nope'"),
    (["AND", ("count", "~", 1)], "unknown operator"),
    ([["OR", ("count",)]], "invalid domain clause"),
    (functools.reduce(lambda domain, _: ["AND", domain], range(40), ("count", "=", 1)), "nested deeper than 32"),
    ([("nope", "=", 1)], "no stored field 'nope'"),
    ([("count", "~", 1)], "unknown operator"),
    ([("count",)], "invalid domain clause"),
    ([("name.x", "=", 1)], "is not a Many2One"),
])
def test_bad_domains_are_user_errors(example_db, domain, message):
    with example_db.transaction() as env, pytest.raises(errors.UserError, match=message):
        env["example.gadget"].search(domain)


def test_write_fields_and_one2many_actions(example_db):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        gadget, = Gadget.create([{"name": "W", "parts": [{"name": "a"}, {"name": "b"}]}])
        a, b = gadget.parts
        Gadget.write([gadget], {"count": 7, "parts": [
            ("create", [{"name": "c", "sequence": 20}]),
            ("write", [a.id], {"name": "a2", "sequence": 30}),
            ("delete", [b.id]),
        ]})
        assert gadget.count == 7
        assert [p.name for p in gadget.parts] == ["c", "a2"]
        assert env["example.gadget.part"].search([("name", "=", "b")]) == []


def test_one2many_actions_only_touch_own_children(example_db):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        mine, other = Gadget.create([{"name": "mine"}, {"name": "other", "parts": [{"name": "x"}]}])
        with pytest.raises(errors.ValidationError, match="do not belong"):
            Gadget.write([mine], {"parts": [("delete", [other.parts[0].id])]})


def test_readonly_and_workflow_path(example_db):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        with pytest.raises(errors.ValidationError) as info:
            Gadget.create([{"name": "x", "state": "sealed"}])
        assert info.value.errors == {"state": ["Field is read-only."]}
        gadget, = Gadget.create([{"name": "x"}])
        with pytest.raises(errors.ValidationError, match="read-only"):
            Gadget.write([gadget], {"state": "sealed"})
        Gadget.seal([gadget])
        assert gadget.state == "sealed"


@pytest.mark.parametrize("values, field", [
    ({}, "name"),
    ({"name": None}, "name"),
    ({"name": "x" * 21}, "name"),
    ({"name": "x", "count": "three"}, "count"),
    ({"name": "x", "count": 1.5}, "count"),
    ({"name": "x", "weight": "heavy"}, "weight"),
    ({"name": "x", "price": "cheap"}, "price"),
    ({"name": "x", "day": "yesterday"}, "day"),
    ({"name": "x", "moment": "2026-13-01T00:00"}, "moment"),
    ({"name": "x", "colour": "green"}, "colour"),
    ({"name": "x", "product": "lamp"}, "product"),
    ({"name": "x", "product": 424242}, "product"),
    ({"name": "x", "parts": "screw"}, "parts"),
    ({"name": "x", "parts": [{"sequence": 1}]}, "name"),
    ({"name": "x", "unknown": 1}, "unknown"),
])
def test_invalid_input_names_field_and_persists_nothing(example_db, values, field):
    with example_db.transaction() as env:
        before = env["example.gadget"].search_count() + env["example.gadget.part"].search_count()
    with pytest.raises(errors.ValidationError) as info:
        with example_db.transaction() as env:
            env["example.gadget"].create([{"name": "valid"}, values])
    assert field in info.value.errors, info.value.errors
    assert field in str(info.value)
    with example_db.transaction() as env:
        assert env["example.gadget"].search_count() + env["example.gadget.part"].search_count() == before


def test_error_names_the_record_in_the_batch(example_db):
    with example_db.transaction() as env, pytest.raises(errors.ValidationError, match="record 2 of 2"):
        env["example.gadget"].create([{"name": "ok"}, {"name": "x", "colour": "green"}])


def test_transaction_rolls_back_on_any_exception(example_db):
    with pytest.raises(RuntimeError):
        with example_db.transaction() as env:
            env["example.gadget"].create([{"name": "ghost"}])
            raise RuntimeError("crash")
    with example_db.transaction() as env:
        assert env["example.gadget"].search([("name", "=", "ghost")]) == []


def test_model_rule_from_extension_rejects_and_rolls_back(example_db, unit):
    with pytest.raises(errors.ValidationError) as info:
        with example_db.transaction() as env:
            make_product(env, unit, "Kept")
            make_product(env, unit, "Bad", warranty_months=-1)
    assert info.value.errors == {"warranty_months": ["Cannot be negative."]}
    with example_db.transaction() as env:
        assert env["product.product"].search([]) == []


def test_delete_honours_ondelete(example_db, unit):
    with example_db.transaction() as env:
        Gadget, Part, Uom = env["example.gadget"], env["example.gadget.part"], env["product.uom"]
        lamp = make_product(env, unit)
        spare_category, = env["product.uom.category"].create([{"name": "Spare"}])
        spare, = Uom.create([{"name": "Spare", "symbol": "sp", "category": spare_category}])
        gadget, kept = Gadget.create([{"name": "g", "product": lamp, "parts": [{"name": "p"}]},
                                      {"name": "kept", "uom": spare}])
        # set null: deleting the unit empties the gadget's uom
        Uom.delete([spare])
        assert kept.uom is None
        # cascade: deleting the product deletes its gadget, which cascades to its parts
        env["product.product"].delete([lamp])
        assert Gadget.search([]) == [kept]
        assert Part.search([]) == []
        # restrict: a category still used by units cannot go
        with pytest.raises(errors.UserError, match="refers to it"):
            env["product.uom.category"].delete([Uom.browse([unit])[0].category])


def test_reading_many_records_costs_few_statements(example_db, unit, count_statements):
    with example_db.transaction() as env:
        lamp = make_product(env, unit)
        gadgets = env["example.gadget"].create(
            [{"name": f"g{i}", "product": lamp, "uom": unit, "parts": [{"name": "a"}, {"name": "b"}]}
             for i in range(300)])
        ids = [g.id for g in gadgets]
    for size in (30, 300):
        with example_db.transaction() as env, count_statements(example_db.engine) as counter:
            records = env["example.gadget"].browse(ids[:size])
            summary = [(g.name, g.product.name, g.uom.symbol, len(g.parts), g.total,
                        [p.name for p in g.parts]) for g in records]
        assert len(summary) == size
        # gadgets, products, uoms, parts (ids), parts (values), plus BEGIN/COMMIT-free total
        assert counter.count <= 6, counter.statements


def test_creating_many_records_costs_few_statements(example_db, count_statements):
    counts = []
    for size in (20, 400):
        with example_db.transaction() as env, count_statements(example_db.engine) as counter:
            env["example.gadget"].create([{"name": f"g{i}", "parts": [{"name": "a"}]} for i in range(size)])
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("call", ["delete", "write"])
def test_ids_of_no_record_are_refused_and_nothing_changes(example_db, snapshot, count_statements, call):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        kept = Gadget.create([{"name": f"g{i}", "parts": [{"name": "a"}]} for i in range(30)])
        ids = [g.id for g in kept]
        gone = max(ids) + 1000
    attempts = {"delete": lambda Model, records: Model.delete(records),
                "write": lambda Model, records: Model.write(records, {"name": "renamed"})}
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        before = snapshot(env)
        for records in ([gone, ids[0]], ids + [gone, gone + 1], Gadget.browse([gone])):
            with pytest.raises(errors.UserError, match=rf"cannot {call} example.gadget: no example.gadget "
                                                       rf"with id {gone}\b.* not exist"):
                attempts[call](Gadget, records)
            assert snapshot(env) == before   # not even the records that exist: the caller catches, then commits
    with example_db.transaction() as env:
        assert sorted(g.id for g in env["example.gadget"].search([("name", "!=", "renamed")])) == ids
    counts = []
    for size in (3, 30):   # the existence check is one query per call, whatever the number of ids
        with example_db.transaction() as env, count_statements(example_db.engine) as counter:
            with pytest.raises(errors.UserError, match="no example.gadget with id"):
                attempts[call](env["example.gadget"], ids[:size] + [gone])
        counts.append(counter.count)
    assert counts[0] == counts[1] and counts[0] <= 4, counts

