"""One automation run over 10,000 open sales and 20 rules, 10 % of the sales matching.

A database with sale_automation gets 200 customers and 10,000 confirmed sales
(50 per customer, two lines each).  Twenty rules follow, each with a
different kind of condition (a customer tag through ``party.tags.name``, a
product code through ``lines.product.code``, ``untaxed_amount``,
``warehouse.code``, ``state``) and actions of several types (set status,
set shipping method, tag customer, add a free service, set the delivery
date; two rules add a free product that is out of stock, so their sales go
on the watch list).  Each rule's tag is on one customer: 20 × 50 = 1,000
sales (10 %) match.  ``run()`` is timed with its statements counted; a
second run, which must apply nothing new, too; then the same with 1,000
sales, to show that the statements do not grow with the number of sales
(conditions are one query per rule, actions one batch per rule).

    python bench/bench_automation.py [--sales 10000] [--rules 20] [--db URL]
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


def build(db, sales, rules):
    """Customers, products, ``sales`` confirmed sales and ``rules`` rules."""
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        Product = env["product.product"]
        products = Product.create([{"name": f"P{i}", "code": f"P{i}", "default_uom": unit,
                                    "list_price": Decimal(10 + i % 40)} for i in range(50)])
        service, gift = Product.create([
            {"name": "Gift wrap", "code": "WRAP", "type": "service", "default_uom": unit, "list_price": Decimal(3)},
            {"name": "Gift", "code": "GIFT", "default_uom": unit, "list_price": Decimal(5)}])
        tags = env["party.tag"].create([{"name": f"R{i}"} for i in range(rules)] + [{"name": "seen"}])
        customers = env["party.party"].create([{"name": f"C{i}", "tags": [tags[i].id] if i < rules else []}
                                               for i in range(200)])
        statuses = env["sale.status"].create([{"name": f"S{i}"} for i in range(rules)])
        express, = env["sale.shipping_method"].create([{"name": "Express"}])
        Sale = env["sale.sale"]
        made = Sale.create([{"party": customers[s % 200].id, "lines": [
            {"product": products[s % 50].id, "quantity": 1 + s % 7},
            {"product": products[(s * 7 + 3) % 50].id, "quantity": 2}]} for s in range(sales)])
        Sale.quote(made)
        Sale.confirm(made)
        wh = env["stock.location"].warehouse()
        Rule = env["sale.automation.rule"]
        vlist = []
        for i in range(rules):
            extra = [[["untaxed_amount", ">", 0]], [["warehouse.code", "=", wh.code]],
                     [["state", "in", ["confirmed", "processing"]]], [["lines.product.code", "like", "P%"]]][i % 4]
            actions = [{"sequence": 1, "type": "set_status", "status": statuses[i].id}]
            kind = i % 5
            if kind == 1:
                actions.append({"sequence": 2, "type": "set_shipping_method", "shipping_method": express.id})
            elif kind == 2:
                actions.append({"sequence": 2, "type": "tag_customer", "tag": tags[-1].id})
            elif kind == 3:
                actions.append({"sequence": 2, "type": "add_free_product", "product": service.id})
            elif kind == 4:
                actions.append({"sequence": 2, "type": "set_delivery_date", "delivery_days": 5,
                                "delivery_from": "sale_date"})
            if i in (7, 13):   # out of stock: these sales wait
                actions.append({"sequence": 3, "type": "add_free_product", "product": gift.id})
            vlist.append({"name": f"rule {i}", "sequence": i, "conditions": [["party.tags.name", "=", f"R{i}"], *extra],
                          "actions": actions})
        Rule.create(vlist)


def measure(db, counter):
    with db.transaction() as env:
        before, start = counter.count, time.perf_counter()
        logs = env["sale.automation.rule"].run()
        seconds, statements = time.perf_counter() - start, counter.count - before
        outcomes = {}
        for log in logs:
            outcomes[log.outcome] = outcomes.get(log.outcome, 0) + 1
    return seconds, statements, outcomes


def round_(url, sales, rules):
    db = Database(url)
    db.activate("sale_automation")
    start = time.perf_counter()
    build(db, sales, rules)
    built = time.perf_counter() - start
    counter = Counter(db.engine)
    first = measure(db, counter)
    second = measure(db, counter)
    db.close()
    return built, first, second


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=10000)
    parser.add_argument("--rules", type=int, default=20)
    parser.add_argument("--db", help="a database URL with nothing active, for the full round only "
                                     "(default: fresh SQLite files, a tenth of the sales first)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for sales in (args.sales,) if args.db else (args.sales // 10, args.sales):
            url = args.db or f"sqlite:///{Path(folder) / f'bench-{sales}.db'}"
            built, first, second = round_(url, sales, args.rules)
            print(f"{sales} open sales x {args.rules} rules (built in {built:.1f} s)")
            for name, (seconds, statements, outcomes) in (("first run", first), ("second run", second)):
                print(f"  {name}: {seconds:.2f} s, {statements} statements, "
                      + (", ".join(f"{n} {o}" for o, n in sorted(outcomes.items())) or "nothing new"))


if __name__ == "__main__":
    main()
