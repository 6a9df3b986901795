"""The HTTP API under load: requests/s and latency, and a big create over HTTP versus the Python API.

For each backend (SQLite, PostgreSQL): a fresh database with sale and web,
``kitwork serve --workers 2`` in its own process group, then ``--clients``
concurrent clients (asyncio + httpx) for ``--duration`` seconds each:

(a) ``GET /api/product.product/{id}``, reading one product;
(b) ``POST /api/sale.sale`` creating a sale of 5 lines;

requests/s, p50 and p99 latency, and any non-2xx answer.  Then (c) one
``POST /api/sale.sale`` of a sale with 1,000 lines against the same create
through the Python API (best of 3 each; goal: HTTP within 2x).

PostgreSQL comes from ``--pg URL`` or ``KITWORK_BENCH_PG_URL`` (a fresh
schema, dropped afterwards); without either it is skipped.  The client runs
on the same machine as the server: on a small machine it takes its share of
the CPU.

    python bench/bench_http.py [--duration 10] [--clients 20] [--workers 2] [--pg URL] [--sqlite-only | --pg-only]
"""
import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import sqlalchemy as sa

from core import Database

MODULES = ("sale", "web")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(url):
    """Activate the modules, make an admin key, a customer and 5 products; return (key, party, product ids)."""
    database = Database(url)
    database.activate(*MODULES)
    with database.transaction() as env:
        admin, = env["res.group"].search([("name", "=", "admin")])
        user, = env["res.user"].create([{"login": "bench", "groups": [admin.id]}])
        key = env["res.user"].new_key([user])[user.id]
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        party, = env["party.party"].create([{"name": "Customer"}])
        products = env["product.product"].create([{"name": f"Product {i}", "default_uom": unit.id,
                                                   "list_price": 10 + i} for i in range(5)])
    database.close()
    return key, party.id, [p.id for p in products]


def serve(url, workers):
    port = free_port()
    process = subprocess.Popen([sys.executable, "-c", "from core.cli import run; run()", "serve", "--db", url,
                                "--port", str(port), "--workers", str(workers)],
                               stdout=subprocess.DEVNULL, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"{base}/api/openapi.json", timeout=5)
            return process, base
        except httpx.TransportError:
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the server did not start")
            time.sleep(0.2)


async def load(base, key, clients, duration, request):
    """``clients`` tasks sending ``request(client)`` in a loop for ``duration`` s: (count, latencies, failures)."""
    latencies, failures = [], []
    stop = time.monotonic() + duration
    limits = httpx.Limits(max_connections=clients)
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=60,
                                 limits=limits) as client:
        async def worker():
            while time.monotonic() < stop:
                start = time.perf_counter()
                response = await request(client)
                latencies.append(time.perf_counter() - start)
                if response.status_code >= 300:
                    failures.append(f"{response.status_code} {response.text[:120]}")
        begin = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(clients)))
        elapsed = time.monotonic() - begin
    return len(latencies) / elapsed, latencies, failures


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(label, rate, latencies, failures):
    print(f"  {label:<34} {rate:8.1f} req/s   p50 {percentile(latencies, 0.5) * 1000:7.1f} ms   "
          f"p99 {percentile(latencies, 0.99) * 1000:7.1f} ms   {len(latencies)} requests, {len(failures)} failed"
          + (f" (first: {failures[0]})" if failures else ""))


def big_sale(party, products, lines=1000):
    return {"party": party, "lines": [{"product": products[i % len(products)], "quantity": 1 + i % 7}
                                      for i in range(lines)]}


def run(label, url, args):
    print(f"{label}:")
    key, party, products = prepare(url)
    process, base = serve(url, args.workers)
    try:
        product = products[0]
        rate, latencies, failures = asyncio.run(load(
            base, key, args.clients, args.duration, lambda c: c.get(f"/api/product.product/{product}")))
        report(f"(a) read one product, {args.clients} clients", rate, latencies, failures)
        sale = [{"party": party, "lines": [{"product": p, "quantity": 2} for p in products]}]
        rate, latencies, failures = asyncio.run(load(
            base, key, args.clients, args.duration, lambda c: c.post("/api/sale.sale", json=sale)))
        report(f"(b) create a 5-line sale, {args.clients} clients", rate, latencies, failures)
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {key}"}, timeout=300) as client:
            http_times = []
            for _ in range(3):
                start = time.perf_counter()
                response = client.post("/api/sale.sale", json=[big_sale(party, products)])
                http_times.append(time.perf_counter() - start)
                assert response.status_code == 201 and len(response.json()[0]["lines"]) == 1000, response.text[:300]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    database = Database(url)
    api_times = []
    for _ in range(3):
        start = time.perf_counter()
        with database.transaction() as env:
            sale, = env["sale.sale"].create([big_sale(party, products)])
            env["sale.sale"].dump([sale])   # what the HTTP answer carries
        api_times.append(time.perf_counter() - start)
    database.close()
    print(f"  (c) one sale of 1,000 lines: HTTP {min(http_times):.2f} s, Python API {min(api_times):.2f} s "
          f"(create + dump): {min(http_times) / min(api_times):.2f}x (goal within 2x)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=10)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pg", default=os.environ.get("KITWORK_BENCH_PG_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--pg-only", action="store_true")
    args = parser.parse_args()
    if not args.pg_only:
        with tempfile.TemporaryDirectory(prefix="kitwork-bench-http-") as folder:
            run("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", args)
    if args.sqlite_only:
        return
    if not args.pg:
        print("PostgreSQL: skipped (give --pg URL or KITWORK_BENCH_PG_URL)")
        return
    schema = f"kitwork_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(args.pg)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        separator = "&" if "?" in args.pg else "?"
        run("PostgreSQL", f"{args.pg}{separator}options=-csearch_path%3D{schema}", args)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()


if __name__ == "__main__":
    main()
