"""Manufacturing at scale: a scheduler over 10,000 rules, 2,000 of them manufacturing with 3-level BOMs; a BOM of 200 inputs.

A database with production and stock_reorder, built with plain Core
inserts: 400 finished products (each made of 2 sub-assemblies and 2 raw
parts), 800 sub-assemblies (a part and 2 raw parts each), 800 parts (3 raw
parts each) — 2,000 manufacture rules on three levels — and 8,000 raw parts
bought from 20 vendors (8,000 buy rules), with 20,000 open customer moves
of the finished products over the next 30 days.  ``run_scheduler()`` runs
once (it must make the productions of every level and buy their raw parts
in that one run), then again (which must order nothing more).  Printed:
seconds, statements, productions and purchase lines made.

Then a production of a BOM of 200 inputs, in stock, is created, confirmed,
reserved and done: seconds and statements of each step.

    python bench/bench_production.py [--finished 400] [--raw 8000] [--moves 20000] [--db URL]
"""
import argparse
import datetime
import random
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from core import Database


def build(db, finished, raw, moves, vendors=20):
    """Products, BOMs, links, rules and moves; return the number of rules."""
    random.seed(31)
    today = datetime.date.today()
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        parties = [p.id for p in env["party.party"].create([{"name": f"Vendor {i}"} for i in range(vendors)])]
        Location = env["stock.location"]
        warehouse = Location.warehouse()
        storage, customer = warehouse.storage_location.id, Location.by_type("customer").id
        tables = {name: env[name].table for name in (
            "product.product", "purchase.product_supplier", "stock.reorder.rule", "stock.move", "production.bom",
            "production.bom.input", "production.bom.output", "production.product_bom")}
    levels = [("F", finished), ("S", 2 * finished), ("P", 2 * finished), ("R", raw)]
    with db.engine.begin() as connection:
        ids = {}
        for prefix, count in levels:
            before = connection.execute(sa.select(sa.func.max(tables["product.product"].c.id))).scalar() or 0
            connection.execute(tables["product.product"].insert(), [
                {"name": f"{prefix}{i}", "type": "goods", "default_uom": unit, "list_price": 2, "cost_price": 1,
                 "active": True, "cost_price_method": "fixed", "production_lead_time": 1 + (prefix == "F")}
                for i in range(count)])
            ids[prefix] = connection.execute(sa.select(tables["product.product"].c.id)
                                             .where(tables["product.product"].c.id > before)
                                             .order_by(tables["product.product"].c.id)).scalars().all()
        connection.execute(tables["purchase.product_supplier"].insert(), [
            {"product": p, "party": random.choice(parties), "sequence": 10, "lead_time": random.randint(0, 9),
             "unit_price": 1} for p in ids["R"]])
        made = ids["F"] + ids["S"] + ids["P"]
        connection.execute(tables["production.bom"].insert(), [{"name": f"BOM {p}"} for p in made])
        boms = connection.execute(sa.select(tables["production.bom"].c.id)
                                  .order_by(tables["production.bom"].c.id)).scalars().all()[-len(made):]
        bom_of = dict(zip(made, boms))
        inputs = []
        for i, product in enumerate(ids["F"]):
            inputs += [(bom_of[product], ids["S"][(2 * i + k) % len(ids["S"])], 1) for k in range(2)]
        for i, product in enumerate(ids["S"]):
            inputs.append((bom_of[product], ids["P"][i % len(ids["P"])], 1))
        for product in ids["F"] + ids["S"] + ids["P"]:
            extra = 3 if product in set(ids["P"]) else 2
            inputs += [(bom_of[product], p, 2) for p in random.sample(ids["R"], extra)]
        connection.execute(tables["production.bom.input"].insert(), [
            {"bom": b, "product": p, "quantity": q, "unit": unit} for b, p, q in inputs])
        connection.execute(tables["production.bom.output"].insert(), [
            {"bom": bom_of[p], "product": p, "quantity": 1, "unit": unit} for p in made])
        connection.execute(tables["production.product_bom"].insert(), [
            {"product": p, "bom": bom_of[p], "sequence": 0} for p in made])
        rule = {"warehouse": warehouse.id, "multiple": 1, "trigger": "auto", "visibility_days": 0,
                "horizon_days": 0, "transfer_lead_time": 0, "source_warehouse": None}
        connection.execute(tables["stock.reorder.rule"].insert(), [
            {**rule, "product": p, "route": "manufacture", "bom": bom_of[p],
             "min_quantity": 10 if p in set(ids["F"]) else 0, "max_quantity": 50 if p in set(ids["F"]) else 0}
            for p in made] + [{**rule, "product": p, "route": "buy", "bom": None, "min_quantity": 0,
                               "max_quantity": 0} for p in ids["R"]])
        connection.execute(tables["stock.move"].insert(), [
            {"product": random.choice(ids["F"]), "quantity": 5.0, "unit": unit, "internal_quantity": 5.0,
             "from_location": storage, "to_location": customer, "state": "waiting",
             "planned_date": today + datetime.timedelta(days=random.randint(0, 30))} for _ in range(moves)])
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
    return len(made) + len(ids["R"])


