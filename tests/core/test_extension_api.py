"""The public names module code uses: env, fields, table and the unchecked write paths."""
import datetime
from decimal import Decimal

import pytest

from core import errors, fields


@pytest.fixture
def env(kitwork_database):
    with kitwork_database("sale").transaction() as env:
        yield env


@pytest.fixture
def customer(env):
    return env["party.party"].create([{"name": "Ann"}])[0]


@pytest.fixture
def pen(env):
    unit, = env["product.uom"].search([("symbol", "=", "u")])
    return env["product.product"].create([{"name": "Pen", "default_uom": unit.id, "list_price": Decimal("2")}])[0]


def test_env_on_the_class_and_on_records(env, customer):
    Party = env["party.party"]
    assert Party.env is env and customer.env is env
    assert Party.env["party.party"] is Party


def test_fields_is_a_read_only_mapping_of_the_composed_model(env):
    Line = env["sale.line"]
    assert isinstance(Line.fields["quantity"], fields.Float) and Line.fields["quantity"].required
    assert Line.fields["sale"].target == "sale.sale" and Line.fields["sale"].owner == "sale"
    assert set(Line.fields) == set(Line._fields)
    with pytest.raises(TypeError):
        Line.fields["x"] = fields.Char("X")
    assert Line.table.name == "sale_line" and "quantity" in Line.table.c


def test_create_unchecked_skips_input_checks_but_keeps_defaults_and_rules(env, customer, pen):
    Sale = env["sale.sale"]
    with pytest.raises(errors.ValidationError, match="read-only"):
        Sale.create([{"party": customer.id, "state": "quotation"}])
    sale, = Sale.create_unchecked([{"party": customer, "state": "quotation",
                                    "lines": [{"product": pen.id, "quantity": 2}]}])
    assert (sale.state, sale.sale_date) == ("quotation", datetime.date.today())      # default kept
    assert (sale.lines[0].unit_price, sale.lines[0].unit.symbol) == (Decimal("2"), "u")   # _complete kept
    with pytest.raises(errors.ValidationError, match="party"):                          # required kept
        Sale.create_unchecked([{}])
    with pytest.raises(errors.ValidationError, match="greater than zero"):              # validate kept
        Sale.create_unchecked([{"party": customer.id, "lines": [{"product": pen.id, "quantity": 0}]}])


def test_write_unchecked_and_write_rows_skip_the_draft_rule(env, customer, pen):
    Sale = env["sale.sale"]
    first, second = Sale.create([{"party": customer.id} for _ in range(2)])
    Sale.quote([first])
    with pytest.raises(errors.WorkflowError):
        Sale.write([first], {"invoice_method": "manual"})
    Sale.write_unchecked([first], {"invoice_method": "manual"})
    assert first.invoice_method == "manual"
    with pytest.raises(errors.ValidationError, match="party"):
        Sale.write_unchecked([first], {"party": None})
    Sale.write_rows([{"id": first.id, "number": "A1"}, {"id": second.id, "number": "A2"}])
    assert (first.number, second.number) == ("A1", "A2")


def test_delete_unchecked_and_delete_where_skip_the_overrides_of_delete(env, customer, pen):
    Sale = env["sale.sale"]
    quoted, other, draft = Sale.create([{"party": customer.id, "lines": [{"product": pen.id, "quantity": 1}]}
                                        for _ in range(3)])
    Sale.quote([quoted, other])
    with pytest.raises(errors.WorkflowError):
        Sale.delete([quoted])
    Sale.delete_unchecked([quoted])
    Sale.delete_where([("id", "=", other.id)])
    assert Sale.search([]) == [draft]
    assert len(env["sale.line"].search([])) == 1   # the lines went with their sales (cascade)
    with pytest.raises(errors.UserError, match="cannot delete"):   # ondelete restrict still applies
        env["party.party"].delete_unchecked([customer])
