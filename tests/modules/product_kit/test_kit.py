"""Kits: components, and quoting that explodes sale and purchase lines."""
from decimal import Decimal

import pytest

from core import errors

ORDERS = {"sale": ("sale.sale", "sale.line", "sale.line.component", "sale"),
          "purchase": ("purchase.purchase", "purchase.line", "purchase.line.component", "purchase")}


@pytest.fixture
def kit_db(kitwork_database, kind):
    return kitwork_database("product_kit", kind)


class Catalog:
    """Products of the tests, created once per database."""

    def __init__(self, env, kind):
        self.kind = kind
        self.order_model, self.line_model, self.component_model, self.parent_field = ORDERS[kind]
        self.units = {u.symbol: u.id for u in env["product.uom"].search([])}
        u = self.units
        Product = env["product.product"]
        self.pen, self.ink, self.card, self.paper = [p.id for p in Product.create([
            {"name": "Pen", "default_uom": u["u"], "list_price": Decimal("2"), "cost_price": Decimal("1")},
            {"name": "Ink", "default_uom": u["g"], "list_price": Decimal("0.01"), "cost_price": Decimal("0.005")},
            {"name": "Card", "default_uom": u["u"], "list_price": Decimal("1"), "cost_price": Decimal("0.5")},
            {"name": "Paper", "default_uom": u["u"], "list_price": Decimal("0.5"), "cost_price": Decimal("0.2")},
        ])]
        # 1 writing kit = 1 pen, 0.05 kg of ink, and 1 card per line whatever the quantity
        self.writing_kit, = [p.id for p in Product.create([{
            "name": "Writing kit", "type": "kit", "default_uom": u["u"], "list_price": Decimal("10"),
            "cost_price": Decimal("4"), "components": [
                {"product": self.pen, "quantity": 1},
                {"product": self.ink, "quantity": 0.05, "unit": u["kg"]},
                {"product": self.card, "quantity": 1, "fixed": True}]}])]
        # a gift set (kit) holds half a dozen writing kits (nested kit) and 2 pens
        self.gift_set, = [p.id for p in Product.create([{
            "name": "Gift set", "type": "kit", "default_uom": u["u"], "list_price": Decimal("50"),
            "cost_price": Decimal("20"), "components": [
                {"product": self.writing_kit, "quantity": 0.5, "unit": u["dz"]},
                {"product": self.pen, "quantity": 2}]}])]
        # a desk pack is not a kit but has components: child lines
        self.desk_pack, = [p.id for p in Product.create([{
            "name": "Desk pack", "default_uom": u["u"], "list_price": Decimal("30"), "cost_price": Decimal("10"),
            "components": [{"product": self.paper, "quantity": 100}, {"product": self.writing_kit, "quantity": 1}]}])]
        self.party, = [p.id for p in env["party.party"].create([{"name": "Ann"}])]

    def order(self, env, lines):
        order, = env[self.order_model].create([{"party": self.party, "lines": lines}])
        return order

    def price(self, env, product_id):
        product = env["product.product"].browse([product_id])[0]
        return product.list_price if self.kind == "sale" else product.cost_price


@pytest.fixture
def catalog(kit_db, kind):
    with kit_db.transaction() as env:
        return Catalog(env, kind)


def exploded(order):
    """What quoting made, readably: per line, its components and whose child it is."""
    return [(line.product.name, line.quantity, line.unit.symbol,
             line.component_parent.product.name if line.component_parent else None,
             sorted((c.product.name, c.quantity, c.unit.symbol, c.fixed) for c in line.components))
            for line in order.lines]


def test_kit_line_gets_components_in_their_units(kit_db, catalog):
    with kit_db.transaction() as env:
        Order = env[catalog.order_model]
        order = catalog.order(env, [{"product": catalog.writing_kit, "quantity": 2, "unit": catalog.units["dz"]}])
        Order.quote([order])
        assert exploded(order) == [("Writing kit", 2.0, "dz", None, [
            ("Card", 1.0, "u", True),          # fixed: once per line
            ("Ink", 1.2, "kg", False),         # 24 kits x 0.05 kg
            ("Pen", 24.0, "u", False)])]       # 2 dozen kits
        assert order.untaxed_amount == catalog.price(env, catalog.writing_kit) * 24