def big_bom(db, inputs):
    """A product made of ``inputs`` components, each in stock; its production made and done, step by step."""
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        Product = env["product.product"]
        parts = Product.create([{"name": f"Part {i}", "default_uom": unit, "cost_price": 1} for i in range(inputs)])
        machine, = Product.create([{"name": "Machine", "default_uom": unit, "cost_price_method": "average"}])
        bom, = env["production.bom"].create([{"name": "Machine", "outputs": [{"product": machine.id, "quantity": 1}],
                                              "inputs": [{"product": p.id, "quantity": 2} for p in parts]}])
        Location, Move = env["stock.location"], env["stock.move"]
        warehouse = Location.warehouse()
        Move.do(Move.create([{"product": p.id, "quantity": 10, "from_location": Location.by_type("supplier").id,
                              "to_location": warehouse.storage_location.id} for p in parts]))
        return machine.id, bom.id


def timed(db, count, label, action):
    count[0] = 0
    start = time.perf_counter()
    with db.transaction() as env:
        result = action(env)
    seconds = time.perf_counter() - start
    return seconds, count[0], result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--finished", type=int, default=400)
    parser.add_argument("--raw", type=int, default=8000)
    parser.add_argument("--moves", type=int, default=20_000)
    parser.add_argument("--inputs", type=int, default=200)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or f"sqlite:///{Path(folder) / 'production.db'}")
        db.activate("production", "stock_reorder")
        start = time.perf_counter()
        rules = build(db, args.finished, args.raw, args.moves)
        print(f"built {rules} rules ({5 * args.finished} manufacture, 3 levels) and {args.moves} open moves in "
              f"{time.perf_counter() - start:.1f} s ({db.engine.dialect.name})")
        count = [0]
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
        for label in ("first run", "second run"):
            seconds, statements, made = timed(db, count, label, lambda env: [
                (r._name, r.product.id) for r in env["stock.reorder.rule"].run_scheduler()])
            productions = sum(1 for name, _ in made if name == "production.production")
            print(f"{label:<12}{seconds:>8.2f} s{statements:>6} statements{productions:>6} productions"
                  f"{len(made) - productions:>7} purchase lines")
        machine, bom = big_bom(db, args.inputs)
        state = {}

        def create(env):
            state["id"], = [p.id for p in env["production.production"].create(
                [{"product": machine, "bom": bom, "quantity": 3}])]
        steps = [("create", create)] + [
            (verb, lambda env, verb=verb: getattr(env["production.production"], verb)([state["id"]]))
            for verb in ("wait", "assign", "done")]
        took = {}
        for label, action in steps:
            took[label], statements, _ = timed(db, count, label, action)
            print(f"{args.inputs} inputs: {label:<8}{took[label]:>8.3f} s{statements:>6} statements")
        print(f"{args.inputs} inputs: confirmed, reserved and done in "
              f"{took['wait'] + took['assign'] + took['done']:.3f} s ({sum(took.values()):.3f} s with creation)")
        db.close()


if __name__ == "__main__":
    main()
