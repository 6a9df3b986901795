"""Commercial BOMs with price lists, stock and make to order: only the chosen components count."""
import datetime
from decimal import Decimal

import pytest

from core import errors

D = Decimal


def desk_catalog(env, supply_on_sale=False):
    """A desk kit (legs, a top in oak or walnut, an optional lamp) and a BOM parent with independent lines."""
    unit, = env["product.uom"].search([("symbol", "=", "u")])
    Product = env["product.product"]
    leg, oak, walnut, lamp = Product.create([
        {"name": name, "default_uom": unit.id, "list_price": D(price), "cost_price": D(price) / 2,
         "supply_on_sale": supply_on_sale} if supply_on_sale else
        {"name": name, "default_uom": unit.id, "list_price": D(price), "cost_price": D(price) / 2}
        for name, price in (("Leg", "10"), ("Oak top", "100"), ("Walnut top", "150"), ("Lamp", "30"))])
    desk, workstation = Product.create([
        {"name": "Desk", "type": "kit", "default_uom": unit.id, "list_price": D("500"), "components": [
            {"product": leg.id, "quantity": 4},
            {"product": oak.id, "quantity": 1, "kind": "variant", "group": "top"},
            {"product": walnut.id, "quantity": 1, "kind": "variant", "group": "top"},
            {"product": lamp.id, "quantity": 1, "kind": "option", "group": "extras"}]},
        {"name": "Workstation", "default_uom": unit.id, "list_price": D("600"),
         "component_lines": "independent", "components": [
             {"product": leg.id, "quantity": 4},
             {"product": oak.id, "quantity": 1, "kind": "variant", "group": "top"},
             {"product": walnut.id, "quantity": 1, "kind": "variant", "group": "top"}]}])
    choice = {(c.parent_product.id, c.product.id): c.id for c in env["product.component"].search([])}
    return unit, leg, oak, walnut, lamp, desk, workstation, choice


# -- price lists ---------------------------------------------------------------------------------
@pytest.fixture
def priced_db(kitwork_database):
    return kitwork_database("product_price_list", "product_kit")


def trade_list(env, leg):
    """A price list: legs 8 each from 8 legs, 9 below; everything else at list price."""
    price_list, = env["product.price_list"].create([{"name": "Trade", "lines": [
        {"sequence": 1, "product": leg.id, "min_quantity": 8, "price": D("8"), "reason": "leg volume"},
        {"sequence": 2, "product": leg.id, "price": D("9"), "reason": "leg price"}]}])
    customer, = env["party.party"].create([{"name": "Ann", "sale_price_list": price_list.id}])
    return customer


def test_child_lines_are_searched_for_their_own_product_and_quantity(priced_db):
    with priced_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        customer = trade_list(env, leg)
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [
            {"product": workstation.id, "quantity": 1, "choices": [choice[workstation.id, oak.id]]}]}])
        parent, legs, top = sale.lines
        assert (legs.quantity, legs.unit_price, legs.price_reason) == (4.0, D("9"), "leg price")
        assert (top.unit_price, top.price_reason) == (D("100"), "list price")
        env["sale.line"].write([parent], {"quantity": 2}, propagate=True)   # 8 legs: the volume price
        assert (legs.quantity, legs.unit_price, legs.price_reason) == (8.0, D("8"), "leg volume")
        assert top.quantity == 2.0


def test_kit_priced_from_components_uses_the_price_search(priced_db):
    with priced_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        env["product.product"].write([desk], {"kit_pricing": "components"})
        customer = trade_list(env, leg)
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [
            {"product": desk.id, "quantity": 1, "choices": [choice[desk.id, walnut.id], choice[desk.id, lamp.id]]},
            {"product": desk.id, "quantity": 2, "choices": [choice[desk.id, oak.id]]},
            {"product": desk.id, "quantity": 1, "unit_price": D("400"), "choices": [choice[desk.id, oak.id]]}]}])
        assert [line.price_reason for line in sale.lines] == ["list price", "list price", "manual"]
        env["sale.sale"].quote([sale])
        one, two, manual = sale.lines
        assert (one.unit_price, one.gross_price, one.price_reason) == (4 * D("9") + 150 + 30, 4 * D("9") + 180,
                                                                       "kit components")
        assert (two.unit_price, two.price_reason) == (4 * D("8") + 100, "kit components")   # 8 legs: volume
        assert (manual.unit_price, manual.price_reason) == (D("400"), "manual")
        assert [c.line_type for c in one.components] == ["kit_component", "kit_variant", "kit_option"]


