"""Order to cash: 10,000 shipped sale lines (1,000 sales) invoiced in one call, posted, paid, drawn as PDF.

A database with account_invoice, sale and stock gets 1,000 processed sales of
10 goods lines each (taxed, with an account), whose moves are then marked
done with plain Core updates (every line shipped).  ``Sale.invoice`` invoices
them all in one call; the same invoice and invoice-line rows (and their tax
links) are then inserted with plain SQLAlchemy Core, in a transaction rolled
back, for comparison.  A smaller round (100 sales) shows that the number of
statements does not grow with the number of sales.  Then, for both rounds,
the invoices are posted in one call, paid by one payment each (created in
one call, posted in one call: every invoice becomes paid, every sale paid),
and the PDFs drawn.  Printed: seconds, lines/s, statements, the ratio to
Core (goal: within 3×), the statements of posting and paying for 100 and
1,000 invoices (goal: independent of the count), and the time per PDF.

    python bench/bench_invoice.py [--sales 1000] [--lines 10] [--pdfs 1000] [--db URL]
"""
import argparse
import gc
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
    """An account, a tax, 100 products and 50 customers; their ids."""
    with db.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        revenue, = env["account.account"].create([{"code": "4000", "name": "Sales", "type": "revenue"}])
        vat, = env["account.tax"].create([{"name": "VAT 20%", "type": "percentage", "rate": Decimal("0.2")}])
        products = env["product.product"].create([
            {"name": f"P{i}", "default_uom": unit, "list_price": Decimal(i % 50 + 1), "revenue_account": revenue.id,
             "customer_taxes": [vat.id]} for i in range(100)])
        customers = env["party.party"].create([{"name": f"C{i}", "email": f"c{i}@example.com"} for i in range(50)])
        return [p.id for p in products], [c.id for c in customers]


def build(db, sales, lines, products, customers):
    """``sales`` processed sales of ``lines`` shipped goods lines each; their ids."""
    with db.transaction() as env:
        Sale = env["sale.sale"]
        made = Sale.create([{"party": customers[s % 50], "invoice_method": "shipment", "lines": [
            {"product": products[(s * lines + i) % 100], "quantity": 1 + (s + i) % 5} for i in range(lines)]}
            for s in range(sales)])
        Sale.quote(made)
        Sale.confirm(made)
        Sale.process(made)
        move = env["stock.move"].table
        env.execute(move.update().values(state="done", effective_date=sa.func.current_date()))
        shipment = env["stock.shipment.out"].table
        env.execute(shipment.update().values(state="done"))
        return [s.id for s in made]


def core_insert(db, rows):
    """Insert the same invoices, lines and tax links with plain Core; roll back; return the seconds."""
    invoices, lines, taxes = rows
    with db.engine.connect() as connection:
        transaction = connection.begin()
        invoice_table = sa.Table("account_invoice", sa.MetaData(), autoload_with=connection)
        line_table = sa.Table("account_invoice_line", sa.MetaData(), autoload_with=connection)
        link_table = sa.Table("account_invoice_line__taxes", sa.MetaData(), autoload_with=connection)
        offset = connection.execute(sa.select(sa.func.max(invoice_table.c.id))).scalar() or 0
        line_offset = connection.execute(sa.select(sa.func.max(line_table.c.id))).scalar() or 0
        gc.collect()   # both sides start without garbage to collect: their times are then comparable
        start, cpu = time.perf_counter(), time.process_time()
        connection.execute(invoice_table.insert(), [{**row, "id": row["id"] + offset} for row in invoices])
        connection.execute(line_table.insert(), [{**row, "id": row["id"] + line_offset,
                                                  "invoice": row["invoice"] + offset} for row in lines])
        connection.execute(link_table.insert(), [{"origin": o + line_offset, "target": t} for o, t in taxes])
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        transaction.rollback()
    return seconds, cpu


