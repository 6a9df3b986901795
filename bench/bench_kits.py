"""Quoting kits: explode, reset to draft, explode again, against plain SQLAlchemy Core.

1,000 sales of 5 lines each, half of the lines kits of 4 components (one of
them fixed), are quoted (kit lines exploded into line components), reset to
draft (components deleted) and quoted again, through the public API.  The
baseline inserts and deletes the same component rows with plain SQLAlchemy
Core on the same table.  For each phase: seconds (best of three rounds),
lines/s, and statements (which must not grow with --sales).

    python bench/bench_kits.py [--sales 1000] [--db URL]
"""
import argparse
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from core import Database


class Counter:
    def __init__(self, engine):
        self.count = 0
        sa.event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *args):
        self.count += 1


def build(db, sales):
    """Products (10 kits of 4 components, one fixed, and 10 goods) and the draft sales."""
    with db.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        Product = env["product.product"]
        goods = Product.create([{"name": f"Part {i}", "default_uom": unit.id, "list_price": Decimal("1")}
                                for i in range(40)])
        kits = Product.create([{"name": f"Kit {k}", "type": "kit", "default_uom": unit.id,
                                "list_price": Decimal("10"), "components": [
                                    {"product": goods[4 * k + c].id, "quantity": c + 1, "fixed": c == 3}
                                    for c in range(4)]} for k in range(10)])
        customer, = env["party.party"].create([{"name": "Customer"}])
        orders = env["sale.sale"].create([{"party": customer.id, "lines": [
            {"product": (kits[(s + i) % 10] if i % 2 == 0 else goods[(s + i) % 40]).id,
             "quantity": 1 + (s + i) % 3} for i in range(5)]} for s in range(sales)])
        return [o.id for o in orders]


def timed(db, counter, action):
    with db.transaction() as env:
        start, statements = time.perf_counter(), counter.count
        result = action(env)
    return time.perf_counter() - start, counter.count - statements, result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1000)
    parser.add_argument("--db", help="database URL (default: fresh SQLite files in a temporary folder)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.db or f"sqlite:///{Path(folder) / 'kits.db'}"
        db = Database(url)
        db.activate("sale", "product_kit")
        sale_ids = build(db, args.sales)
        counter = Counter(db.engine)
        lines = 5 * len(sale_ids)

        def quote(env):
            env["sale.sale"].quote(env["sale.sale"].browse(sale_ids))

        def draft(env):
            env["sale.sale"].draft(env["sale.sale"].browse(sale_ids))

        # quote, reset, quote again; then two more rounds to keep the best of three
        rounds = [[timed(db, counter, quote)[:2], timed(db, counter, draft)[:2], timed(db, counter, quote)[:2]]]
        for _ in range(2):
            timed(db, counter, draft)
            rounds.append([timed(db, counter, quote)[:2], timed(db, counter, draft)[:2], timed(db, counter, quote)[:2]])
        names = ("quote", "reset to draft", "quote again")
        results = [(name, min(r[i][0] for r in rounds), rounds[0][i][1]) for i, name in enumerate(names)]

        # The baseline: the same component rows, inserted then deleted with plain Core (best of three).
        with db.transaction() as env:
            table = env["sale.line.component"]._table
            rows = [dict(r._mapping) for r in env.execute(sa.select(table)).all()]
            for row in rows:
                del row["id"]
        components = len(rows)
        with db.transaction() as env:
            env["sale.sale"].draft(env["sale.sale"].browse(sale_ids))
        core_insert, core_delete = (float("inf"), 0), (float("inf"), 0)
        for _ in range(3):
            start, statements = time.perf_counter(), counter.count
            with db.engine.begin() as connection:
                connection.execute(table.insert(), rows)
            core_insert = min(core_insert, (time.perf_counter() - start, counter.count - statements))
            start, statements = time.perf_counter(), counter.count
            with db.engine.begin() as connection:
                connection.execute(table.delete().where(table.c.line.in_(
                    sa.select(sa.literal_column("id")).select_from(sa.table("sale_line")))))
            core_delete = min(core_delete, (time.perf_counter() - start, counter.count - statements))
        db.close()

    print(f"{len(sale_ids)} sales, {lines} lines, {components} line components per quote ({db.engine.dialect.name})")
    print(f"{'phase':<28}{'seconds':>9}{'lines/s':>11}{'statements':>12}")
    for name, seconds, statements in results:
        print(f"{name:<28}{seconds:>9.3f}{lines / seconds:>11.0f}{statements:>12}")
    for name, (seconds, statements) in (("Core insert of components", core_insert),
                                        ("Core delete of components", core_delete)):
        print(f"{name:<28}{seconds:>9.3f}{lines / seconds:>11.0f}{statements:>12}")
    print(f"quote / Core insert: {results[0][1] / core_insert[0]:.1f}x, quote again: "
          f"{results[2][1] / core_insert[0]:.1f}x; reset / Core delete: {results[1][1] / core_delete[0]:.1f}x "
          f"(goal: within 4x; best of 3 rounds each)")


if __name__ == "__main__":
    main()