# -- stock ------------------------------------------------------------------------------------------
@pytest.fixture
def stock_db(kitwork_database):
    return kitwork_database("sale", "stock", "product_kit")


def receive(env, quantities):
    Location = env["stock.location"]
    env["stock.move"].do(env["stock.move"].create([
        {"product": product.id, "quantity": quantity, "from_location": Location.by_type("supplier").id,
         "to_location": Location.warehouse().storage_location.id} for product, quantity in quantities]))


def test_whole_kits_count_one_variant_per_group_and_no_option(stock_db):
    with stock_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        Location = env["stock.location"]
        warehouse = Location.warehouse()
        receive(env, [(leg, 40), (oak, 3), (walnut, 2)])   # no lamp: an option is not needed
        assert Location.quantities([desk], warehouse)[desk.id] == 5.0   # 3 oak + 2 walnut desks
        receive(env, [(oak, 10)])
        assert Location.quantities([desk], warehouse)[desk.id] == 10.0   # 40 legs
        assert Location.quantities_by_warehouse([desk])[desk.id][warehouse.id] == 10.0


def test_whole_kits_take_the_best_alternative(stock_db):
    with stock_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        bench, = env["product.product"].create([{
            "name": "Bench", "type": "kit", "default_uom": unit.id, "components": [
                {"product": leg.id, "quantity": 4, "bom": "WOOD"}, {"product": oak.id, "quantity": 1, "bom": "WOOD"},
                {"product": lamp.id, "quantity": 2, "bom": "LIT"}]}])
        receive(env, [(leg, 40), (oak, 1), (lamp, 7)])
        assert env["stock.location"].quantities([bench], env["stock.location"].warehouse())[bench.id] == 3.0


def test_a_component_shared_by_nested_kits_counts_once_per_kit_it_is_needed_for(stock_db):
    """Contract §16: a chandelier (1 bulb and a pack of 4 bulbs) needs 5 bulbs, not 4."""
    with stock_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        Product, Location = env["product.product"], env["stock.location"]
        bulb, = Product.create([{"name": "Bulb", "default_uom": unit.id}])
        pack, = Product.create([{"name": "Bulb pack", "type": "kit", "default_uom": unit.id,
                                 "components": [{"product": bulb.id, "quantity": 4}]}])
        chandelier, = Product.create([{"name": "Chandelier", "type": "kit", "default_uom": unit.id, "components": [
            {"product": bulb.id, "quantity": 1}, {"product": pack.id, "quantity": 1}]}])
        ceiling, = Product.create([{"name": "Ceiling set", "type": "kit", "default_uom": unit.id, "components": [
            {"product": chandelier.id, "quantity": 1}, {"product": bulb.id, "quantity": 2}]}])
        # a desk of two variants, one of them sharing the legs: 4 legs + an oak top, or 4 legs + a leg pack of 4
        legs, = Product.create([{"name": "Leg pack", "type": "kit", "default_uom": unit.id,
                                 "components": [{"product": leg.id, "quantity": 4}]}])
        sturdy, = Product.create([{"name": "Sturdy desk", "type": "kit", "default_uom": unit.id, "components": [
            {"product": leg.id, "quantity": 4},
            {"product": oak.id, "quantity": 1, "kind": "variant", "group": "top"},
            {"product": legs.id, "quantity": 1, "kind": "variant", "group": "top"}]}])
        warehouse = Location.warehouse()

        def available():
            found = Location.quantities([chandelier, ceiling, pack, sturdy], warehouse)
            by_site = Location.quantities_by_warehouse([chandelier, ceiling, pack, sturdy])
            assert {p: sites[warehouse.id] for p, sites in by_site.items()} == found
            return [found[p.id] for p in (chandelier, ceiling, pack, sturdy)]

        receive(env, [(bulb, 4), (leg, 12)])
        assert available() == [0.0, 0.0, 1.0, 1.0]   # 12 legs: one desk with a leg pack (8), not 3
        receive(env, [(bulb, 1), (oak, 1)])
        assert available() == [1.0, 0.0, 1.0, 2.0]   # 5 bulbs; 4 legs + oak, then 8 legs
        receive(env, [(bulb, 4)])
        assert available() == [1.0, 1.0, 2.0, 2.0]   # 9 bulbs: a ceiling set needs 7
        receive(env, [(bulb, 5)])
        assert available() == [2.0, 2.0, 3.0, 2.0]   # 14 bulbs


