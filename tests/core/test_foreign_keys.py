"""PostgreSQL: the foreign keys of a big insert checked once per batch (core.foreign_keys).

The per-row checks are switched off for one insert only after the same
check ran set-based and locked the referenced rows.  These tests show that
the guarantees stay those of the per-row checks: missing rows are refused
with nothing saved, referenced rows stay locked until the transaction ends,
the checks are back on right after, and tables for which the switch would
not be safe (a trigger of their own, a foreign key this process does not
know, a role without the right) keep the per-row checks.
"""
import os
import threading
import uuid

import pytest
import sqlalchemy as sa

from core import errors, foreign_keys

pytestmark = pytest.mark.skipif(not os.environ.get("KITWORK_TEST_DATABASE_URL", "").startswith("postgresql"),
                                reason="PostgreSQL only: SQLite checks no foreign key")
SIZE = foreign_keys.THRESHOLD + 100


def probes(env, table):
    """Index scans of ``table`` so far in this transaction: a per-row check is one, the batch check one for all."""
    env.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
    return env.execute(sa.text("SELECT coalesce(sum(idx_scan), 0) FROM pg_stat_xact_user_tables "
                               "WHERE relname = :table"), {"table": table}).scalar_one()


def lamp_and_unit(env):
    unit = env["product.uom"].search([("symbol", "=", "u")])[0]
    lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id}])
    return lamp, unit


def gadgets(lamp, unit, size=SIZE):
    return [{"name": f"g{i}", "product": lamp.id, "uom": unit.id} for i in range(size)]


def role(env):
    return env.execute(sa.text("SELECT current_setting('session_replication_role')")).scalar_one()


def test_a_big_insert_is_checked_per_batch_and_the_row_checks_come_back(example_db, count_statements):
    with example_db.transaction() as env:
        lamp, unit = lamp_and_unit(env)
        before = probes(env, "product_uom")
        with count_statements(example_db.engine) as counter:
            created = env["example.gadget"].create(gadgets(lamp, unit))
        assert len(created) == SIZE
        switching = [s for s in counter.statements if "session_replication_role" in s]
        assert len(switching) == 1 and "INSERT INTO" in switching[0]   # off and on again inside the insert
        assert probes(env, "product_uom") - before < 5   # not one per row
        assert role(env) == "origin"
        with pytest.raises(sa.exc.IntegrityError, match="foreign key"), env.connection.begin_nested():
            env.execute(sa.text("INSERT INTO example_gadget (name, uom) VALUES ('stray', 987654)"))
    with example_db.transaction() as env:
        assert env["example.gadget"].search_count([("uom", "=", unit.id)]) == SIZE


def test_a_missing_row_is_named_and_nothing_is_saved(example_db):
    with example_db.transaction() as env:
        lamp, unit = lamp_and_unit(env)
        vlist = gadgets(lamp, unit)
        vlist[-2]["uom"] = 987654
        with pytest.raises(errors.ValidationError, match="example.gadget: uom: no product.uom with id 987654"):
            env["example.gadget"]._create(vlist)   # the internal path: no input check before the insert
        assert env["example.gadget"].search_count([]) == 0
        assert role(env) == "origin"
        assert len(env["example.gadget"]._create(gadgets(lamp, unit))) == SIZE   # the transaction goes on


def test_the_referenced_rows_stay_locked_until_the_transaction_ends(example_db):
    with example_db.transaction() as env:
        lamp, unit = lamp_and_unit(env)
    with example_db.transaction() as env:
        env["example.gadget"].create(gadgets(lamp, unit))
        with example_db.engine.connect() as other:
            other.exec_driver_sql("SET lock_timeout = '300ms'")
            with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
                other.exec_driver_sql(f"DELETE FROM product_product WHERE id = {lamp.id}")
            other.rollback()
    with example_db.transaction() as env:
        assert env["example.gadget"].search_count([("product", "=", lamp.id)]) == SIZE


