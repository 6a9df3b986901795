"""Batch reads and writes bigger than one IN list, on whichever backend the suite runs.

On PostgreSQL, batches are inserted with one array per column and ids from
the table's sequence, and IN lists become ``= ANY(array)``; on SQLite they
keep the multi-row inserts and IN lists.  Either way the record API must
behave the same: ids and order, clear errors, a usable transaction after one.
"""
import gc
from decimal import Decimal

import pytest
import sqlalchemy as sa

from core import errors
from core.model import CHUNK, in_

BIG = CHUNK + 500   # more rows than one IN list holds on SQLite


def unit_of(env):
    return env["product.uom"].search([("symbol", "=", "u")])[0].id


def test_a_big_batch_keeps_input_order_and_values(example_db):
    with example_db.transaction() as env:
        unit = unit_of(env)
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit}])
        gadgets = env["example.gadget"].create([
            {"name": f"g{i}", "count": i, "price": Decimal(i) / 4, "enabled": i % 2 == 0,
             "product": lamp if i % 3 else None, "parts": [{"name": f"p{i}", "sequence": 2}, {"name": "q"}]}
            for i in range(BIG)])
        ids = [g.id for g in gadgets]
        assert len(set(ids)) == BIG
        assert ids == sorted(ids)   # one batch, numbered in input order
    with example_db.transaction() as env:
        gadgets = env["example.gadget"].browse(ids)
        assert [g.name for g in gadgets] == [f"g{i}" for i in range(BIG)]
        assert [g.count for g in gadgets] == list(range(BIG))
        assert gadgets[7].price == Decimal("1.75") and gadgets[7].enabled is False
        assert gadgets[0].product is None and gadgets[1].product.name == "Lamp"
        assert [p.name for p in gadgets[-1].parts] == [f"p{BIG - 1}", "q"]
        assert gadgets[-1].parts[0].gadget == gadgets[-1]
        # the next batch follows the first one
        more = env["example.gadget"].create([{"name": "h1"}, {"name": "h2"}])
        assert ids[-1] < more[0].id < more[1].id


def test_a_column_mixing_ints_and_floats_is_stored_as_floats(example_db):
    with example_db.transaction() as env:
        category, = env["product.uom.category"].create([{"name": "Length"}])
        units = env["product.uom"]._create([
            {"name": "m", "symbol": "m", "category": category.id, "factor": 1, "rounding": 0.01},
            {"name": "cm", "symbol": "cm", "category": category.id, "factor": 0.01, "rounding": 1}])
        ids = [u.id for u in units]
    with example_db.transaction() as env:
        metre, centimetre = env["product.uom"].browse(ids)
        assert (metre.factor, metre.rounding, centimetre.factor, centimetre.rounding) == (1.0, 0.01, 0.01, 1.0)


def test_a_column_of_other_mixed_types_takes_the_plain_insert(example_db):
    with example_db.transaction() as env:
        gadgets = env["example.gadget"]._create([{"name": "a", "count": 1}, {"name": "b", "count": True}])
        ids = [g.id for g in gadgets]
    with example_db.transaction() as env:
        assert [(g.name, g.count) for g in env["example.gadget"].browse(ids)] == [("a", 1), ("b", 1)]


def test_a_missing_many2one_in_a_big_batch_is_named(example_db):
    with example_db.transaction() as env:
        unit = unit_of(env)
        Gadget = env["example.gadget"]
        vlist = [{"name": f"g{i}", "uom": unit} for i in range(BIG)]
        vlist[BIG - 3]["uom"] = 987654
        with pytest.raises(errors.ValidationError, match="invalid example.gadget: uom: no product.uom with id 987654"
                           ) as info:
            Gadget.create(vlist)
        assert info.value.errors == {"uom": ["No product.uom with id 987654."]}
        assert Gadget.search_count([]) == 0
        Gadget.create([{"name": "after", "uom": unit}])   # the transaction is still usable
        assert Gadget.search_count([]) == 1


def test_references_of_children_cost_one_query_per_target(kitwork_database, count_statements):
    db = kitwork_database("sale")
    with db.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        products = env["product.product"].create([{"name": f"P{i}", "default_uom": unit.id} for i in range(3)])
        party, = env["party.party"].create([{"name": "Customer"}])
    counts = []
    for size in (3, 60):
        with db.transaction() as env, count_statements(db.engine) as counter:
            env["sale.sale"].create([{"party": party.id, "lines": [
                {"product": products[(s + i) % 3].id, "quantity": 1} for i in range(3)]} for s in range(size)])
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    with db.transaction() as env:
        vlist = [{"party": party.id, "lines": [{"product": products[0].id, "quantity": 1}]} for _ in range(400)]
        vlist[321]["lines"].append({"product": 999999, "quantity": 2})
        with pytest.raises(errors.ValidationError, match="invalid sale.line: product: no product.product with id 999999"):
            env["sale.sale"].create(vlist)
        assert env["sale.sale"].search_count([]) == 63