def test_component_quantities_are_rounded_to_the_component_unit(kit_db, catalog):
    with kit_db.transaction() as env:
        u = catalog.units
        tea, = env["product.product"].create([{"name": "Tea", "default_uom": u["kg"]}])
        sampler, = env["product.product"].create([{"name": "Sampler", "type": "kit", "default_uom": u["u"],
                                                   "components": [{"product": tea.id, "quantity": 333, "unit": u["g"]},
                                                                  {"product": catalog.pen, "quantity": 0.5}]}])
        order = catalog.order(env, [{"product": sampler.id, "quantity": 3}])
        env[catalog.order_model].quote([order])
        assert exploded(order)[0][4] == [("Pen", 2.0, "u", False), ("Tea", 999.0, "g", False)]   # 1.5 -> 2


def test_nested_kit_explodes_down_to_goods(kit_db, catalog):
    with kit_db.transaction() as env:
        order = catalog.order(env, [{"product": catalog.gift_set, "quantity": 2}])
        env[catalog.order_model].quote([order])
        # 2 gift sets = 1 dozen writing kits (12 pens, 600 g of ink, 1 fixed card) + 4 pens
        assert exploded(order) == [("Gift set", 2.0, "u", None, [
            ("Card", 1.0, "u", True), ("Ink", 0.6, "kg", False), ("Pen", 4.0, "u", False), ("Pen", 12.0, "u", False)])]


def test_product_with_components_gets_child_lines_after_it(kit_db, catalog):
    with kit_db.transaction() as env:
        order = catalog.order(env, [
            {"product": catalog.pen, "quantity": 1, "sequence": 1},
            {"product": catalog.desk_pack, "quantity": 2, "sequence": 2},
            {"product": catalog.card, "quantity": 3, "sequence": 3}])
        env[catalog.order_model].quote([order])
        assert exploded(order) == [
            ("Pen", 1.0, "u", None, []),
            ("Desk pack", 2.0, "u", None, []),
            ("Paper", 200.0, "u", "Desk pack", []),
            ("Writing kit", 2.0, "u", "Desk pack", [("Card", 1.0, "u", True), ("Ink", 0.1, "kg", False),
                                                    ("Pen", 2.0, "u", False)]),
            ("Card", 3.0, "u", None, [])]
        price = lambda product: catalog.price(env, product)
        children = order.lines[2:4]
        assert [line.unit_price for line in children] == [price(catalog.paper), price(catalog.writing_kit)]
        assert order.untaxed_amount == (price(catalog.pen) + 2 * price(catalog.desk_pack) + 200 * price(catalog.paper)
                                        + 2 * price(catalog.writing_kit) + 3 * price(catalog.card)).quantize(Decimal("0.01"))


def test_quote_draft_change_quote_again(kit_db, catalog):
    with kit_db.transaction() as env:
        Order, Line = env[catalog.order_model], env[catalog.line_model]
        order = catalog.order(env, [{"product": catalog.writing_kit, "quantity": 2},
                                    {"product": catalog.desk_pack, "quantity": 1}])
        Order.quote([order])
        assert len(order.lines) == 4
        Order.draft([order])
        assert exploded(order) == [("Writing kit", 2.0, "u", None, []), ("Desk pack", 1.0, "u", None, [])]
        assert env[catalog.component_model].search([]) == []
        Line.write([order.lines[0]], {"quantity": 5})
        Order.quote([order])
        assert exploded(order)[0] == ("Writing kit", 5.0, "u", None, [
            ("Card", 1.0, "u", True), ("Ink", 0.25, "kg", False), ("Pen", 5.0, "u", False)])
        assert len(order.lines) == 4


def test_draft_deletes_only_what_quoting_made(kit_db, catalog):
    with kit_db.transaction() as env:
        Order = env[catalog.order_model]
        order, other = [catalog.order(env, [{"product": catalog.desk_pack, "quantity": 1},
                                            {"product": catalog.pen, "quantity": 1}]) for _ in range(2)]
        Order.quote([order, other])
        Order.draft([order])
        assert [l.product.name for l in order.lines] == ["Desk pack", "Pen"]
        assert [l.product.name for l in other.lines] == ["Desk pack", "Paper", "Writing kit", "Pen"]
        assert len(other.lines[2].components) == 3
        assert env["product.component"].search_count() == 7   # the catalog is untouched