def test_a_row_deleted_by_a_transaction_committing_meanwhile_is_missing(example_db):
    with example_db.transaction() as env:
        lamp, unit = lamp_and_unit(env)
    outcome = {}
    with example_db.engine.connect() as other:
        other.exec_driver_sql(f"DELETE FROM product_product WHERE id = {lamp.id}")   # not committed yet

        def insert():
            try:
                with example_db.transaction() as env:
                    env["example.gadget"]._create(gadgets(lamp, unit))
            except errors.UserError as exc:
                outcome["error"] = exc
        thread = threading.Thread(target=insert)
        thread.start()
        thread.join(0.5)
        assert thread.is_alive()   # waiting for the deleting transaction, as a per-row check would
        other.commit()
    thread.join(10)
    assert "no product.product with id" in str(outcome["error"])
    with example_db.transaction() as env:
        assert env["example.gadget"].search_count([]) == 0


def test_a_table_with_a_trigger_of_its_own_keeps_the_row_checks(example_db):
    with example_db.transaction() as env:
        env.execute(sa.text("CREATE TABLE gadget_audit (gadget INTEGER)"))
        env.execute(sa.text("CREATE FUNCTION gadget_audit() RETURNS trigger LANGUAGE plpgsql AS "
                            "$$ BEGIN INSERT INTO gadget_audit VALUES (NEW.id); RETURN NULL; END $$"))
        env.execute(sa.text("CREATE TRIGGER gadget_audit AFTER INSERT ON example_gadget "
                            "FOR EACH ROW EXECUTE FUNCTION gadget_audit()"))
        lamp, unit = lamp_and_unit(env)
        before = probes(env, "product_uom")
        env["example.gadget"].create(gadgets(lamp, unit))
        assert probes(env, "product_uom") - before >= SIZE
        assert env.execute(sa.text("SELECT count(*) FROM gadget_audit")).scalar_one() == SIZE


def test_a_foreign_key_added_after_the_first_batch_is_still_checked(example_db):
    with example_db.transaction() as env:
        lamp, unit = lamp_and_unit(env)
        env["example.gadget"].create(gadgets(lamp, unit))   # what the table's keys are is now known
        env.execute(sa.text("ALTER TABLE example_gadget ADD CONSTRAINT gadget_count_unit "
                            "FOREIGN KEY (count) REFERENCES product_uom (id)"))
        vlist = gadgets(lamp, unit)
        vlist[5]["count"] = 987654
        with pytest.raises(sa.exc.IntegrityError, match="gadget_count_unit"), env.connection.begin_nested():
            env["example.gadget"]._create(vlist)
        assert role(env) == "origin"


def test_a_role_without_the_right_keeps_the_row_checks(example_db):
    name = f"kitwork_plain_{uuid.uuid4().hex[:8]}"
    with example_db.engine.begin() as admin:
        schema = admin.exec_driver_sql("SELECT current_schema()").scalar_one()
        admin.exec_driver_sql(f'CREATE ROLE {name}')
        admin.exec_driver_sql(f'GRANT USAGE ON SCHEMA "{schema}" TO {name}')
        admin.exec_driver_sql(f'GRANT ALL ON ALL TABLES IN SCHEMA "{schema}" TO {name}')
        admin.exec_driver_sql(f'GRANT ALL ON ALL SEQUENCES IN SCHEMA "{schema}" TO {name}')
    try:
        with example_db.transaction() as env:
            lamp, unit = lamp_and_unit(env)
            env.execute(sa.text(f"SET LOCAL ROLE {name}"))
            before = probes(env, "product_uom")
            assert len(env["example.gadget"].create(gadgets(lamp, unit))) == SIZE
            assert probes(env, "product_uom") - before >= SIZE
            assert role(env) == "origin"
            vlist = gadgets(lamp, unit)
            vlist[0]["product"] = 987654
            with pytest.raises(errors.ValidationError, match="no product.product with id 987654"):
                env["example.gadget"]._create(vlist)
    finally:
        with example_db.engine.begin() as admin:
            admin.exec_driver_sql(f"DROP OWNED BY {name}")
            admin.exec_driver_sql(f"DROP ROLE {name}")
