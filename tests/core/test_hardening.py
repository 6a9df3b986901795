"""Bad input through the public API: a clear UserError, nothing saved, the transaction still usable.

One database (every built-in module) for the whole file; each test makes
the records it needs and checks, with a snapshot of every table, that a
refused call changed nothing, even when the caller catches the error and
commits.
"""
import contextlib
import datetime
import io
import subprocess
import sys
from decimal import Decimal

import pytest

from core import Database, cli, errors


@pytest.fixture(scope="module")
def data(full_db):
    with full_db.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        Product = env["product.product"]
        pen, bolt = Product.create([
            {"name": "Pen", "code": "H-PEN", "default_uom": units["u"], "list_price": Decimal("2")},
            {"name": "Bolt", "code": "H-BOLT", "default_uom": units["u"], "list_price": Decimal("1")}])
        kit, = Product.create([{"name": "Pen set", "code": "H-SET", "type": "kit", "default_uom": units["u"],
                                "components": [{"product": pen.id, "quantity": 2}]}])
        customer, supplier = env["party.party"].create([{"name": "Hard customer"}, {"name": "Hard supplier"}])
        return {"units": units, "pen": pen.id, "bolt": bolt.id, "kit": kit.id,
                "customer": customer.id, "supplier": supplier.id}


ORDERS = {"sale": ("sale.sale", "sale.line", "sale"), "purchase": ("purchase.purchase", "purchase.line", "purchase")}


def new_order(env, data, kind, state="draft", **values):
    order_model, _, _ = ORDERS[kind]
    Order = env[order_model]
    order, = Order.create([{"party": data["customer"], "lines": [{"product": data["pen"], "quantity": 1}],
                            **values}])
    for method in {"draft": [], "quotation": ["quote"], "confirmed": ["quote", "confirm"]}[state]:
        getattr(Order, method)([order])
    return order


@contextlib.contextmanager
def refused(env, snapshot, error=errors.UserError, match=None):
    """The block raises ``error`` (a UserError) and every table is as before it."""
    before = snapshot(env)
    with pytest.raises(error, match=match) as info:
        yield info
    assert snapshot(env) == before


def committed_refusal(database, snapshot, call, error=errors.UserError, match=None):
    """``call(env)`` raises a UserError that is caught; the transaction commits; nothing was saved."""
    with database.transaction() as env:
        before = snapshot(env)
        with refused(env, snapshot, error, match):
            call(env)
    with database.transaction() as env:
        assert snapshot(env) == before


# 1, 2: lines of orders that are not draft ---------------------------------------------
@pytest.mark.parametrize("kind", sorted(ORDERS))
def test_no_line_for_a_confirmed_order_given_as_a_record(full_db, data, snapshot, kind):
    _, line_model, parent = ORDERS[kind]
    with full_db.transaction() as env:
        order = new_order(env, data, kind, "confirmed")
    committed_refusal(full_db, snapshot, lambda env: env[line_model].create(
        [{parent: env[ORDERS[kind][0]].browse([order.id])[0], "product": data["pen"], "quantity": 1}]),
        errors.WorkflowError, "reset it to draft")


@pytest.mark.parametrize("kind", sorted(ORDERS))
def test_no_line_moved_into_a_confirmed_order(full_db, data, snapshot, kind):
    order_model, line_model, parent = ORDERS[kind]
    with full_db.transaction() as env:
        confirmed = new_order(env, data, kind, "confirmed")
        draft = new_order(env, data, kind)
        line_id = draft.lines[0].id
    committed_refusal(full_db, snapshot, lambda env: env[line_model].write([line_id], {parent: confirmed.id}),
                      errors.WorkflowError, "reset it to draft")
    committed_refusal(full_db, snapshot, lambda env: env[order_model].write(
        [draft.id], {"lines": [("write", [line_id], {parent: confirmed.id})]}), errors.WorkflowError)


# 3: overrides validate inside the savepoint ------------------------------------------
def test_deleting_a_kits_only_component_keeps_it_even_if_the_caller_commits(full_db, data, snapshot):
    def delete(env):
        kit, = env["product.product"].browse([data["kit"]])
        env["product.component"].delete(kit.components)
    committed_refusal(full_db, snapshot, delete, errors.ValidationError, "at least one component")
    with full_db.transaction() as env:
        assert len(env["product.product"].browse([data["kit"]])[0].components) == 1