def test_a_kit_ships_its_chosen_components_only(stock_db):
    with stock_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        customer, = env["party.party"].create([{"name": "Ann"}])
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": customer.id, "lines": [
            {"product": desk.id, "quantity": 2, "choices": [choice[desk.id, walnut.id]]}]}])
        for transition in (Sale.quote, Sale.confirm, Sale.process):
            transition([sale])
        moves = sorted((m.product.name, m.quantity) for s in sale.shipments for m in s.moves)
        assert moves == [("Leg", 8.0), ("Walnut top", 2.0)]


def test_a_kit_bought_is_received_as_its_chosen_components(kitwork_database):
    database = kitwork_database("purchase", "stock", "product_kit")
    with database.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        supplier, = env["party.party"].create([{"name": "Woodworks"}])
        Purchase = env["purchase.purchase"]
        purchase, = Purchase.create([{"party": supplier.id, "lines": [
            {"product": desk.id, "quantity": 2, "choices": [choice[desk.id, oak.id], choice[desk.id, lamp.id]]},
            {"product": workstation.id, "quantity": 1, "choices": [choice[workstation.id, walnut.id]]}]}])
        for transition in (Purchase.quote, Purchase.confirm, Purchase.process):
            transition([purchase])
        moves = sorted((m.product.name, m.quantity) for s in purchase.shipments for m in s.moves)
        assert moves == [("Lamp", 2.0), ("Leg", 4.0), ("Leg", 8.0), ("Oak top", 2.0), ("Walnut top", 1.0),
                         ("Workstation", 1.0)]


# -- make to order ---------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["kit", "independent BOM"])
def test_make_to_order_buys_the_chosen_components_only(kitwork_database, kind):
    database = kitwork_database("sale", "stock_reorder", "product_kit")
    with database.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env, supply_on_sale=True)
        vendor, customer = env["party.party"].create([{"name": "Woodworks"}, {"name": "Ann"}])
        env["purchase.product_supplier"].create([{"product": p.id, "party": vendor.id, "lead_time": 2}
                                                 for p in (leg, oak, walnut, lamp)])
        product = desk if kind == "kit" else workstation
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": customer.id, "lines": [
            {"product": product.id, "quantity": 3, "choices": [choice[product.id, walnut.id]]}]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        bought = sorted((line.product.name, line.quantity) for line in env["purchase.line"].search([]))
        assert bought == [("Leg", 12.0), ("Walnut top", 3.0)]


def test_a_question_in_a_committed_transaction_changes_nothing(priced_db):
    with priced_db.transaction() as env:
        unit, leg, oak, walnut, lamp, desk, workstation, choice = desk_catalog(env)
        customer, = env["party.party"].create([{"name": "Ann"}])
        sale, = env["sale.sale"].create([{"party": customer.id, "lines": [
            {"product": workstation.id, "quantity": 1, "choices": [choice[workstation.id, oak.id]]}]}])
        sale_id = sale.id
    with pytest.raises(errors.QuestionError):
        with priced_db.transaction() as env:
            env["sale.line"].delete(env["sale.sale"].browse([sale_id])[0].lines[:1])
    with priced_db.transaction() as env:
        assert [line.quantity for line in env["sale.sale"].browse([sale_id])[0].lines] == [1.0, 4.0, 1.0]
        assert datetime.date.today() == env["sale.sale"].browse([sale_id])[0].sale_date