def invoice_round(db, sale_ids, counter):
    """Invoice every sale in one call; return (seconds, statements, the rows made, for Core)."""
    with db.transaction() as env:
        Sale = env["sale.sale"]
        sales = Sale.browse(sale_ids)
        gc.collect()
        before, start, cpu = counter.count, time.perf_counter(), time.process_time()
        invoices = Sale.invoice(sales)
        seconds, statements = time.perf_counter() - start, counter.count - before
        cpu = time.process_time() - cpu
        line_model = env["account.invoice.line"]
        made = line_model.search([("invoice", "in", [i.id for i in invoices])])
        rows = ([{"id": i.id, "type": "out", "party": i.party.id, "state": "draft", "currency": i.currency,
                  "reference": i.reference} for i in invoices],
                [{"id": l.id, "invoice": l.invoice.id, "sequence": l.sequence, "origin": f"sale.line,{l.origin.id}",
                  "product": l.product.id, "quantity": l.quantity, "unit": l.unit.id, "unit_price": l.unit_price,
                  "account": l.account.id} for l in made],
                [(l.id, t.id) for l in made for t in l.taxes])
        assert len(made) == len(sale_ids) * (len(made) // max(len(sale_ids), 1)) and len(invoices) == len(sale_ids)
        return seconds, statements, rows, [i.id for i in invoices], cpu


def timed(counter, call):
    """``(result, seconds, statements)`` of ``call()``, started without garbage to collect."""
    gc.collect()
    before, start = counter.count, time.perf_counter()
    result = call()
    return result, time.perf_counter() - start, counter.count - before


def cash_round(db, invoice_ids, counter):
    """Post the invoices in one call, pay each by a payment of its own (created, then posted, in one call)."""
    with db.transaction() as env:
        Invoice, Payment = env["account.invoice"], env["account.payment"]
        invoices = Invoice.browse(invoice_ids)
        _, post, post_statements = timed(counter, lambda: Invoice.post(invoices))
        owed = [(i.id, i.party.id, i.total_amount) for i in Invoice.browse(invoice_ids)]
        payments, create, create_statements = timed(counter, lambda: Payment.create([
            {"party": party, "amount": total, "reference": f"bank {invoice}",
             "lines": [{"invoice": invoice, "amount": total}]} for invoice, party, total in owed]))
        _, pay, pay_statements = timed(counter, lambda: Payment.post(payments))
        assert all(i.state == "paid" for i in Invoice.browse(invoice_ids))
        sales = env["sale.sale"].search([("payment_state", "=", "paid")])
        print(f"{len(invoice_ids)} invoices: post {post:.3f} s ({post_statements} statements); "
              f"{len(payments)} payments created {create:.3f} s ({create_statements} statements), posted {pay:.3f} s "
              f"({pay_statements} statements): every invoice paid, {len(sales)} sales paid so far")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=1000)
    parser.add_argument("--lines", type=int, default=10)
    parser.add_argument("--pdfs", type=int, default=1000)
    parser.add_argument("--db", help="database URL (default: a fresh SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db = Database(args.db or f"sqlite:///{Path(folder) / 'invoice.db'}")
        db.activate("account_payment", "sale", "stock")
        start = time.perf_counter()
        products, customers = catalog(db)
        small = build(db, args.sales // 10, args.lines, products, customers)
        big = build(db, args.sales, args.lines, products, customers)
        print(f"built {len(small) + len(big)} processed, shipped sales of {args.lines} lines in "
              f"{time.perf_counter() - start:.1f} s ({db.engine.dialect.name})")
        counter = Counter(db.engine)
        results = {}
        for label, ids in (("small", small), ("big", big)):
            results[label] = invoice_round(db, ids, counter)
            seconds, statements, rows, _, cpu = results[label]
            print(f"Sale.invoice of {len(ids)} sales, {len(rows[1])} lines: {seconds:.3f} s (CPU {cpu:.3f} s) "
                  f"({len(rows[1]) / seconds:,.0f} lines/s), {statements} statements")
        seconds, statements, rows, invoice_ids, cpu = results["big"]
        core, core_cpu = core_insert(db, rows)
        print(f"Core insert of the same {len(rows[0])} invoices, {len(rows[1])} lines and {len(rows[2])} tax links: "
              f"{core:.3f} s (CPU {core_cpu:.3f} s); Sale.invoice / Core = {seconds / core:.1f}x "
              f"(CPU {cpu / core_cpu:.1f}x; goal: within 3x)")
        print(f"statements: {results['small'][1]} for {len(small)} sales, {statements} for {len(big)} sales "
              f"(goal: independent of the number of sales)")
        for label in ("small", "big"):
            cash_round(db, results[label][3], counter)
        with db.transaction() as env:
            Invoice = env["account.invoice"]
            chosen = Invoice.browse(invoice_ids[:args.pdfs])
            gc.collect()
            start = time.perf_counter()
            pdfs = Invoice.render_pdf(chosen)
            seconds = time.perf_counter() - start
        size = sum(len(p) for p in pdfs.values()) / len(pdfs)
        print(f"render_pdf of {len(pdfs)} paid invoices ({args.lines} lines each): {seconds:.2f} s, "
              f"{seconds / len(pdfs) * 1000:.1f} ms per PDF, {size / 1024:.1f} KiB each")
        db.close()


if __name__ == "__main__":
    main()