def test_what_quoting_made_cannot_be_touched_by_hand(kit_db, catalog):
    with kit_db.transaction() as env:
        Order, Line, LineComponent = (env[catalog.order_model], env[catalog.line_model],
                                      env[catalog.component_model])
        order = catalog.order(env, [{"product": catalog.desk_pack, "quantity": 1}])
        Order.quote([order])
        Order.draft([order])
        Order.quote([order])
        Order.draft([order])
        parent = order.lines[0]
        with pytest.raises(errors.UserError):
            LineComponent.create([{"line": parent.id, "product": catalog.pen, "quantity": 1,
                                   "unit": catalog.units["u"]}])
        with pytest.raises(errors.ValidationError, match="read-only"):
            Line.create([{catalog.parent_field: order.id, "product": catalog.pen, "quantity": 1,
                          "component_parent": parent.id}])
        Order.quote([order])
        child = order.lines[1]
        component = order.lines[2].components[0]
        with pytest.raises(errors.UserError, match="by hand"):
            Line.write([child], {"quantity": 3})
        with pytest.raises(errors.UserError, match="by hand"):
            Line.delete([child])
        with pytest.raises(errors.UserError):
            LineComponent.write([component], {"quantity": 3})
        with pytest.raises(errors.UserError):
            LineComponent.delete([component])


def test_kit_rules(kit_db, catalog):
    with kit_db.transaction() as env:
        Product, Component = env["product.product"], env["product.component"]
        u = catalog.units
        with pytest.raises(errors.ValidationError, match="at least one component"):
            Product.create([{"name": "Empty", "type": "kit", "default_uom": u["u"]}])
        with pytest.raises(errors.ValidationError, match="does not measure"):
            Product.create([{"name": "Odd", "type": "kit", "default_uom": u["u"],
                             "components": [{"product": catalog.pen, "quantity": 1, "unit": u["kg"]}]}])
        with pytest.raises(errors.ValidationError, match="at least one component"):
            Component.delete(Product.browse([catalog.writing_kit])[0].components)
        with pytest.raises(errors.ValidationError, match="greater than zero"):
            Component.create([{"parent_product": catalog.writing_kit, "product": catalog.card, "quantity": 0}])


def test_cycles_are_refused_and_named(kit_db, catalog):
    with pytest.raises(errors.ValidationError) as info:
        with kit_db.transaction() as env:
            # the writing kit is in the gift set; putting the gift set in the writing kit loops
            env["product.component"].create([{"parent_product": catalog.writing_kit, "product": catalog.gift_set,
                                               "quantity": 1}])
    assert "Writing kit -> Gift set -> Writing kit" in str(info.value)
    with pytest.raises(errors.ValidationError, match="Pen -> Pen"):
        with kit_db.transaction() as env:
            env["product.component"].create([{"parent_product": catalog.pen, "product": catalog.pen, "quantity": 1}])
    with kit_db.transaction() as env:
        assert env["product.component"].search_count() == 7


def test_invalid_order_input_persists_nothing(kit_db, catalog):
    with pytest.raises(errors.ValidationError):
        with kit_db.transaction() as env:
            catalog.order(env, [{"product": catalog.writing_kit, "quantity": 1},
                                {"product": catalog.pen, "quantity": -1}])
    with kit_db.transaction() as env:
        assert env[catalog.order_model].search([]) == []


def test_failed_quote_leaves_no_component(kit_db, catalog, monkeypatch):
    with kit_db.transaction() as env:
        Order = env[catalog.order_model]
        order = catalog.order(env, [{"product": catalog.writing_kit, "quantity": 1}])
        order2 = catalog.order(env, [{"product": catalog.desk_pack, "quantity": 1}])
        original = env[catalog.line_model]._create

        def fail_on_children(vlist):   # the kit's components are made, then the child lines fail
            if any(v.get("component_parent") for v in vlist):
                raise errors.UserError("disk full")
            return original(vlist)
        env[catalog.line_model]._create = fail_on_children
        with pytest.raises(errors.UserError, match="disk full"):
            Order.quote([order, order2])
        del env[catalog.line_model]._create
        assert env[catalog.component_model].search([]) == []
        assert (order.state, order2.state) == ("draft", "draft")