# 5, 6, 7: numbers and dates the columns and the arithmetic can hold ---------------------
@pytest.mark.parametrize("values, field", [
    ({"quantity": 1e30}, "quantity"), ({"quantity": 10 ** 400}, "quantity"), ({"quantity": float("inf")}, "quantity"),
    ({"sequence": 10 ** 20}, "sequence"), ({"sequence": 2 ** 31}, "sequence"),
    ({"unit_price": Decimal("1e20")}, "unit_price"), ({"unit_price": 1e12}, "unit_price"),
])
def test_numbers_out_of_range_are_refused(full_db, data, snapshot, values, field):
    with full_db.transaction() as env:
        sale_id = new_order(env, data, "sale").id

    def create(env):
        env["sale.line"].create([{"sale": sale_id, "product": data["pen"], "quantity": 1, **values}])
    committed_refusal(full_db, snapshot, create, errors.ValidationError)
    with full_db.transaction() as env:
        line = env["sale.sale"].browse([sale_id])[0].lines[0]
        with refused(env, snapshot, errors.ValidationError) as info:
            env["sale.line"].write([line], values)
        assert field in info.value.errors


def test_the_largest_accepted_values_still_compute(full_db, data, snapshot):
    with full_db.transaction() as env:
        sale = new_order(env, data, "sale")
        line, = env["sale.line"].create([{"sale": sale.id, "product": data["pen"], "quantity": 1e12,
                                          "unit_price": Decimal("999999999999.9999")}])
        assert line.amount == Decimal("999999999999999900000000.00")
        env["sale.sale"].dump([sale])
        # a computed price beyond the column (list price × 12 for a dozen) is refused, not a driver error
        big, = env["product.product"].create([{"name": "Big", "default_uom": data["units"]["u"],
                                               "list_price": Decimal("999999999999")}])
        with refused(env, snapshot, errors.ValidationError, "unit_price"):
            env["sale.line"].create([{"sale": sale.id, "product": big.id, "quantity": 1,
                                      "unit": data["units"]["dz"]}])


def test_day_counts_and_dates_are_bounded_and_confirm_computes_safely(full_db, data, snapshot):
    with full_db.transaction() as env:
        Supplier, Rule = env["purchase.product_supplier"], env["stock.reorder.rule"]
        with refused(env, snapshot, errors.ValidationError, "lead_time"):
            Supplier.create([{"product": data["bolt"], "party": data["supplier"], "lead_time": 10 ** 7}])
        with refused(env, snapshot, errors.ValidationError, "sale_date"):
            new_order(env, data, "sale", sale_date=datetime.date(9999, 12, 31))
        with refused(env, snapshot, errors.ValidationError, "visibility_days"):
            Rule.create([{"product": data["bolt"], "visibility_days": 10 ** 9}])
        config = env["stock.reorder.configuration"].get()
        with refused(env, snapshot, errors.ValidationError, "security_days"):
            env["stock.reorder.configuration"].write([config], {"security_days": 10 ** 6})
        # the largest accepted values: confirming buys on order, the scheduler plans, no OverflowError
        env["product.product"].write([data["bolt"]], {"supply_on_sale": True})
        Supplier.create([{"product": data["bolt"], "party": data["supplier"], "lead_time": 3650}])
        Rule.create([{"product": data["bolt"], "min_quantity": 1, "max_quantity": 2, "visibility_days": 3650,
                      "horizon_days": 3650, "trigger": "manual"}])
        env["stock.reorder.configuration"].write([config], {"security_days": 3650, "days_to_purchase": 3650})
        sale, = env["sale.sale"].create([{"party": data["customer"], "sale_date": datetime.date(2999, 12, 31),
                                          "lines": [{"product": data["bolt"], "quantity": 1}]}])
        env["sale.sale"].quote([sale])
        env["sale.sale"].confirm([sale])
        assert sale.purchases[0].lines[0].delivery_date == datetime.date(2999, 12, 31) + datetime.timedelta(3650)
        assert any(row["product"].id == data["bolt"] for row in Rule.needs())
        env.connection.rollback()   # leave the shared database as it was


# 8, 9: searches check their values before SQL ------------------------------------------------
@pytest.mark.parametrize("domain, kwargs", [
    ([("quantity", ">", "abc")], {}), ([("id", "=", "abc")], {}), ([("sale", "=", "abc")], {}),
    ([("sale.sale_date", "=", "not-a-date")], {}), ([("product.name", "in", 5)], {}),
    ([("product.name", "in", "abc")], {}), ([("quantity", "like", "1%")], {}), ([("id", "=", 10 ** 20)], {}),
    ([("product.name", "=", "a\x00b")], {}), ([("product.name", "=", "\ud800")], {}),
    ([("sale", "=", "sale.sale,1")], {}), ([("quantity", "=", float("nan"))], {}),
    ([("unit_price", "<", Decimal("1e400"))], {}), ([("quantity", ">", 1)], {"limit": -1}),
    ([], {"offset": "x"}), ([], {"order": [("quantity", 1)]}), ([], {"order": "quantity"}),
    ([[("quantity", ">")]], {}), ([(5, "=", 1)], {}), ([("quantity", ["="], 1)], {}), (5, {}),
    ([("sale", "<", None)], {}), ([("product.active", ">=", True)], {}), ([], {"order": True}),
])
def test_wrongly_typed_searches_are_refused_and_the_transaction_goes_on(full_db, data, snapshot, domain, kwargs):
    with full_db.transaction() as env:
        with refused(env, snapshot):
            env["sale.line"].search(domain, **kwargs)
        assert env["sale.line"].search([("quantity", ">", 0)], limit=1)   # the transaction is usable


