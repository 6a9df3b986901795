"""Supplier prices (§17): price breaks, minimum quantities, validity dates, and the purchase lines they price."""
import datetime
from decimal import Decimal

import pytest

from core import errors

D = datetime.date


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("purchase")


@pytest.fixture
def shop(database):
    """Screws sold by Acme (first) and Bolt Co; Acme's breaks from 100 and 1,000 screws (in units)."""
    with database.transaction() as env:
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        acme, bolt = env["party.party"].create([{"name": "Acme"}, {"name": "Bolt Co"}])
        screw, = env["product.product"].create([{
            "name": "Screw", "default_uom": units["u"], "cost_price": Decimal("0.20"), "product_suppliers": [
                {"party": acme.id, "sequence": 1, "lead_time": 4, "unit_price": Decimal("0.10"),
                 "min_quantity": 50, "prices": [{"min_quantity": 1000, "unit_price": Decimal("0.06")},
                                                {"min_quantity": 100, "unit_price": Decimal("0.08")}]},
                {"party": bolt.id, "sequence": 2, "lead_time": 2, "unit_price": Decimal("0.12")}]}])
    return {"units": units, "acme": acme.id, "bolt": bolt.id, "screw": screw.id}


def lines(env, party, *quantities, unit=None, date=None):
    purchase, = env["purchase.purchase"].create([{
        "party": party, **({"purchase_date": date} if date else {}),
        "lines": [{"product": quantities[0][0], "quantity": q, **({"unit": unit} if unit else {})}
                  for _, q in quantities]}])
    return purchase.lines


def test_the_last_break_at_or_below_the_quantity_prices_the_line(database, shop):
    with database.transaction() as env:
        screw = shop["screw"]
        got = lines(env, shop["acme"], (screw, 99), (screw, 100), (screw, 999), (screw, 1000), (screw, 5000))
        assert [(l.unit_price, l.price_reason) for l in got] == [
            (Decimal("0.1"), "supplier price"), (Decimal("0.08"), "supplier price from 100"),
            (Decimal("0.08"), "supplier price from 100"), (Decimal("0.06"), "supplier price from 1000"),
            (Decimal("0.06"), "supplier price from 1000")]
        assert got[3].amount == Decimal("60.00")
        bolt, = lines(env, shop["bolt"], (screw, 1000))   # Bolt Co has no breaks: its own price
        assert (bolt.unit_price, bolt.price_reason, bolt.delivery_date) == (
            Decimal("0.12"), "supplier price", datetime.date.today() + datetime.timedelta(days=2))


def test_breaks_compare_in_the_products_unit_and_price_the_lines_unit(database, shop):
    """9 dozen = 108 screws: the break from 100 applies, 0.08 a screw is 0.96 a dozen."""
    with database.transaction() as env:
        dozens, eight = lines(env, shop["acme"], (shop["screw"], 9), (shop["screw"], 8), unit=shop["units"]["dz"])
        assert (dozens.unit_price, dozens.price_reason) == (Decimal("0.96"), "supplier price from 100")
        assert (eight.unit_price, eight.price_reason) == (Decimal("1.2"), "supplier price")   # 96 screws


def test_a_quantity_change_prices_a_draft_line_again_unless_priced_by_hand(database, shop):
    with database.transaction() as env:
        Line = env["purchase.line"]
        line, manual = lines(env, shop["acme"], (shop["screw"], 10), (shop["screw"], 10))
        Line.write([manual], {"unit_price": Decimal("0.09")})
        Line.write([line, manual], {"quantity": 1000})
        assert (line.unit_price, line.price_reason) == (Decimal("0.06"), "supplier price from 1000")
        assert (manual.unit_price, manual.price_reason) == (Decimal("0.09"), "manual")
        Line.write([line], {"quantity": 20})
        assert (line.unit_price, line.price_reason) == (Decimal("0.1"), "supplier price")