@pytest.mark.parametrize("first", ["product_kit", "order"])
def test_activation_order_does_not_matter(kitwork_database, kind, first):
    names = ["product_kit", kind] if first == "product_kit" else [kind, "product_kit"]
    database = kitwork_database(names[0])
    database.activate(names[1])
    with database.transaction() as env:
        catalog = Catalog(env, kind)
        order = catalog.order(env, [{"product": catalog.writing_kit, "quantity": 1}])
        env[catalog.order_model].quote([order])
        assert len(order.lines[0].components) == 3


def test_statements_do_not_grow_with_lines(kitwork_database, kind, count_statements):
    counts = []
    for size in (2, 20):
        database = kitwork_database("product_kit", kind)
        with database.transaction() as env:
            catalog = Catalog(env, kind)
            orders = [catalog.order(env, [{"product": catalog.writing_kit, "quantity": 1},
                                          {"product": catalog.desk_pack, "quantity": 2},
                                          {"product": catalog.pen, "quantity": 1}]) for _ in range(size)]
        with database.transaction() as env, count_statements(database.engine) as counter:
            Order = env[catalog.order_model]
            orders = Order.browse([o.id for o in orders])
            Order.quote(orders)
            Order.draft(orders)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def _glued(env, catalog, mode):
    """A table (with child lines, ``mode``) and a box (a kit): 4 legs (Paper) and a quarter of a tube (Card)."""
    Product, u = env["product.product"], catalog.units
    made = [{"product": catalog.paper, "quantity": 4}, {"product": catalog.card, "quantity": 0.25}]
    table, = Product.create([{"name": "Table", "default_uom": u["u"], "component_lines": mode,
                              "components": made}])
    box, = Product.create([{"name": "Box", "type": "kit", "default_uom": u["u"], "components": made}])
    return table, box


@pytest.mark.parametrize("mode", ["regenerated", "independent"])
def test_a_component_rounding_to_nothing_gets_no_line_and_a_warning(kit_db, catalog, mode):
    """A quarter of a card per table, cards counted whole: one table quotes with no card line, and says so."""
    with kit_db.transaction() as env:
        table, box = _glued(env, catalog, mode)
        Order = env[catalog.order_model]
        order = catalog.order(env, [{"product": table.id, "quantity": 1}, {"product": box.id, "quantity": 1},
                                    {"product": table.id, "quantity": 2}])
        Order.quote([order])
        assert order.state == "quotation"
        assert [(row[0], row[1], row[3], row[4]) for row in exploded(order)] == [
            ("Table", 1.0, None, []), ("Paper", 4.0, "Table", []),
            ("Box", 1.0, None, [("Paper", 4.0, "u", False)]),
            ("Table", 2.0, None, []), ("Paper", 8.0, "Table", []), ("Card", 1.0, "Table", [])]   # 0.5 rounds up
        first, _, kit = order.lines[:3]
        notes = sorted(((w.key, w.record, w.message) for w in env.warnings), key=lambda note: note[1].id)
        assert [(key, record) for key, record, _ in notes] == [
            ("product_kit.rounded_away", first), ("product_kit.rounded_away", kit)]
        for _, record, message in notes:
            assert f"{record.rec_name} ({record.product.name}) of {catalog.order_model} {order.id}" in message
            assert "Card 0.25 u -> 0 u (rounding 1)" in message


def test_a_kit_whose_every_component_rounds_to_nothing_is_refused_on_its_line(kit_db, catalog):
    with kit_db.transaction() as env:
        Product, u = env["product.product"], catalog.units
        sample, = Product.create([{"name": "Sample", "type": "kit", "default_uom": u["u"],
                                   "components": [{"product": catalog.card, "quantity": 0.25}]}])
        order = catalog.order(env, [{"product": catalog.pen, "quantity": 1}, {"product": sample.id, "quantity": 1}])
        line = order.lines[1]
        with pytest.raises(errors.ValidationError,
                           match=rf"{line.rec_name} \(Sample\) of .*every component rounds to nothing .*"
                                 rf"Card 0.25 u -> 0 u \(rounding 1\)") as info:
            env[catalog.order_model].quote([order])
        assert "quantity" in info.value.errors
        assert order.state == "draft"
        assert env[catalog.component_model].search([]) == []
        env[catalog.line_model].write([line], {"quantity": 2})
        env[catalog.order_model].quote([order])   # half a card rounds up to one
        assert [(c.product.name, c.quantity) for c in order.lines[1].components] == [("Card", 1.0)]
