"""Fixed taxes are per unit of the product: a line in another unit of its category pays the same tax."""
from decimal import Decimal

import pytest

from core import errors

D = Decimal


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("account", "sale", "purchase")


@pytest.mark.parametrize("model, line_field, taxes", [("sale.sale", "sale", "customer_taxes"),
                                                      ("purchase.purchase", "purchase", "supplier_taxes")])
def test_a_fixed_tax_counts_a_dozen_as_twelve_units(database, model, line_field, taxes):
    with database.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        eco, vat = env["account.tax"].create([{"name": "Eco fee", "type": "fixed", "amount": D("0.50")},
                                              {"name": "VAT", "type": "percentage", "rate": D("0.2")}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": units["u"], "list_price": D("10"),
                                                "cost_price": D("5"), taxes: [eco.id, vat.id]}])
        party, = env["party.party"].create([{"name": "Ann"}])
        order, = env[model].create([{"party": party.id, "lines": [
            {"product": lamp.id, "quantity": 12, "unit": units["u"], "unit_price": D("10")},
            {"product": lamp.id, "quantity": 1, "unit": units["dz"], "unit_price": D("120")}]}])
        by_unit, by_dozen = order.lines
        assert by_unit.tax_amount == by_dozen.tax_amount == D("6") + D("24")   # 12 x 0.50 + 20 % of 120
        assert order.tax_amount == D("60")
        assert order.total_amount == D("300")


@pytest.mark.parametrize("model, taxes", [("sale.sale", "customer_taxes"), ("purchase.purchase", "supplier_taxes")])
def test_a_tax_charged_on_a_line_cannot_be_deleted(database, model, taxes):
    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        vat, spare = env["account.tax"].create([{"name": "VAT", "rate": D("0.2")}, {"name": "Spare", "rate": D("0.1")}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit, "list_price": D("10"),
                                                "cost_price": D("10"), taxes: [vat.id, spare.id]}])
        party, = env["party.party"].create([{"name": "Ann"}])
        order, = env[model].create([{"party": party.id, "lines": [{"product": lamp.id, "quantity": 1,
                                                                   "taxes": [vat.id]}]}])
        env[model].quote([order])
        env[model].confirm([order])
        with pytest.raises(errors.ValidationError, match="cannot delete .*VAT"):
            env["account.tax"].delete([vat, spare])
        assert len(env["account.tax"].search([])) == 2
        assert order.tax_amount == D("2") and order.total_amount == D("12")
        env["account.tax"].delete([spare])   # on the product only: it goes
        assert [t.name for t in getattr(env["product.product"].browse([lamp.id])[0], taxes)] == ["VAT"]


@pytest.mark.parametrize("rate", [D("20"), D("1.5"), D("100")])
def test_a_rate_in_percent_instead_of_a_fraction_is_refused(database, rate):
    with database.transaction() as env:
        Tax = env["account.tax"]
        with pytest.raises(errors.ValidationError, match="fraction") as info:
            Tax.create([{"name": "VAT", "rate": rate}])
        assert "rate" in info.value.errors
        tax, = Tax.create([{"name": "VAT", "rate": D("1")}])   # 100 %: the most there is
        with pytest.raises(errors.ValidationError, match="fraction"):
            Tax.write([tax], {"rate": rate})
        assert [t.rate for t in Tax.search([])] == [D("1")]
