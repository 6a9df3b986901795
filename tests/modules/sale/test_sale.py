"""Sales: lines, prices, amounts and the workflow."""
import datetime
from decimal import Decimal

import pytest

from core import errors


@pytest.fixture
def sale_db(kitwork_database):
    return kitwork_database("sale")


@pytest.fixture
def data(sale_db):
    with sale_db.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        pen, flour = env["product.product"].create([
            {"name": "Pen", "default_uom": units["u"], "list_price": Decimal("1.50")},
            {"name": "Flour", "default_uom": units["kg"], "list_price": Decimal("2.00")}])
        customer, = env["party.party"].create([{"name": "Ann"}])
        return {"units": units, "pen": pen.id, "flour": flour.id, "customer": customer.id}


def new_sale(env, data, lines, **values):
    sale, = env["sale.sale"].create([{"party": data["customer"], "lines": lines, **values}])
    return sale


def test_defaults_prices_and_amounts(sale_db, data):
    with sale_db.transaction() as env:
        sale = new_sale(env, data, [
            {"product": data["pen"], "quantity": 3},
            {"product": data["pen"], "quantity": 2, "unit": data["units"]["dz"]},
            {"product": data["flour"], "quantity": 250, "unit": data["units"]["g"]},
            {"product": data["pen"], "quantity": 1, "unit_price": Decimal("1.333")},
        ], sale_date=datetime.date(2026, 5, 4))
        assert (sale.state, sale.number, sale.invoice_method) == ("draft", None, "order")
        assert sale.delivery_date == datetime.date(2026, 5, 4)
        pens, dozens, flour, custom = sale.lines
        assert (pens.unit.symbol, pens.unit_price, pens.amount) == ("u", Decimal("1.5"), Decimal("4.50"))
        assert (dozens.unit_price, dozens.amount) == (Decimal("18"), Decimal("36.00"))
        assert (flour.quantity, flour.unit_price, flour.amount) == (250.0, Decimal("0.002"), Decimal("0.50"))
        assert custom.amount == Decimal("1.33")
        assert sale.untaxed_amount == Decimal("42.33")


def test_quantity_is_rounded_to_the_unit(sale_db, data):
    with sale_db.transaction() as env:
        sale = new_sale(env, data, [{"product": data["pen"], "quantity": 2.4}])
        assert sale.lines[0].quantity == 2.0


@pytest.mark.parametrize("line, field", [
    ({"quantity": 0}, "quantity"),
    ({"quantity": -2}, "quantity"),
    ({"quantity": 1, "unit": "kg"}, "unit"),
    ({"quantity": None}, "quantity"),
    ({"quantity": "many"}, "quantity"),
])
def test_invalid_lines_persist_nothing(sale_db, data, line, field):
    if line.get("unit") == "kg":
        line = {**line, "unit": data["units"]["kg"]}
    with pytest.raises(errors.ValidationError) as info:
        with sale_db.transaction() as env:
            new_sale(env, data, [{"product": data["pen"], **line}])
    assert field in info.value.errors
    with sale_db.transaction() as env:
        assert env["sale.sale"].search([]) == [] and env["sale.line"].search([]) == []


def test_workflow_and_numbering(sale_db, data):
    with sale_db.transaction() as env:
        Sale = env["sale.sale"]
        first, second = [new_sale(env, data, [{"product": data["pen"], "quantity": 1}]) for _ in range(2)]
        Sale.quote([second, first])
        assert (second.number, first.number) == ("S0001", "S0002")
        Sale.draft([second])
        Sale.quote([second])
        assert second.number == "S0001"   # kept
        Sale.confirm([second])
        Sale.process([second])
        assert second.state == "done"     # nothing to wait for without stock
        Sale.cancel([first])
        assert first.state == "cancelled"
        Sale.draft([first])
        assert first.state == "draft"


