"""Creating 10,000 draft sale lines with and without the price-list search.

Two fresh databases: one with product_price_list (1,000 price lists of 20
lines each, a quarter of them with discounts and charges, every customer
with a price list), one with sale and account only.  Both get the same 2,000
products and 100 draft sales; then 10,000 lines (100 per sale) are created
in one call.  Printed: seconds, lines/s and statements of each, and their
ratio (the goal: the search within 2x, statements independent of the number
of lines).

    python bench/bench_prices.py [--lines 10000] [--db-url-prefix sqlite:///FOLDER]
"""
import argparse
import random
import tempfile
import time
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa

from core import Database


def build(db, products, price_lists):
    random.seed(7)
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        ids = [p.id for p in env["product.product"].create([
            {"name": f"P{i}", "default_uom": unit, "list_price": Decimal(10 + i % 90), "cost_price": Decimal(5)}
            for i in range(products)])]
        customers = []
        if price_lists:
            lists = env["product.price_list"].create([{"name": f"List {n}", "lines": [
                {"sequence": s, "product": random.choice(ids), "min_quantity": random.choice([0, 5, 10]),
                 "price": Decimal(random.randint(5, 95)), "reason": "volume price",
                 "discounts": [{"sequence": 1, "kind": "percentage", "value": Decimal(10), "reason": "promo"},
                               {"sequence": 2, "type": "charge", "kind": "amount", "value": Decimal(1),
                                "reason": "handling"}] if s % 4 == 0 else []}
                for s in range(20)]} for n in range(price_lists)])
            customers = env["party.party"].create([{"name": f"C{n}", "sale_price_list": lists[n % len(lists)].id}
                                                   for n in range(100)])
        else:
            customers = env["party.party"].create([{"name": f"C{n}"} for n in range(100)])
        sales = env["sale.sale"].create([{"party": c.id} for c in customers])
        return ids, [s.id for s in sales]


def run(db, ids, sales, count):
    random.seed(11)
    lines = [{"sale": sales[i % len(sales)], "product": random.choice(ids), "quantity": random.choice([1, 5, 12])}
             for i in range(count)]
    statements = [0]
    sa.event.listen(db.engine, "before_cursor_execute", lambda *a: statements.__setitem__(0, statements[0] + 1))
    start = time.perf_counter()
    with db.transaction() as env:
        env["sale.line"].create(lines)
    return time.perf_counter() - start, statements[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--products", type=int, default=2_000)
    parser.add_argument("--price-lists", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        results = {}
        for label, modules, lists in (("without price lists", ("sale", "account"), 0),
                                      ("with price lists", ("product_price_list",), args.price_lists)):
            db = Database(f"sqlite:///{Path(folder) / (label.replace(' ', '_') + '.db')}")
            db.activate(*modules)
            ids, sales = build(db, args.products, lists)
            seconds, statements = run(db, ids, sales, args.lines)
            results[label] = seconds
            print(f"{label:<22}{seconds:>8.2f} s{args.lines / seconds:>10.0f} lines/s{statements:>6} statements")
            db.close()
        print(f"ratio {results['with price lists'] / results['without price lists']:.2f}x")


if __name__ == "__main__":
    main()
