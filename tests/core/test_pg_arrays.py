"""core.pg_arrays: lists packed in PostgreSQL's binary array format come back from the server as they went."""
import math
import os

import pytest
import sqlalchemy as sa

from core import pg_arrays

postgresql_only = pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL", "").startswith("postgresql"),
                                     reason="PostgreSQL only")

LISTS = [
    ("INTEGER", [1, -2, 2 ** 31 - 1, -2 ** 31, 0] * 700),
    ("INTEGER", [None, 5, None, -7]),
    ("INTEGER", [42]),
    ("DOUBLE PRECISION", [0.1, -2.5, 1e300, -0.0, 3.0] * 500),
    ("DOUBLE PRECISION", [None, 1.5, None]),
    ("DOUBLE PRECISION", [math.inf, -math.inf]),
    ("BOOLEAN", [True, False, None, True] * 300),
    ("VARCHAR", ["kit_component", "Łukasz Żółć", "", None, "x" * 300] * 200),
    ("TEXT", ["a'b\"c\\d{},"]),
]


@pytest.mark.parametrize("values", [
    ["a\x00b", "c"], [2 ** 31], [-2 ** 31 - 1, 1], [1, 1.5], [None, None], [1, True], [], [b"x"],
])
def test_what_psycopg_keeps(values):
    assert pg_arrays.pack(values) is None


@postgresql_only
@pytest.mark.parametrize("sql_type, values", LISTS)
def test_a_packed_list_comes_back_as_it_was(db, sql_type, values):
    packed = pg_arrays.pack(values)
    assert packed is not None
    with db.transaction() as env:
        back = env.connection.exec_driver_sql(f"SELECT CAST(%(a)b AS {sql_type}[])", {"a": packed}).scalar_one()
    assert back == values


@postgresql_only
def test_nan_comes_back_as_nan(db):
    with db.transaction() as env:
        back = env.connection.exec_driver_sql("SELECT CAST(%(a)b AS DOUBLE PRECISION[])",
                                              {"a": pg_arrays.pack([math.nan, 1.0])}).scalar_one()
    assert math.isnan(back[0]) and back[1] == 1.0
