"""Validating 1,000 one-line sale amendments in one call (issue #27).

A database with stock_reorder, sale and product_kit gets processed sales of
one line each; a third sell a product made to order (their draft purchase
line follows the amendment).  One amendment per sale, half raising the
line, half lowering it, are created, then validated in one
``sale.amendment`` ``validate`` call.  A smaller round (a tenth) shows that
the number of statements does not grow with the number of amendments.
Printed: seconds, lines/s and statements per round.

    python bench/bench_amendments.py [--amendments 1000] [--db URL]
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
        sa.event.listen(engine, "before_cursor_execute", self.seen)

    def seen(self, *args):
        self.count += 1


def catalog(db):
    """A product from stock, one made to order (with its supplier), a customer; their ids."""
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        acme, ann = env["party.party"].create([{"name": "Acme"}, {"name": "Ann"}])
        stocked, on_order = env["product.product"].create([
            {"name": "Stocked", "default_uom": unit, "list_price": Decimal(3)},
            {"name": "On order", "default_uom": unit, "list_price": Decimal(9), "supply_on_sale": True,
             "product_suppliers": [{"party": acme.id, "unit_price": Decimal(4)}]}])
        return stocked.id, on_order.id, ann.id


def build(db, count, stocked, on_order, customer):
    """``count`` processed sales of one line (a third made to order) and a draft amendment of each."""
    with db.transaction() as env:
        Sale = env["sale.sale"]
        sales = Sale.create([{"party": customer, "lines": [
            {"product": on_order if i % 3 == 0 else stocked, "quantity": 10}]} for i in range(count)])
        Sale.quote(sales)
        Sale.confirm(sales)
        Sale.process(sales)
        amendments = env["sale.amendment"].create([{"sale": sale.id, "lines": [
            {"action": "quantity", "line": sale.lines[0].id, "quantity": 14 if i % 2 else 6}]}
            for i, sale in enumerate(sales)])
        return [a.id for a in amendments]


def validate(db, amendments):
    counter = Counter(db.engine)
    start = time.perf_counter()
    with db.transaction() as env:
        env["sale.amendment"].validate(amendments)
    seconds = time.perf_counter() - start
    sa.event.remove(db.engine, "before_cursor_execute", counter.seen)
    return seconds, counter.count


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--amendments", type=int, default=1000)
    parser.add_argument("--db", help="SQLAlchemy URL of an empty database (default: a temporary SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or f"sqlite:///{Path(folder) / 'amendments.db'}")
        db.activate("stock_reorder", "sale", "product_kit")
        ids = catalog(db)
        for count in (args.amendments // 10, args.amendments):
            amendments = build(db, count, *ids)
            seconds, statements = validate(db, amendments)
            print(f"{count:>6} one-line amendments ({db.engine.dialect.name}): {seconds:.2f} s, "
                  f"{count / seconds:,.0f} lines/s, {statements} statements")
        db.engine.dispose()


if __name__ == "__main__":
    main()
