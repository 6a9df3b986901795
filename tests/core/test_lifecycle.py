"""Deactivating modules and activating them again; SQLite's Model.lock waiting its turn."""
import re
import threading
import time

import pytest
import sqlalchemy as sa

from core import Database, cli, errors


def tables(database):
    return sorted(sa.inspect(database.engine).get_table_names())


def nullable(database, table, column):
    return {c["name"]: c["nullable"] for c in sa.inspect(database.engine).get_columns(table)}[column]


@pytest.fixture
def shop(kitwork_database):
    """sale, purchase and stock with a received purchase and a shipped sale."""
    database = kitwork_database("sale", "purchase", "stock")
    with database.transaction() as env:
        ann, bob = env["party.party"].create([{"name": "Ann"}, {"name": "Bob"}])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id}])
        purchase, = env["purchase.purchase"].create([{"party": bob.id, "lines": [{"product": lamp.id, "quantity": 5}]}])
        Purchase = env["purchase.purchase"]
        Purchase.quote([purchase]), Purchase.confirm([purchase]), Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)
        sale, = env["sale.sale"].create([{"party": ann.id, "lines": [{"product": lamp.id, "quantity": 2}]}])
        Sale = env["sale.sale"]
        Sale.quote([sale]), Sale.confirm([sale]), Sale.process([sale])
        assert Sale.fulfil([sale]) == [sale]
    return database, {"ann": ann.id, "lamp": lamp.id, "sale": sale.id, "unit": unit.id}