def test_one2many_none_is_no_children(full_db, data):
    with full_db.transaction() as env:
        sale = new_order(env, data, "sale", lines=None)
        assert sale.lines == []
        env["sale.sale"].write([sale], {"lines": None})


def test_search_values_convert_like_input(full_db, data):
    with full_db.transaction() as env:
        sale = new_order(env, data, "sale", sale_date=datetime.date(2026, 4, 1))
        Sale, Line = env["sale.sale"], env["sale.line"]
        assert sale in Sale.search([("sale_date", "=", "2026-04-01")])
        assert sale in Sale.search([("party", "=", sale.party)])
        assert sale.lines == Line.search([("sale", "in", [sale])])
        assert Sale.search([("id", "=", sale)]) == [sale]
        assert sale.lines == Line.search([("sale", "=", sale.id), ("product.code", "like", "H-P%")])
        assert Line.search([("sale", "=", sale.id), ("product.type", "like", "go%")]) == sale.lines
        assert env["purchase.line"].search([("origin", "like", "nothing.here,%")]) == []
        with pytest.raises(errors.UserError, match="sale.sale.party"):
            Sale.search([("party", "=", sale)])   # a record of another model


def test_transitions_take_ids_and_refuse_other_models(full_db, data, snapshot):
    with full_db.transaction() as env:
        Sale = env["sale.sale"]
        sale = new_order(env, data, "sale")
        Sale.quote([sale.id])
        assert sale.state == "quotation"
        with refused(env, snapshot, match="expected a record of sale.sale"):
            Sale.confirm(env["party.party"].browse([data["customer"]]))
        with refused(env, snapshot, match="expected a list"):
            Sale.confirm(sale)
        with refused(env, snapshot, errors.WorkflowError):
            Sale.process([sale.id])
        missing = r"cannot confirm sale.sale: no sale.sale with id 2147483647 \(sale.sale 2147483647 does not exist"
        with refused(env, snapshot, match=missing):
            Sale.confirm([sale.id, 2 ** 31 - 1])
        draft = new_order(env, data, "sale")
        with refused(env, snapshot, errors.WorkflowError):   # all or nothing
            Sale.confirm([sale.id, draft.id])


# 10: text that cannot be stored ------------------------------------------------------------
@pytest.mark.parametrize("text", ["a\x00b", "\ud800", "ok\udfff"])
def test_nul_and_lone_surrogates_are_refused(full_db, data, snapshot, text):
    committed_refusal(full_db, snapshot, lambda env: env["party.party"].create([{"name": text}]),
                      errors.ValidationError, "cannot be stored")
    with full_db.transaction() as env:
        with refused(env, snapshot, errors.ValidationError, "cannot be stored"):
            env["party.party"].write([data["customer"]], {"name": text})


# 11: the database itself refusing --------------------------------------------------------------
def test_a_file_that_is_not_a_database_is_one_user_error(tmp_path, capsys):
    path = tmp_path / "notes.db"
    path.write_text("not a database at all\n" * 10)
    url = f"sqlite:///{path}"
    with pytest.raises(errors.UserError, match="file is not a database"):
        Database(url).active_modules
    for argv in (["init"], ["activate", "sale"], ["replenish"], ["modules"], ["upgrade"]):
        assert cli.main([*argv, "--db", url], out=io.StringIO()) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "file is not a database" in err


def test_a_read_only_database_is_one_user_error(tmp_path, capsys):
    path = tmp_path / "shop.db"
    Database(f"sqlite:///{path}").activate("stock_reorder")
    url = f"sqlite:///file:{path}?mode=ro&uri=true"
    with pytest.raises(errors.UserError, match="readonly"):
        Database(url).activate("product_kit")
    for argv in (["init"], ["activate", "product_kit"], ["replenish"]):
        assert cli.main([*argv, "--db", url], out=io.StringIO()) == 1
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "readonly" in err
    result = subprocess.run([sys.executable, "-m", "core.cli", "init", "--db", url], capture_output=True, text=True)
    assert (result.returncode, result.stderr.count("\n")) == (1, 1), result.stderr
