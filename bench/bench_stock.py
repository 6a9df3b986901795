"""Forecasting and valuing 10,000 products over 1,000,000 moves; a count and receipts of all of them.

A database with the stock module, 10,000 products and 1,000,000 moves
(70% done, 30% still planned and not reserved, spread over a year around today, in and out of
the warehouse and inside it) is built with plain Core inserts; then
``stock.location.quantities`` computes, in one call, the on-hand and the
forecast quantities of every product in the warehouse at a date (the goal:
under 1 s on SQLite, statements independent of the number of products), and
``stock.location.valuation`` what the stock is worth (goal: under 2 s).
Then an inventory counting every product is confirmed, and a supplier
shipment of one move per product, all of them at average cost, is received
(goal: seconds each, statements independent of the number of products).
Printed: seconds and statements of each call.

    python bench/bench_stock.py [--products 10000] [--moves 1000000] [--db URL]
"""
import argparse
import datetime
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from core import Database


def build(db, products, moves):
    random.seed(4)
    today = datetime.date.today()
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        Location = env["stock.location"]
        warehouse = Location.warehouse()
        places = [warehouse.storage_location.id, warehouse.input_location.id, warehouse.output_location.id]
        supplier, customer = Location.by_type("supplier").id, Location.by_type("customer").id
        product_table, move_table = env["product.product"]._table, env["stock.move"]._table
    with db.engine.begin() as connection:
        connection.execute(product_table.insert(), [
            {"name": f"P{i}", "code": f"P{i:05d}", "type": "goods", "default_uom": unit, "list_price": 1,
             "cost_price": 1, "active": True} for i in range(products)])
        product_ids = connection.execute(sa.select(product_table.c.id)).scalars().all()
        batch = []
        for i in range(moves):
            kind = random.random()
            source, destination = ((supplier, random.choice(places)) if kind < 0.45 else
                                   (random.choice(places), customer) if kind < 0.9 else
                                   random.sample(places, 2))
            done = random.random() < 0.7
            day = today + datetime.timedelta(days=random.randint(-300, -1) if done else random.randint(-5, 60))
            quantity = float(random.randint(1, 20))
            batch.append({"product": random.choice(product_ids), "quantity": quantity, "unit": unit,
                          "internal_quantity": quantity, "from_location": source, "to_location": destination,
                          "planned_date": day, "effective_date": day if done else None,
                          "state": "done" if done else random.choice(["draft", "waiting"])})
            if len(batch) == 50_000:
                connection.execute(move_table.insert(), batch)
                batch = []
        if batch:
            connection.execute(move_table.insert(), batch)
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("ANALYZE")
    return product_ids, warehouse.id


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--moves", type=int, default=1_000_000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or f"sqlite:///{Path(folder) / 'stock.db'}")
        db.activate("stock")
        start = time.perf_counter()
        product_ids, warehouse = build(db, args.products, args.moves)
        print(f"built {args.products} products and {args.moves} moves in {time.perf_counter() - start:.1f} s "
              f"({db.engine.dialect.name})")
        count = [0]
        sa.event.listen(db.engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
        date = datetime.date.today() + datetime.timedelta(days=30)
        for label, forecast, at in (("on hand today", False, None), ("forecast in 30 days", True, date)):
            with db.transaction() as env:
                Location = env["stock.location"]
                count[0] = 0
                start = time.perf_counter()
                quantities = Location.quantities(product_ids, warehouse, date=at, forecast=forecast)
                seconds = time.perf_counter() - start
            print(f"{label:<22}{seconds:>8.3f} s{count[0]:>4} statement(s) for {len(quantities)} products "
                  f"(total {sum(quantities.values()):.0f})")
        for label, work in (("valuation", valuation), ("inventory confirmed", inventory),
                            ("receipts, average cost", receipts)):
            with db.transaction() as env:
                prepared = work(env, product_ids)   # what the timed call needs, made first
                count[0] = 0
                start = time.perf_counter()
                summary = prepared()
                seconds = time.perf_counter() - start
            print(f"{label:<22}{seconds:>8.3f} s{count[0]:>4} statement(s): {summary}")
        db.close()


def valuation(env, product_ids):
    def run():
        rows = env["stock.location"].valuation()
        return f"{len(rows)} rows, value {sum(r['value'] for r in rows):.2f}"
    return run


def inventory(env, product_ids):
    """A count of every product, a tenth of them off by one or two."""
    Location, Inventory = env["stock.location"], env["stock.inventory"]
    warehouse = Location.warehouse()
    on_hand = Location.quantities(product_ids, warehouse.storage_location)
    random.seed(5)
    count, = Inventory.create([{"lines": [
        {"product": p, "quantity": max(0.0, on_hand[p] + (random.choice([-2, -1, 1, 2]) if random.random() < 0.1
                                                             else 0))} for p in product_ids]}])

    def run():
        Inventory.confirm([count])
        return f"{len(product_ids)} lines"
    return run


def receipts(env, product_ids):
    """One supplier shipment, a move per product, every product at average cost."""
    env["product.product"].write(env["product.product"].browse(product_ids), {"cost_price_method": "average"})
    Location, Shipment = env["stock.location"], env["stock.shipment.in"]
    party, = env["party.party"].create([{"name": "Supplier"}])
    supplier, storage = Location.by_type("supplier").id, Location.warehouse().storage_location.id
    shipment, = Shipment.create([{"party": party.id, "moves": [
        {"product": p, "quantity": 5, "unit_price": Decimal("2"), "from_location": supplier,
         "to_location": storage} for p in product_ids]}])

    def run():
        Shipment.receive([shipment])
        product = env["product.product"].browse(product_ids[:1])[0]
        return f"{len(product_ids)} moves, first product's cost {product.cost_price}"
    return run


if __name__ == "__main__":
    main()