def test_deactivation_is_refused_while_an_active_module_depends_on_it(shop, capsys):
    database, _ = shop
    before = tables(database)
    with pytest.raises(errors.ModuleError) as caught:
        database.deactivate("party")
    assert str(caught.value) == ("cannot deactivate 'party': the active module(s) stock, purchase, sale depend on "
                                 "it; deactivate them first")
    assert cli.main(["deactivate", "product", "--db", database.url]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("kitwork deactivate: error: cannot deactivate 'product'")
    with pytest.raises(errors.ModuleError, match="^module 'account' is not active in .*: nothing to deactivate$"):
        database.deactivate("account")
    fresh = Database(database.url)
    assert fresh.active_modules == ("party", "product", "stock", "purchase", "sale")
    assert fresh.deactivated_modules == () and tables(fresh) == before


def test_a_deactivated_module_leaves_the_pool_and_keeps_its_data(shop, capsys):
    database, ids = shop
    before = tables(database)
    assert cli.main(["deactivate", "stock", "--db", database.url]) == 0
    assert capsys.readouterr().out == ("deactivated stock (branches stock, purchase+stock, sale+stock disabled); "
                                       "its tables and columns are kept\n")
    database = Database(database.url)
    assert database.active_modules == ("party", "product", "purchase", "sale")
    assert database.deactivated_modules == ("stock",)
    assert tables(database) == sorted(before + ["kitwork_module_deactivated"])   # stock's tables are kept
    assert nullable(database, "sale_sale", "warehouse")   # and sale's warehouse column, now nullable
    with database.transaction() as env:
        assert "stock.move" not in env and "warehouse" not in env["sale.sale"].fields
        assert not [name for name, _ in env.pool.hooks.list_name_plugin() if name.startswith("stock:")]
        Sale = env["sale.sale"]
        lamp, = env["product.product"].create([{"name": "Lamp 2", "default_uom": ids["unit"]}])
        sale, = Sale.create([{"party": ids["ann"], "lines": [{"product": lamp.id, "quantity": 1}]}])
        Sale.quote([sale]), Sale.confirm([sale]), Sale.process([sale])
        assert sale.state == "done"   # no shipment to wait for: stock is not there
        with pytest.raises(errors.UserError) as caught:   # stock's moves still refer to the lamp
            env["product.product"].delete([ids["lamp"]])
    assert "cannot delete product.product" in str(caught.value)
    assert cli.main(["modules", "--db", database.url]) == 0
    assert [re.split(r"\s{2,}", line)[3] for line in capsys.readouterr().out.splitlines()
            if line.startswith("stock ")] == ["deactivated (data kept)"]

    assert database.activate("stock") == ("stock",)   # back, with its data
    assert not nullable(database, "sale_sale", "warehouse")
    with database.transaction() as env:
        Location = env["stock.location"]
        assert len(Location.search([("code", "=", "WH")])) == 1   # not made twice
        warehouse = Location.warehouse()
        assert {s.warehouse for s in env["sale.sale"].search([])} == {warehouse}   # the new sale gets WH
        old = env["sale.sale"].browse([ids["sale"]])[0]
        assert old.lines[0].quantity_shipped == 2.0
        assert Location.quantities([ids["lamp"]], warehouse)[ids["lamp"]] == 3.0
    assert Database(database.url).deactivated_modules == ()


TIERED = '''
from core import fields

class Party:
    _name = "party.party"
    tier = fields.Integer("Tier", required=True)

def register(module):
    module.add_models(Party)
'''
TIERED_MIGRATION = '''
from alembic import op
import sqlalchemy as sa

revision = "tiered_0001"
down_revision = None
branch_labels = ("tiered",)
depends_on = ["party"]


def upgrade():
    with op.batch_alter_table("party_party") as batch_op:
        batch_op.add_column(sa.Column("tier", sa.Integer(), nullable=False))   # activated on an empty table
'''


def test_reactivation_refuses_rows_a_required_field_without_default_cannot_fill(kitwork_database, module_factory):
    module_factory("tiered", {"__init__.py": TIERED, "migrations/tiered_0001_tier.py": TIERED_MIGRATION,
                              "manifest.toml": 'name = "tiered"\nversion = "1.0.0"\ndepends = ["party"]\n'})
    database = kitwork_database("tiered")
    with database.transaction() as env:
        env["party.party"].create([{"name": "Ann", "tier": 3}])
    database.deactivate("tiered")
    with database.transaction() as env:
        env["party.party"].create([{"name": "Bob"}])   # party alone inserts without the column
    with pytest.raises(errors.UserError) as caught:
        database.activate("tiered")
    assert str(caught.value) == ("cannot activate 'tiered': 1 row(s) of party.party have no tier (party.party.tier "
                                 "is required and declares no default); give them one, then activate again")
    assert Database(database.url).deactivated_modules == ("tiered",)
    assert nullable(database, "party_party", "tier")
    with database.engine.begin() as connection:
        connection.exec_driver_sql("UPDATE party_party SET tier = 2 WHERE tier IS NULL")
    assert database.activate("tiered") == ("tiered",)
    assert not nullable(database, "party_party", "tier")
    with database.transaction() as env:
        assert sorted((p.name, p.tier) for p in env["party.party"].search([])) == [("Ann", 3), ("Bob", 2)]


def test_lock_waits_for_the_other_writer_instead_of_failing(kitwork_database):
    """Six transactions read a counter, lock it, then raise it: none fails, none loses an increment."""
    database = kitwork_database("party")
    with database.transaction() as env:
        counter, = env["party.party"].create([{"name": "0"}])
    failures = []

    def raise_counter():
        mine = Database(database.url)
        try:
            with mine.transaction() as env:
                Party = env["party.party"]
                Party.browse([counter.id])[0].name   # read first: SQLite cannot turn this reader into the writer
                time.sleep(0.05)
                Party.lock([counter.id])
                value = int(Party.browse([counter.id])[0].name)
                time.sleep(0.01)
                Party.write([counter.id], {"name": str(value + 1)})
        except errors.UserError as exc:
            failures.append(str(exc))
        finally:
            mine.close()

    threads = [threading.Thread(target=raise_counter) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with database.transaction() as env:
        assert env["party.party"].browse([counter.id])[0].name == "6"


def test_lock_past_the_busy_timeout_is_one_line_and_the_transaction_goes_on(kitwork_database):
    """SQLite: a writer holding on past ``?timeout=`` gives a UserError; the locker stays a reader, nothing lost."""
    database = kitwork_database("party")
    if database.engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL waits for row locks without SQLite's busy timeout")
    with database.transaction() as env:
        counter, = env["party.party"].create([{"name": "0"}])
    writing, done = threading.Event(), threading.Event()

    def hold():
        with database.transaction() as env:
            env["party.party"].write([counter.id], {"name": "held"})
            writing.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    writing.wait(10)
    impatient = Database(f"{database.url}?timeout=0.2")
    try:
        with impatient.transaction() as env:
            Party = env["party.party"]
            assert Party.browse([counter.id])[0].name == "0"
            with pytest.raises(errors.UserError) as caught:
                Party.lock([counter.id])
            assert Party.browse([counter.id])[0].name == "0"   # still a reader of what was committed
            assert Party.search_count([]) == 1
    finally:
        done.set()
        holder.join()
        impatient.close()
    message = str(caught.value)
    assert "\n" not in message and message.startswith("cannot lock: another transaction kept Database(")
    assert message.endswith("busy past the busy timeout (0.2 s; ?timeout=N in the URL): database is locked; "
                            "nothing was changed, try again")
    with database.transaction() as env:
        assert [p.name for p in env["party.party"].search([])] == ["held"]