@pytest.mark.parametrize("transition, state", [
    ("confirm", "draft"), ("process", "quotation"), ("draft", "draft"), ("cancel", "confirmed"),
    ("quote", "quotation"),
])
def test_transitions_from_the_wrong_state_are_refused(sale_db, data, transition, state):
    with sale_db.transaction() as env:
        Sale = env["sale.sale"]
        sale = new_sale(env, data, [{"product": data["pen"], "quantity": 1}])
        for step in {"draft": [], "quotation": ["quote"], "confirmed": ["quote", "confirm"]}[state]:
            getattr(Sale, step)([sale])
        with pytest.raises(errors.WorkflowError, match=f"it is {state}") as info:
            getattr(Sale, transition)([sale])
        assert "sale.sale" in str(info.value)
        assert sale.state == state


def test_lines_change_only_in_draft(sale_db, data):
    with sale_db.transaction() as env:
        Sale, Line = env["sale.sale"], env["sale.line"]
        sale = new_sale(env, data, [{"product": data["pen"], "quantity": 1}])
        Line.write(sale.lines, {"quantity": 5})
        Sale.quote([sale])
        line = sale.lines[0]
        for attempt in (lambda: Line.write([line], {"quantity": 2}),
                        lambda: Line.delete([line]),
                        lambda: Line.create([{"sale": sale.id, "product": data["pen"], "quantity": 1}]),
                        lambda: Sale.write([sale], {"lines": [("delete", [line.id])]}),
                        lambda: Sale.delete([sale])):
            with pytest.raises(errors.WorkflowError, match="quotation"):
                attempt()
        assert [(l.quantity, l.sale.state) for l in sale.lines] == [(5.0, "quotation")]


def test_failed_transition_hook_undoes_the_transition(sale_db, data, monkeypatch):
    with sale_db.transaction() as env:
        Sale = env["sale.sale"]
        sale = new_sale(env, data, [{"product": data["pen"], "quantity": 1}])

        def broken(**kwargs):
            raise errors.UserError("no")
        monkeypatch.setattr(env.hooks, "sale_quote", broken)
        with pytest.raises(errors.UserError):
            Sale.quote([sale])
        assert (sale.state, sale.number) == ("draft", None)


REFUSING_MODULE = '''
import sys

from core import errors, hookimpl

SEEN = []


@hookimpl
def sale_before_quote(env, sales):
    SEEN.extend((sale.state, sale.number) for sale in sales)
    for sale in sales:
        for line in sale.lines:
            if line.quantity < 2:
                raise errors.UserError(f"{sale.rec_name}: {line.product.name} is sold by 2 at least")


def register(module):
    module.add_hooks(sys.modules[__name__])
'''


def test_a_module_refusing_before_quote_leaves_the_sale_draft_unnumbered_and_unexploded(
        kitwork_database, module_factory):
    module_factory("refuse_quote", {"__init__.py": REFUSING_MODULE, "manifest.toml":
                                    'name = "refuse_quote"\nversion = "1"\ndepends = ["sale", "product_kit"]\n'})
    database = kitwork_database("refuse_quote")
    with database.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        Product = env["product.product"]
        pen, = Product.create([{"name": "Pen", "default_uom": unit.id}])
        kit, = Product.create([{"name": "Kit", "type": "kit", "default_uom": unit.id,
                                "components": [{"product": pen.id, "quantity": 2}]}])
        customer, = env["party.party"].create([{"name": "Ann"}])
        Sale = env["sale.sale"]
        small, big = Sale.create([{"party": customer.id, "lines": [{"product": kit.id, "quantity": quantity}]}
                                  for quantity in (1, 3)])
        with pytest.raises(errors.UserError, match="sold by 2 at least"):
            Sale.quote([small, big])
        assert [(s.state, s.number) for s in (small, big)] == [("draft", None), ("draft", None)]
        assert [line.components for s in (small, big) for line in s.lines] == [[], []]
        Sale.quote([big])
        assert (big.state, bool(big.number), len(big.lines[0].components)) == ("quotation", True, 1)
    import refuse_quote
    assert refuse_quote.SEEN == [("draft", None), ("draft", None), ("draft", None)]


