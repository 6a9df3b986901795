"""Throw-away databases for the benches: each URL a fresh SQLite file, or a fresh schema of one PostgreSQL database.

Not a bench itself: what bench_kits and bench_backends both need, so that
neither imports the other back.
"""
import contextlib
import tempfile
import uuid
from pathlib import Path

import sqlalchemy as sa


@contextlib.contextmanager
def sqlite_urls():
    """A factory of URLs, each a new SQLite file of one temporary folder (removed at the end)."""
    with tempfile.TemporaryDirectory() as folder:
        yield lambda: f"sqlite:///{Path(folder) / f'bench-{uuid.uuid4().hex[:8]}.db'}"


@contextlib.contextmanager
def postgresql_urls(url):
    """A factory of URLs, each confined to a new schema of ``url`` (dropped at the end)."""
    admin = sa.create_engine(url)
    schemas = []

    def make():
        schema = f"kitwork_bench_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        schemas.append(schema)
        separator = "&" if "?" in url else "?"
        return f"{url}{separator}options=-csearch_path%3D{schema}"
    try:
        yield make
    finally:
        with admin.begin() as connection:
            for schema in schemas:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