def test_the_first_supplier_valid_at_the_purchase_date_is_chosen(database, shop):
    """Acme's record ends on June 30: a purchase of July 1 from a stranger takes Bolt Co's price and lead time."""
    with database.transaction() as env:
        Supplier = env["purchase.product_supplier"]
        acme, bolt = Supplier.search([("product", "=", shop["screw"])])
        Supplier.write([acme], {"start_date": D(2026, 1, 1), "end_date": D(2026, 6, 30)})
        stranger, = env["party.party"].create([{"name": "Stranger"}])
        screw = env["product.product"].browse([shop["screw"]])[0]
        assert Supplier.preferred([screw], [None], D(2026, 6, 30)) == [acme]   # inclusive
        assert Supplier.preferred([screw], [None], D(2026, 7, 1)) == [bolt]
        assert Supplier.preferred([screw], [None], D(2025, 12, 31)) == [bolt]
        assert Supplier.preferred([screw], [shop["acme"]], D(2026, 7, 1)) == [bolt]   # Acme has none valid then
        june, = lines(env, stranger.id, (shop["screw"], 100), date=D(2026, 6, 30))
        july, = lines(env, stranger.id, (shop["screw"], 100), date=D(2026, 7, 1))
        assert (june.unit_price, june.delivery_date) == (Decimal("0.08"), D(2026, 7, 4))
        assert (july.unit_price, july.delivery_date) == (Decimal("0.12"), D(2026, 7, 3))
        Supplier.write([bolt], {"end_date": D(2026, 6, 30)})
        none_valid, = lines(env, stranger.id, (shop["screw"], 100), date=D(2026, 7, 1))
        assert (none_valid.unit_price, none_valid.price_reason) == (Decimal("0.2"), "cost price")


def test_overlapping_records_of_one_supplier_are_accepted_the_first_by_sequence_wins(database, shop):
    with database.transaction() as env:
        Supplier = env["purchase.product_supplier"]
        new, = Supplier.create([{"product": shop["screw"], "party": shop["acme"], "sequence": 0, "lead_time": 1,
                                 "unit_price": Decimal("0.09"), "start_date": D(2026, 1, 1)}])
        old = Supplier.search([("product", "=", shop["screw"]), ("party", "=", shop["acme"]), ("id", "!=", new.id)])
        assert len(old) == 1 and old[0].start_date is None   # both valid in 2026
        line, = lines(env, shop["acme"], (shop["screw"], 500), date=D(2026, 3, 1))
        assert (line.unit_price, line.price_reason) == (Decimal("0.09"), "supplier price")   # no break on the new one
        older, = lines(env, shop["acme"], (shop["screw"], 500), date=D(2025, 3, 1))
        assert (older.unit_price, older.price_reason) == (Decimal("0.08"), "supplier price from 100")


def test_a_break_applies_below_the_suppliers_own_price_and_without_it(database, shop):
    """Without a unit price of its own, a supplier prices from its breaks only: below them, the cost price."""
    with database.transaction() as env:
        Supplier = env["purchase.product_supplier"]
        acme = Supplier.search([("party", "=", shop["acme"])])[0]
        Supplier.write([acme], {"unit_price": None})
        small, big = lines(env, shop["acme"], (shop["screw"], 10), (shop["screw"], 100))
        assert (small.unit_price, small.price_reason) == (Decimal("0.2"), "cost price")
        assert (big.unit_price, big.price_reason) == (Decimal("0.08"), "supplier price from 100")


@pytest.mark.parametrize("values, field", [
    ({"min_quantity": -1, "unit_price": Decimal("1")}, "min_quantity"),
    ({"min_quantity": 10, "unit_price": Decimal("-0.01")}, "unit_price"),
    ({"min_quantity": 100, "unit_price": Decimal("0.07")}, "min_quantity"),   # Acme has a break from 100
])
def test_a_bad_break_is_refused_and_nothing_is_saved(database, shop, values, field):
    with database.transaction() as env:
        Supplier = env["purchase.product_supplier"]
        acme = Supplier.search([("party", "=", shop["acme"])])[0]
        with pytest.raises(errors.ValidationError) as info:
            Supplier.write([acme], {"lead_time": 9, "prices": [("create", [values])]})
        assert field in info.value.errors and "purchase.product_supplier.price" in str(info.value)
        assert "Acme" in str(info.value) and "Screw" in str(info.value)
        assert (acme.lead_time, len(acme.prices)) == (4, 2)
        with pytest.raises(errors.ValidationError):
            env["purchase.product_supplier.price"].create([{"supplier": acme.id, **values}])
        assert env["purchase.product_supplier.price"].search_count() == 2


@pytest.mark.parametrize("values, field", [
    ({"min_quantity": -5}, "min_quantity"),
    ({"unit_price": Decimal("-1")}, "unit_price"),
    ({"start_date": D(2026, 7, 1), "end_date": D(2026, 6, 30)}, "end_date"),
])
def test_a_bad_supplier_record_is_refused(database, shop, values, field):
    with database.transaction() as env:
        with pytest.raises(errors.ValidationError) as info:
            env["purchase.product_supplier"].create([{"product": shop["screw"], "party": shop["bolt"],
                                                      "prices": [{"min_quantity": 5, "unit_price": 1}], **values}])
        assert field in info.value.errors and "Screw" in str(info.value)
        assert env["purchase.product_supplier"].search_count() == 2
        assert env["purchase.product_supplier.price"].search_count() == 2