def test_status_and_shipping_method_change_in_any_state(kitwork_database):
    from core import errors
    database = kitwork_database("sale")
    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit}])
        ann, = env["party.party"].create([{"name": "Ann"}])
        packed, = env["sale.status"].create([{"name": "Packed"}])
        courier, = env["sale.shipping_method"].create([{"name": "Courier"}])
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": ann.id, "lines": [{"product": lamp.id, "quantity": 1}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.write([sale], {"status": packed.id, "shipping_method": courier.id})
        assert (sale.status, sale.shipping_method, sale.state) == (packed, courier, "confirmed")
        with pytest.raises(errors.WorkflowError, match="reset it to draft"):
            Sale.write([sale], {"status": None, "party": ann.id})
        assert sale.status == packed


STATUS_WATCHER = '''
import sys

from core import errors, hookimpl

SEEN = []


@hookimpl
def sale_status_changed(env, changes):
    SEEN.append([(sale.number, old and old.name, new and new.name) for sale, old, new in changes])
    if any(new is not None and new.name == "Refused" for _, _, new in changes):
        raise errors.UserError("that status is refused")


def register(module):
    module.add_hooks(sys.modules[__name__])
'''


def test_changing_the_status_fires_sale_status_changed_with_old_and_new(kitwork_database, module_factory):
    module_factory("status_watcher", {"__init__.py": STATUS_WATCHER, "manifest.toml":
                                      'name = "status_watcher"\nversion = "1"\ndepends = ["sale"]\n'})
    database = kitwork_database("status_watcher")
    import status_watcher
    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit}])
        ann, = env["party.party"].create([{"name": "Ann"}])
        packed, sent, refused = env["sale.status"].create([{"name": "Packed"}, {"name": "Sent"}, {"name": "Refused"}])
        Sale = env["sale.sale"]
        one, two = Sale.create([{"party": ann.id, "lines": [{"product": lamp.id, "quantity": 1}]}] * 2)
        Sale.quote([one, two])
        Sale.write([one], {"status": packed.id})
        Sale.write([one, two], {"status": sent.id})
        Sale.write([one, two], {"status": sent.id})          # no change: no call
        Sale.write([one, two], {"shipping_method": None})    # status untouched: no call
        with pytest.raises(errors.UserError, match="refused"):
            Sale.write([one], {"status": refused.id})
        assert one.status == sent                             # the refused write left nothing
        assert status_watcher.SEEN == [
            [(one.number, None, "Packed")],
            [(one.number, "Packed", "Sent"), (two.number, None, "Sent")],
            [(one.number, "Sent", "Refused")]]


@pytest.mark.parametrize("model", ["sale.status", "sale.shipping_method"])
@pytest.mark.parametrize("name", ["", "  "])
def test_a_status_or_shipping_method_needs_a_name_that_is_not_blank(kitwork_database, model, name):
    database = kitwork_database("sale")
    with database.transaction() as env:
        Label = env[model]
        with pytest.raises(errors.ValidationError, match="the name is blank"):
            Label.create([{"name": name}])
        label, = Label.create([{"name": "Courier"}])
        with pytest.raises(errors.ValidationError, match="the name is blank"):
            Label.write([label], {"name": name})
        assert [l.name for l in Label.search([])] == ["Courier"]


def test_a_sold_product_keeps_its_unit_category(sale_db, data):
    """A sale line counts the pen in units: the pen cannot start being weighed, even if the caller catches it."""
    units = data["units"]
    with sale_db.transaction() as env:
        new_sale(env, data, [{"product": data["pen"], "quantity": 3}])
        Product = env["product.product"]
        with pytest.raises(errors.ValidationError,
                           match=r"pen.*Kilogram.*sale\.line .* of sale\.sale .* counts it in Unit") as info:
            Product.write([data["pen"]], {"default_uom": units["kg"], "name": "Heavy pen"})
        assert "default_uom" in info.value.errors
    with sale_db.transaction() as env:
        pen, = env["product.product"].browse([data["pen"]])
        assert (pen.name, pen.default_uom.id) == ("Pen", units["u"])
        env["product.product"].write([pen], {"default_uom": units["dz"]})    # same category: still fine
        env["product.product"].write([data["flour"]], {"default_uom": units["u"]})   # not sold: fine
        assert env["product.product"].browse([data["flour"]])[0].default_uom.id == units["u"]
