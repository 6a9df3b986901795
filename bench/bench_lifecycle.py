"""Activating stock on a database that already holds 10,000 sales with 50,000 lines.

A database with sale (and party, product) is filled with plain Core inserts:
200 customers, 500 products, 10,000 sales in every state (draft, quotation,
confirmed, processing, done, cancelled) with 5 lines each.  Then
``Database.activate("stock")`` runs stock's migrations, the ``sale+stock``
integration (each sale gets the warehouse ``WH``), and gives the rows their
new columns' defaults.  Printed: seconds and statements of the activation
(goal: under 10 s, set-based: the statements do not grow with the sales),
then a check that every sale has its warehouse and that an old confirmed
sale can be processed and shipped.

    python bench/bench_lifecycle.py [--sales 10000] [--lines 5] [--db URL]

``--db`` takes a PostgreSQL URL (each run in a new schema of it, dropped
afterwards); without it, a SQLite file in a temporary folder.
"""
import argparse
import contextlib
import datetime
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).parent))

from databases import postgresql_urls, sqlite_urls  # noqa: E402

from core import Database  # noqa: E402

STATES = ["draft", "quotation", "confirmed", "processing", "done", "cancelled"]


def fill(database, sales, lines):
    """Customers, products, and ``sales`` sales of ``lines`` lines each, with Core inserts."""
    random.seed(7)
    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        tables = {name: env[name].table for name in ("party.party", "product.product", "sale.sale", "sale.line")}
    today = datetime.date.today()
    with database.engine.begin() as connection:
        connection.execute(tables["party.party"].insert(), [{"name": f"Customer {i}"} for i in range(200)])
        parties = connection.execute(sa.select(tables["party.party"].c.id)).scalars().all()
        connection.execute(tables["product.product"].insert(), [
            {"name": f"P{i}", "code": f"P{i:04d}", "type": "goods", "default_uom": unit, "list_price": 10,
             "cost_price": 4, "active": True} for i in range(500)])
        products = connection.execute(sa.select(tables["product.product"].c.id)).scalars().all()
        connection.execute(tables["sale.sale"].insert(), [
            {"number": None if STATES[i % 6] in ("draft", "cancelled") else f"S{i:05d}",
             "party": random.choice(parties), "sale_date": today - datetime.timedelta(days=i % 365),
             "delivery_date": today, "state": STATES[i % 6], "invoice_method": "order"} for i in range(sales)])
        sale_ids = connection.execute(sa.select(tables["sale.sale"].c.id)).scalars().all()
        rows = [{"sale": sale, "sequence": 10 * (n + 1), "product": random.choice(products), "quantity": 2.0,
                 "unit": unit, "unit_price": 10} for sale in sale_ids for n in range(lines)]
        for start in range(0, len(rows), 20_000):
            connection.execute(tables["sale.line"].insert(), rows[start:start + 20_000])
    return len(sale_ids), len(rows)


def run(url, sales, lines):
    database = Database(url)
    database.activate("sale")
    made_sales, made_lines = fill(database, sales, lines)
    database.close()
    statements = []
    database = Database(url)   # a fresh one, as after a deployment
    sa.event.listen(database.engine, "before_cursor_execute", lambda *args: statements.append(1))
    start = time.perf_counter()
    database.activate("stock")
    seconds = time.perf_counter() - start
    print(f"{database.engine.dialect.name}: activating stock on {made_sales:,} sales with {made_lines:,} lines: "
          f"{seconds:.2f} s, {len(statements)} statements")
    with database.transaction() as env:
        Sale = env["sale.sale"]
        warehouse = env["stock.location"].warehouse()
        assert Sale.search_count([("warehouse", "=", warehouse.id)]) == made_sales
        Move = env["stock.move"]
        sale = Sale.search([("state", "=", "confirmed")], limit=1)[0]
        Move.do(Move.create([{"product": line.product.id, "quantity": 100,
                              "from_location": env["stock.location"].by_type("supplier").id,
                              "to_location": warehouse.storage_location.id} for line in sale.lines]))
        Sale.process([sale])
        assert Sale.fulfil([sale]) == [sale]
        print(f"  every sale in {warehouse.code}; an old confirmed sale processed and shipped: {sale.state}")
    database.close()
    return seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=10_000)
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--db", help="a PostgreSQL URL (default: a SQLite file)")
    args = parser.parse_args()
    urls = postgresql_urls(args.db) if args.db else sqlite_urls()
    with contextlib.ExitStack() as stack:
        make = stack.enter_context(urls)
        seconds = run(make(), args.sales, args.lines)
    print(f"goal under 10 s: {'met' if seconds < 10 else 'MISSED'}")


if __name__ == "__main__":
    main()
