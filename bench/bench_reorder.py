"""Scheduler runs over 5 warehouses x 10,000 auto reordering rules (buy and transfer) and 200,000 open moves.

A database with stock_reorder, 10,000 goods each with a supplier (lead times
0 to 9 days), 5 warehouses (WH and 4 shops) and an auto rule per product and
warehouse (min 10, max 50, multiple 5): WH's rules buy, the shops' rules
buy or transfer from WH (every other product), and 200,000 open moves in and
out of the warehouses over the next 60 days plus 50,000 done receipts, is
built with plain Core inserts.  Then ``run_scheduler()`` runs once, and a
second time (which must order nothing more).  Printed: seconds, statements,
purchase lines, purchases and transfer moves made (the goal: statements
independent of the number of rules and warehouses, apart from the id chunks).

``--suppliers 3 --breaks 5`` gives each product three suppliers (the first
of every tenth product expired yesterday, so the second is bought from) and
each supplier five price breaks (from 10, 20, 40, 80 and 160 units), a
minimum quantity of 5 and a unit price: the price choice of §17 at scale.

    python bench/bench_reorder.py [--products 10000] [--warehouses 5] [--moves 200000]
                                  [--suppliers 1] [--breaks 0] [--db URL]
"""
import argparse
import datetime
import random
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from core import Database


def build(db, products, warehouse_count, moves, vendors=20, supplier_count=1, break_count=0):
    random.seed(5)
    today = datetime.date.today()
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        parties = [p.id for p in env["party.party"].create([{"name": f"Vendor {i}"} for i in range(vendors)])]
        Location = env["stock.location"]
        central = Location.warehouse()
        shops = Location.create([{"name": f"Shop {i}", "code": f"SHOP{i}", "type": "warehouse"}
                                 for i in range(1, warehouse_count)])
        storages = [w.storage_location.id for w in [central] + shops]
        supplier, customer = Location.by_type("supplier").id, Location.by_type("customer").id
        tables = {name: env[name]._table for name in ("product.product", "purchase.product_supplier",
                                                      "purchase.product_supplier.price", "stock.reorder.rule",
                                                      "stock.move")}
    with db.engine.begin() as connection:
        connection.execute(tables["product.product"].insert(), [
            {"name": f"P{i}", "type": "goods", "default_uom": unit, "list_price": 2, "cost_price": 1,
             "active": True} for i in range(products)])
        ids = connection.execute(sa.select(tables["product.product"].c.id)).scalars().all()
        if supplier_count == 1 and not break_count:   # the bench as it was before supplier prices (§17)
            connection.execute(tables["purchase.product_supplier"].insert(), [
                {"product": p, "party": random.choice(parties), "sequence": 10, "lead_time": random.randint(0, 9),
                 "unit_price": 1} for p in ids])
        else:
            yesterday = today - datetime.timedelta(days=1)
            connection.execute(tables["purchase.product_supplier"].insert(), [
                {"product": p, "party": party, "sequence": 10 * (rank + 1), "lead_time": random.randint(0, 9),
                 "unit_price": 1 + rank / 10, "min_quantity": 5,
                 "end_date": yesterday if rank == 0 and p % 10 == 0 else None}
                for p in ids for rank, party in enumerate(random.sample(parties, supplier_count))])
            if break_count:
                prices = tables["purchase.product_supplier.price"]
                suppliers = connection.execute(sa.select(tables["purchase.product_supplier"].c.id)).scalars().all()
                connection.execute(prices.insert(), [
                    {"supplier": supplier, "min_quantity": 10 * 2 ** step, "unit_price": 0.95 - step / 20}
                    for supplier in suppliers for step in range(break_count)])
        connection.execute(tables["stock.reorder.rule"].insert(), [
            {"product": p, "warehouse": w.id, "min_quantity": 10, "max_quantity": 50, "multiple": 5,
             "trigger": "auto", "visibility_days": 0, "horizon_days": 0, "transfer_lead_time": 1,
             **({"route": "transfer", "source_warehouse": central.id} if w != central and p % 2
                else {"route": "buy", "source_warehouse": None})}
            for w in [central] + shops for p in ids])
        rows = []
        for i in range(moves + moves // 4):
            done = i >= moves
            incoming = done or random.random() < 0.3
            storage = random.choice(storages)
            quantity = float(random.randint(1, 10))
            day = today + datetime.timedelta(days=-random.randint(1, 90) if done else random.randint(0, 60))
            rows.append({"product": random.choice(ids), "quantity": quantity, "unit": unit,
                         "internal_quantity": quantity, "from_location": supplier if incoming else storage,
                         "to_location": storage if incoming else customer, "planned_date": day,
                         "effective_date": day if done else None,
                         "state": "done" if done else random.choice(["waiting", "assigned"])})
        connection.execute(tables["stock.move"].insert(), rows)
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
    return len(ids) * warehouse_count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--warehouses", type=int, default=5)
    parser.add_argument("--moves", type=int, default=200_000)
    parser.add_argument("--suppliers", type=int, default=1, help="suppliers per product (default 1)")
    parser.add_argument("--breaks", type=int, default=0, help="price breaks per supplier (default 0)")
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or f"sqlite:///{Path(folder) / 'reorder.db'}")
        db.activate("stock_reorder")
        start = time.perf_counter()
        rules = build(db, args.products, args.warehouses, args.moves, supplier_count=args.suppliers,
                      break_count=args.breaks)
        print(f"built {rules} rules, {args.suppliers} supplier(s) per product with {args.breaks} price break(s) "
              f"each, and {args.moves} open moves in {time.perf_counter() - start:.1f} s ({db.engine.dialect.name})")
        count = [0]
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
        for label in ("first run", "second run"):
            count[0] = 0
            start, cpu = time.perf_counter(), time.process_time()
            with db.transaction() as env:
                made = env["stock.reorder.rule"].run_scheduler()
                lines = [r for r in made if r._name == "purchase.line"]
                purchases = len({line.purchase.id for line in lines})
                moves = len(made) - len(lines)
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(f"{label:<12}{seconds:>8.2f} s ({cpu:.2f} s CPU){count[0]:>6} statements"
                  f"{len(lines):>7} purchase lines"
                  f"{purchases:>5} purchases{moves:>7} transfer moves")
        db.close()


if __name__ == "__main__":
    main()
