"""pytest plugin for module authors: throw-away Kitwork databases.

Installed with Kitwork (entry point ``pytest11``), it gives the fixture
``kitwork_database``: a factory ``kitwork_database(*modules)`` returning a
:class:`core.Database` with those modules (and their dependencies) active.
Each database is new and is thrown away after the test: a SQLite file in the
test's temporary folder, or, when ``KITWORK_TEST_DATABASE_URL`` is set (a
PostgreSQL URL), a fresh schema in that database.
"""
import os
import uuid

import pytest
import sqlalchemy as sa

from .database import Database

URL_VARIABLE = "KITWORK_TEST_DATABASE_URL"


def _postgresql_database(url):
    """A Database confined to a new schema of ``url``, and a function to drop it."""
    schema = f"kitwork_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(url)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    separator = "&" if "?" in url else "?"
    database = Database(f"{url}{separator}options=-csearch_path%3D{schema}")

    def drop():
        database.close()
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
    return database, drop


@pytest.fixture
def kitwork_database(tmp_path):
    """Factory: ``kitwork_database("sale", "product_kit")`` -> an activated, throw-away Database."""
    cleanups = []

    def make(*module_names):
        url = os.environ.get(URL_VARIABLE)
        if url:
            database, drop = _postgresql_database(url)
            cleanups.append(drop)
        else:
            database = Database(f"sqlite:///{tmp_path / f'kitwork-{len(cleanups)}.db'}")
            cleanups.append(database.close)
        if module_names:
            database.activate(*module_names)
        return database

    yield make
    for cleanup in reversed(cleanups):
        cleanup()
