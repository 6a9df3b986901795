"""Creating and reading 100,000 products: the record API against plain SQLAlchemy Core.

The API creates the products through ``Product.create`` in batches (input
validated by the marshmallow schema, defaults, uniqueness of codes, model
rules) and reads them back with ``search`` and attribute access.  The baseline
inserts the same rows with ``connection.execute(table.insert(), rows)`` and
selects them with ``select(table)`` on an identical, separate database.
Each side runs in one transaction per phase; the best of three runs is kept.

    python bench/bench_core.py [--rows 100000] [--batch 1000] [--repeat 3] [--db URL --db2 URL] [--profile]
"""
import argparse
import cProfile
import pstats
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from core import Database

FIELDS = ("code", "name", "type", "default_uom", "list_price", "cost_price", "active")


class Counter:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def product_rows(count, unit):
    return [{"code": f"P{i:06d}", "name": f"Product {i}", "type": "goods", "default_uom": unit,
             "list_price": Decimal(i % 1000) / 10, "cost_price": Decimal(i % 700) / 10, "active": True}
            for i in range(count)]


def measure(database, action):
    counter = Counter(database.engine)
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, counter.count, result


def api(database, rows, batch, profile):
    def create():
        with database.transaction() as env:
            Product = env["product.product"]
            for start in range(0, len(rows), batch):
                Product.create(rows[start:start + batch])

    def read():
        with database.transaction() as env:
            return [(p.id, p.code, p.name, p.type, p.default_uom.id, p.list_price, p.cost_price, p.active)
                    for p in env["product.product"].search([], order=[("id", "ASC")])]

    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
    created = measure(database, create)
    if profile:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    return created, measure(database, read)


def core(database, rows, batch):
    with database.transaction() as env:
        table = env["product.product"]._table

    def create():
        with database.engine.begin() as connection:
            for start in range(0, len(rows), batch):
                connection.execute(table.insert(), rows[start:start + batch])

    def read():
        with database.engine.begin() as connection:
            return connection.execute(sa.select(*[table.c[n] for n in ("id",) + FIELDS])
                                      .order_by(table.c.id)).all()

    return measure(database, create), measure(database, read)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--db", help="database URL for the API (default: a fresh SQLite file)")
    parser.add_argument("--db2", help="database URL for the Core baseline (default: a fresh SQLite file)")
    parser.add_argument("--profile", action="store_true", help="profile the API's create phase")
    parser.add_argument("--repeat", type=int, default=3, help="runs on fresh databases; the best is kept")
    args = parser.parse_args()
    best = {}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as folder:
            databases = [Database(args.db or f"sqlite:///{Path(folder) / 'api.db'}"),
                         Database(args.db2 or f"sqlite:///{Path(folder) / 'core.db'}")]
            for database in databases:
                database.activate("product")
            with databases[0].transaction() as env:
                unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
            rows = product_rows(args.rows, unit)
            api_create, api_read = api(databases[0], rows, args.batch, args.profile)
            rows = product_rows(args.rows, unit)
            core_create, core_read = core(databases[1], rows, args.batch)
            for database in databases:
                database.close()
        for name, result in (("api_create", api_create), ("api_read", api_read),
                             ("core_create", core_create), ("core_read", core_read)):
            best[name] = min(best.get(name, result), result, key=lambda r: r[0])
        if args.db or args.db2:
            break
    api_create, api_read, core_create, core_read = (best[n] for n in ("api_create", "api_read",
                                                                     "core_create", "core_read"))
    assert len(api_read[2]) == len(core_read[2]) == args.rows
    print(f"{args.rows} products in batches of {args.batch} ({databases[0].engine.dialect.name}, "
          f"best of {args.repeat})")
    print(f"{'phase':<14}{'seconds':>9}{'rows/s':>10}{'statements':>12}")
    for name, (seconds, statements, _) in (("API create", api_create), ("Core create", core_create),
                                           ("API read", api_read), ("Core read", core_read)):
        print(f"{name:<14}{seconds:>9.3f}{args.rows / seconds:>10.0f}{statements:>12}")
    print(f"API / Core: create {api_create[0] / core_create[0]:.1f}x, read {api_read[0] / core_read[0]:.1f}x "
          f"(goal: within 3x)")


if __name__ == "__main__":
    main()