def test_a_unique_clash_in_a_big_batch_is_named_and_the_transaction_goes_on(db):
    with db.transaction() as env:
        unit = unit_of(env)
        Product = env["product.product"]
        Product.create([{"name": "Taken", "code": "C1", "default_uom": unit}])
        vlist = [{"name": f"P{i}", "code": f"K{i}", "default_uom": unit} for i in range(BIG)]
        vlist[BIG // 2]["code"] = "C1"
        with pytest.raises(errors.ValidationError, match="'C1' is already used by product.product"):
            Product.create(vlist)
        assert Product.search_count([]) == 1
        vlist[BIG // 2]["code"] = "C2"
        assert len(Product.create(vlist)) == BIG


def test_a_big_create_pauses_the_garbage_collector_and_always_restarts_it(db, monkeypatch):
    paused = []
    real_disable = gc.disable
    monkeypatch.setattr(gc, "disable", lambda: (paused.append(True), real_disable()))
    with db.transaction() as env:
        unit = unit_of(env)
        Product = env["product.product"]
        Product.create([{"name": "small", "default_uom": unit}])
        assert paused == [] and gc.isenabled()
        Product.create([{"name": f"P{i}", "default_uom": unit} for i in range(BIG)])
        assert paused == [True] and gc.isenabled()
        vlist = [{"name": f"Q{i}", "code": "same", "default_uom": unit} for i in range(BIG)]
        with pytest.raises(errors.ValidationError, match="'same' is given twice"):
            Product.create(vlist)
        assert paused == [True, True] and gc.isenabled()
        gc.disable()   # a caller that paused it keeps it paused
        try:
            Product.create([{"name": f"R{i}", "default_uom": unit} for i in range(BIG)])
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_in_and_not_in_with_big_lists(example_db):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        gadgets = Gadget.create([{"name": f"g{i}", "count": i % 7 or None} for i in range(BIG)])
        ids = [g.id for g in gadgets]
        assert Gadget.search_count([("id", "in", ids[1:])]) == BIG - 1
        assert Gadget.search_count([("id", "not in", ids[1:])]) == 1
        assert Gadget.search_count([("id", "in", [])]) == 0
        gapped = ids[1:100] + ids[101:200]            # not a range: the IN form, exact
        assert Gadget.search_count([("id", "in", gapped)]) == 198
        assert Gadget.search_count([("id", "not in", gapped)]) == BIG - 198
        repeated = ids[:50] + ids[:50] + [ids[50]]    # repeated values are no range either
        assert Gadget.search_count([("id", "in", repeated)]) == 51
        assert "BETWEEN" in str(in_(Gadget.table.c.id, ids[10:40]))
        assert "BETWEEN" not in str(in_(Gadget.table.c.id, gapped))
        assert Gadget.search_count([("id", "not in", [])]) == BIG
        names = [f"g{i}" for i in range(0, BIG, 2)]
        assert Gadget.search_count([("name", "in", names)]) == len(names)
        assert Gadget.search_count([("count", "in", [1, 2])]) == len([i for i in range(BIG) if i % 7 in (1, 2)])
        # NOT IN keeps empty values, as before
        assert Gadget.search_count([("count", "not in", [1, 2])]) == len([i for i in range(BIG) if i % 7 not in (1, 2)])
        Gadget.write(gadgets[:BIG - 1], {"notes": "seen"})
        assert Gadget.search_count([("notes", "=", "seen")]) == BIG - 1
        Gadget.delete(gadgets[5:])
        assert Gadget.search_count([]) == 5


def test_in_helper_keeps_in_lists_for_mixed_values_and_sub_queries(example_db):
    with example_db.transaction() as env:
        table = env["example.gadget"]._table
        env["example.gadget"].create([{"name": "a", "count": 1}, {"name": "b", "count": 2}])
        query = sa.select(table.c.name).where(in_(table.c.count, [1, 2.0])).order_by(table.c.name)
        assert env.execute(query).scalars().all() == ["a", "b"]
        query = sa.select(table.c.name).where(in_(table.c.count, [1], negate=True))
        assert env.execute(query).scalars().all() == ["b"]
        subquery = sa.select(table.c.id).where(table.c.name == "a")
        assert env.execute(sa.select(table.c.name).where(in_(table.c.id, subquery))).scalars().all() == ["a"]
        query = sa.select(table.c.name).where(in_(table.c.count, [sa.literal(2)]))
        assert env.execute(query).scalars().all() == ["b"]


def test_write_each_writes_each_row_its_values(example_db):
    with example_db.transaction() as env:
        Gadget = env["example.gadget"]
        gadgets = Gadget.create([{"name": f"g{i}"} for i in range(BIG)])
        Gadget._write_each([{"id": g.id, "count": i, "notes": f"n{i}"} for i, g in enumerate(gadgets)])
        assert [(g.count, g.notes) for g in gadgets[:3]] == [(0, "n0"), (1, "n1"), (2, "n2")]
        assert sum(g.count for g in gadgets) == sum(range(BIG))
        # an id given twice: the last values win, as row by row
        Gadget._write_each([{"id": gadgets[0].id, "count": 5}, {"id": gadgets[0].id, "count": 6},
                            {"id": gadgets[1].id, "count": 7}])
        assert (gadgets[0].count, gadgets[1].count) == (6, 7)
