"""Commercial BOMs (seed 002): alternatives, variants and options, line types, independent component lines,
kit pricing; for sale and purchase lines alike."""
from decimal import Decimal

import pytest

from core import errors

ORDERS = {"sale": ("sale.sale", "sale.line", "sale.line.component", "sale"),
          "purchase": ("purchase.purchase", "purchase.line", "purchase.line.component", "purchase")}


class Catalog:
    """A desk maker's products.

    - ``desk``: a kit in two commercial alternatives: STD (4 legs, a top in
      oak or walnut, options lamp and shelf) and PRO (4 legs, a drawer, 10
      screws per line);
    - ``stool``: a kit of one alternative, STD (3 legs);
    - ``workstation``: a BOM parent (not a kit) whose child lines are
      independent: 4 legs, a top in oak or walnut, an optional lamp, 10 screws
      per line (fixed);
    - ``office``: a kit holding a ``small desk`` (a nested kit with the top
      variants) and a lamp.
    """

    def __init__(self, env, kind):
        self.kind = kind
        self.order_model, self.line_model, self.component_model, self.parent_field = ORDERS[kind]
        u = self.units = {u.symbol: u.id for u in env["product.uom"].search([])}
        Product = env["product.product"]

        def goods(name, price):
            product, = Product.create([{"name": name, "default_uom": u["u"], "list_price": Decimal(price),
                                        "cost_price": Decimal(price) / 2}])
            return product.id

        self.leg, self.oak, self.walnut = goods("Leg", "10"), goods("Oak top", "100"), goods("Walnut top", "150")
        self.lamp, self.shelf, self.drawer = goods("Lamp", "30"), goods("Shelf", "20"), goods("Drawer", "40")
        self.screw = goods("Screw", "0.1")
        self.desk = self.product(env, "Desk", "kit", [
            {"product": self.leg, "quantity": 4, "bom": "STD"},
            {"product": self.oak, "quantity": 1, "bom": "STD", "kind": "variant", "group": "top"},
            {"product": self.walnut, "quantity": 1, "bom": "STD", "kind": "variant", "group": "top"},
            {"product": self.lamp, "quantity": 1, "bom": "STD", "kind": "option", "group": "extras"},
            {"product": self.shelf, "quantity": 1, "bom": "STD", "kind": "option", "group": "extras"},
            {"product": self.leg, "quantity": 4, "bom": "PRO"},
            {"product": self.drawer, "quantity": 1, "bom": "PRO"},
            {"product": self.screw, "quantity": 10, "bom": "PRO", "fixed": True}])
        self.stool = self.product(env, "Stool", "kit", [{"product": self.leg, "quantity": 3, "bom": "STD"}])
        self.workstation = self.product(env, "Workstation", "goods", [
            {"product": self.leg, "quantity": 4},
            {"product": self.oak, "quantity": 1, "kind": "variant", "group": "top"},
            {"product": self.walnut, "quantity": 1, "kind": "variant", "group": "top"},
            {"product": self.lamp, "quantity": 1, "kind": "option", "group": "extras"},
            {"product": self.screw, "quantity": 10, "fixed": True}], component_lines="independent")
        self.small_desk = self.product(env, "Small desk", "kit", [
            {"product": self.leg, "quantity": 4},
            {"product": self.oak, "quantity": 1, "kind": "variant", "group": "top"},
            {"product": self.walnut, "quantity": 1, "kind": "variant", "group": "top"}])
        self.office = self.product(env, "Office", "kit", [
            {"product": self.small_desk, "quantity": 1}, {"product": self.lamp, "quantity": 1}])
        self.party, = [p.id for p in env["party.party"].create([{"name": "Ann"}])]

    def product(self, env, name, type_, components, **values):
        product, = env["product.product"].create([{
            "name": name, "type": type_, "default_uom": self.units["u"], "list_price": Decimal("500"),
            "cost_price": Decimal("250"), "components": components, **values}])
        return product.id

    def component(self, env, parent, product, bom=None):
        """The id of the component of ``parent`` that is ``product`` (in alternative ``bom``)."""
        found = [c for c in env["product.component"].search([("parent_product", "=", parent),
                                                             ("product", "=", product)])
                 if bom is None or c.bom == bom]
        assert len(found) == 1
        return found[0].id

    def order(self, env, lines):
        order, = env[self.order_model].create([{"party": self.party, "lines": lines}])
        return order

    def price(self, env, product_id):
        product = env["product.product"].browse([product_id])[0]
        return product.list_price if self.kind == "sale" else product.cost_price


@pytest.fixture
def catalog(bom_db, kind):
    with bom_db.transaction() as env:
        return Catalog(env, kind)


def components(line):
    return sorted((c.product.name, c.quantity, c.line_type) for c in line.components)


def lines_of(order):
    return [(line.product.name, line.quantity, line.line_type,
             line.component_parent.product.name if line.component_parent else None) for line in order.lines]


# -- alternatives -------------------------------------------------------------------------------
def test_several_alternatives_need_a_bom_and_only_its_components_explode(bom_db, catalog):
    with bom_db.transaction() as env:
        Order, Line = env[catalog.order_model], env[catalog.line_model]
        order = catalog.order(env, [{"product": catalog.desk, "quantity": 2}])
        with pytest.raises(errors.ValidationError, match="one of STD, PRO") as info:
            Order.quote([order])
        assert "Desk" in str(info.value) and info.value.errors.keys() == {"bom"}
        assert order.state == "draft" and env[catalog.component_model].search([]) == []
        Line.write(order.lines, {"bom": "PRO"})
        Order.quote([order])
        line, = order.lines
        assert line.line_type == "kit"
        assert components(line) == [("Drawer", 2.0, "kit_component"), ("Leg", 8.0, "kit_component"),
                                    ("Screw", 10.0, "kit_component")]


def test_an_unknown_bom_code_is_refused(bom_db, catalog):
    with bom_db.transaction() as env:
        order = catalog.order(env, [{"product": catalog.desk, "quantity": 1, "bom": "XL"}])
        with pytest.raises(errors.ValidationError, match="no alternative 'XL'.*one of STD, PRO"):
            env[catalog.order_model].quote([order])
        order = catalog.order(env, [{"product": catalog.office, "quantity": 1, "bom": "STD"}])
        with pytest.raises(errors.ValidationError, match="no commercial alternatives"):
            env[catalog.order_model].quote([order])


def test_a_single_alternative_is_taken_without_asking(bom_db, catalog):
    """§9: the line's ``bom`` is taken automatically (and says so) when the product has one alternative."""
    with bom_db.transaction() as env:
        Order, Line = env[catalog.order_model], env[catalog.line_model]
        order = catalog.order(env, [{"product": catalog.stool, "quantity": 2}])
        assert order.lines[0].bom == "STD"
        Order.quote([order])
        assert components(order.lines[0]) == [("Leg", 6.0, "kit_component")]
        assert order.lines[0].bom == "STD"
        # a line made before its product had alternatives takes its only one at quote
        bench = catalog.product(env, "Bench", "kit", [{"product": catalog.leg, "quantity": 2}])
        later = catalog.order(env, [{"product": bench, "quantity": 1}])
        assert later.lines[0].bom is None
        Component = env["product.component"]
        Component.write(Component.search([("parent_product", "=", bench)]), {"bom": "BASIC"})
        Order.quote([later])
        assert later.lines[0].bom == "BASIC" and components(later.lines[0]) == [("Leg", 2.0, "kit_component")]
        # another product: the alternative of the old one goes, the new one's only one comes
        draft = catalog.order(env, [{"product": catalog.stool, "quantity": 1}])
        Line.write(draft.lines, {"product": catalog.office})
        assert draft.lines[0].bom is None
        Line.write(draft.lines, {"product": bench})
        assert draft.lines[0].bom == "BASIC"
        Line.write(draft.lines, {"product": catalog.desk})   # two alternatives: the user chooses
        assert draft.lines[0].bom is None
        Line.write(draft.lines, {"bom": "PRO"})
        Line.write(draft.lines, {"product": catalog.stool, "bom": "STD"})
        assert draft.lines[0].bom == "STD"
        # a child line of a BOM parent takes its product's only alternative too
        bundle = catalog.product(env, "Bundle", "goods", [{"product": catalog.stool, "quantity": 2}])
        parent = catalog.order(env, [{"product": bundle, "quantity": 1}])
        Order.quote([parent])
        assert [(line.product.name, line.bom) for line in parent.lines] == [("Bundle", None), ("Stool", "STD")]


# -- variants -----------------------------------------------------------------------------------
def test_a_variant_group_needs_exactly_one_choice(bom_db, catalog):
    with bom_db.transaction() as env:
        Order, Line = env[catalog.order_model], env[catalog.line_model]
        oak, walnut = (catalog.component(env, catalog.desk, p) for p in (catalog.oak, catalog.walnut))
        order = catalog.order(env, [{"product": catalog.desk, "quantity": 1, "bom": "STD"}])
        with pytest.raises(errors.ValidationError) as info:
            Order.quote([order])
        message = str(info.value)
        assert "group 'top'" in message and "Oak top" in message and "Walnut top" in message
        assert order.lines[0].rec_name in message and info.value.errors.keys() == {"choices"}
        Line.write(order.lines, {"choices": [("add", [oak, walnut])]})
        with pytest.raises(errors.ValidationError, match="exactly one of Oak top, Walnut top"):
            Order.quote([order])
        Line.write(order.lines, {"choices": [("remove", [oak])]})
        Order.quote([order])
        assert components(order.lines[0]) == [("Leg", 4.0, "kit_component"), ("Walnut top", 1.0, "kit_variant")]


def test_a_choice_outside_the_line_s_product_is_refused(bom_db, catalog):
    with bom_db.transaction() as env:
        walnut = catalog.component(env, catalog.desk, catalog.walnut)
        drawer = catalog.component(env, catalog.desk, catalog.drawer)
        leg_of_stool = catalog.component(env, catalog.stool, catalog.leg)
        for bom, stray in (("STD", leg_of_stool), ("STD", drawer)):
            order = catalog.order(env, [{"product": catalog.desk, "quantity": 1, "bom": bom,
                                         "choices": [walnut, stray]}])
            with pytest.raises(errors.ValidationError, match="not a variant or option of Desk"):
                env[catalog.order_model].quote([order])


def test_variant_in_a_bom_parent_gives_a_bom_variant_line(bom_db, catalog):
    with bom_db.transaction() as env:
        Product = env["product.product"]
        Product.write(Product.browse([catalog.workstation]), {"component_lines": "regenerated"})
        oak = catalog.component(env, catalog.workstation, catalog.oak)
        order = catalog.order(env, [{"product": catalog.workstation, "quantity": 2, "choices": [oak]}])
        env[catalog.order_model].quote([order])
        assert lines_of(order) == [("Workstation", 2.0, "bom", None),
                                   ("Leg", 8.0, "bom_component", "Workstation"),
                                   ("Oak top", 2.0, "bom_variant", "Workstation"),
                                   ("Screw", 10.0, "bom_component", "Workstation")]
        env[catalog.order_model].draft([order])
        assert lines_of(order) == [("Workstation", 2.0, "bom", None)]


# -- options ------------------------------------------------------------------------------------
@pytest.mark.parametrize("accepted", [(), ("Lamp",), ("Lamp", "Shelf")])
def test_options_are_accepted_or_refused(bom_db, catalog, accepted):
    with bom_db.transaction() as env:
        ids = {"Lamp": catalog.lamp, "Shelf": catalog.shelf}
        choices = [catalog.component(env, catalog.desk, catalog.oak)] + [
            catalog.component(env, catalog.desk, ids[name]) for name in accepted]
        order = catalog.order(env, [{"product": catalog.desk, "quantity": 3, "bom": "STD", "choices": choices}])
        env[catalog.order_model].quote([order])
        assert components(order.lines[0]) == sorted(
            [("Leg", 12.0, "kit_component"), ("Oak top", 3.0, "kit_variant")]
            + [(name, 3.0, "kit_option") for name in accepted])


def test_bom_options_give_bom_option_lines(bom_db, catalog):
    with bom_db.transaction() as env:
        walnut, lamp = (catalog.component(env, catalog.workstation, p) for p in (catalog.walnut, catalog.lamp))
        order = catalog.order(env, [{"product": catalog.workstation, "quantity": 1, "choices": [walnut, lamp]}])
        assert lines_of(order) == [("Workstation", 1.0, "bom", None),
                                   ("Leg", 4.0, "bom_component", "Workstation"),
                                   ("Walnut top", 1.0, "bom_variant", "Workstation"),
                                   ("Lamp", 1.0, "bom_option", "Workstation"),
                                   ("Screw", 10.0, "bom_component", "Workstation")]
        order = catalog.order(env, [{"product": catalog.workstation, "quantity": 1, "choices": [walnut]}])
        assert [name for name, *_ in lines_of(order)] == ["Workstation", "Leg", "Walnut top", "Screw"]


# -- nested kits --------------------------------------------------------------------------------
def test_a_nested_kit_s_variant_is_chosen_on_the_top_line(bom_db, catalog):
    with bom_db.transaction() as env:
        Order = env[catalog.order_model]
        order = catalog.order(env, [{"product": catalog.office, "quantity": 2}])
        with pytest.raises(errors.ValidationError, match="group 'top' of Small desk: choose one of Oak top, "
                                                         "Walnut top"):
            Order.quote([order])
        oak = catalog.component(env, catalog.small_desk, catalog.oak)
        env[catalog.line_model].write(order.lines, {"choices": [("set", [oak])]})
        Order.quote([order])
        assert components(order.lines[0]) == [("Lamp", 2.0, "kit_component"), ("Leg", 8.0, "kit_component"),
                                              ("Oak top", 2.0, "kit_variant")]


def test_a_bom_parent_passes_nested_choices_to_its_child_lines(bom_db, catalog):
    with bom_db.transaction() as env:
        bundle = catalog.product(env, "Bundle", "goods", [{"product": catalog.small_desk, "quantity": 1},
                                                          {"product": catalog.stool, "quantity": 2}])
        walnut = catalog.component(env, catalog.small_desk, catalog.walnut)
        order = catalog.order(env, [{"product": bundle, "quantity": 1, "choices": [walnut]}])
        env[catalog.order_model].quote([order])
        assert lines_of(order) == [("Bundle", 1.0, "bom", None), ("Small desk", 1.0, "bom_component", "Bundle"),
                                   ("Stool", 2.0, "bom_component", "Bundle")]
        assert [c.id for c in order.lines[1].choices] == [walnut] and order.lines[2].choices == []
        assert components(order.lines[1]) == [("Leg", 4.0, "kit_component"), ("Walnut top", 1.0, "kit_variant")]


# -- independent component lines ----------------------------------------------------------------
def workstation_order(env, catalog, quantity=2):
    oak, lamp = (catalog.component(env, catalog.workstation, p) for p in (catalog.oak, catalog.lamp))
    return catalog.order(env, [{"product": catalog.workstation, "quantity": quantity, "choices": [oak, lamp]}])


def test_independent_lines_are_made_once_and_survive_reset_to_draft(bom_db, catalog):
    with bom_db.transaction() as env:
        Order, Line = env[catalog.order_model], env[catalog.line_model]
        order = workstation_order(env, catalog)
        made = lines_of(order)   # made with the draft line
        assert made == [("Workstation", 2.0, "bom", None), ("Leg", 8.0, "bom_component", "Workstation"),
                        ("Oak top", 2.0, "bom_variant", "Workstation"), ("Lamp", 2.0, "bom_option", "Workstation"),
                        ("Screw", 10.0, "bom_component", "Workstation")]
        assert order.lines[0].component_lines == "independent"
        leg = order.lines[1]
        Line.write([leg], {"quantity": 9})   # editable
        Order.quote([order])
        assert len(order.lines) == 5 and order.lines[1].quantity == 9   # not made again
        Order.draft([order])
        assert [line.quantity for line in order.lines] == [2.0, 9.0, 2.0, 2.0, 10.0]
        Order.quote([order])
        Order.draft([order])
        assert len(order.lines) == 5
        Line.delete([order.lines[3]])   # a child line can go: it is not made again
        Order.quote([order])
        assert [name for name, *_ in lines_of(order)] == ["Workstation", "Leg", "Oak top", "Screw"]


def test_independent_line_unit_cannot_change(bom_db, catalog):
    with bom_db.transaction() as env:
        order = workstation_order(env, catalog)
        with pytest.raises(errors.AccessError, match="unit of a component line cannot change"):
            env[catalog.line_model].write([order.lines[1]], {"unit": catalog.units["dz"]})
        assert order.lines[1].unit.symbol == "u"


def test_parent_quantity_change_asks_then_scales_or_leaves(bom_db, catalog):
    with bom_db.transaction() as env:
        Line = env[catalog.line_model]
        order = workstation_order(env, catalog)
        parent = order.lines[0]
        with pytest.raises(errors.QuestionError, match="propagate=True") as info:
            Line.write([parent], {"quantity": 3})
        assert parent.rec_name in str(info.value) and isinstance(info.value, errors.UserError)
        assert [line.quantity for line in order.lines] == [2.0, 8.0, 2.0, 2.0, 10.0]   # nothing changed
        Line.write([parent], {"quantity": 3}, propagate=True)   # x 3/2, the fixed screws stay
        assert [line.quantity for line in order.lines] == [3.0, 12.0, 3.0, 3.0, 10.0]
        Line.write([parent], {"quantity": 4}, propagate=False)
        assert [line.quantity for line in order.lines] == [4.0, 12.0, 3.0, 3.0, 10.0]
        Line.write([parent], {"sequence": 1})   # no question for anything else
        amounts = [line.unit_price for line in order.lines[1:]]
        assert amounts == [catalog.price(env, p) for p in (catalog.leg, catalog.oak, catalog.lamp, catalog.screw)]


def test_parent_deletion_asks_then_deletes_or_keeps_children(bom_db, catalog):
    with bom_db.transaction() as env:
        Line = env[catalog.line_model]
        order = workstation_order(env, catalog)
        with pytest.raises(errors.QuestionError, match="propagate=False to keep them"):
            Line.delete([order.lines[0]])
        assert len(order.lines) == 5
        Line.delete([order.lines[0]], propagate=False)
        assert lines_of(order) == [("Leg", 8.0, "normal", None), ("Oak top", 2.0, "normal", None),
                                   ("Lamp", 2.0, "normal", None), ("Screw", 10.0, "normal", None)]
        Line.write(order.lines, {"quantity": 1})   # plain lines now
        other = workstation_order(env, catalog)
        Line.delete([other.lines[0]], propagate=True)
        assert other.lines == []
        third = workstation_order(env, catalog)
        Line.delete(third.lines)   # the children go with the parent: nothing to ask
        assert third.lines == []


def test_the_order_s_line_actions_ask_too(bom_db, catalog):
    with bom_db.transaction() as env:
        Order = env[catalog.order_model]
        order = workstation_order(env, catalog)
        parent = order.lines[0]
        for action in (("write", [parent.id], {"quantity": 5}), ("delete", [parent.id])):
            with pytest.raises(errors.QuestionError, match="propagate=True"):
                Order.write([order], {"lines": [action]})
        assert [line.quantity for line in order.lines] == [2.0, 8.0, 2.0, 2.0, 10.0]
        Order.write([order], {"lines": [("write", [parent.id], {"bom": None}),
                                        ("write", [order.lines[1].id], {"quantity": 7})]})
        assert [line.quantity for line in order.lines] == [2.0, 7.0, 2.0, 2.0, 10.0]
        with pytest.raises(errors.UserError):   # refused by the core's input check, not by a crash here
            Order.write([order], {"lines": [("write", ["x"], {"quantity": 5})]})


def test_independent_lines_of_a_product_without_components_yet_are_made_at_quote(bom_db, catalog):
    with bom_db.transaction() as env:
        Product, Order = env["product.product"], env[catalog.order_model]
        frame, = Product.create([{"name": "Frame", "default_uom": catalog.units["u"],
                                  "component_lines": "independent"}])
        order = catalog.order(env, [{"product": frame.id, "quantity": 2}])
        assert lines_of(order) == [("Frame", 2.0, "normal", None)]
        env["product.component"].create([{"parent_product": frame.id, "product": catalog.leg, "quantity": 2}])
        Order.quote([order])
        assert lines_of(order) == [("Frame", 2.0, "bom", None), ("Leg", 4.0, "bom_component", "Frame")]
        Order.draft([order])
        Order.quote([order])
        assert len(order.lines) == 2


def test_independent_lines_wait_for_the_quote_when_a_choice_is_missing(bom_db, catalog):
    with bom_db.transaction() as env:
        Order, Line = env[catalog.order_model], env[catalog.line_model]
        order = catalog.order(env, [{"product": catalog.workstation, "quantity": 1}])
        assert len(order.lines) == 1
        with pytest.raises(errors.ValidationError, match="group 'top' of Workstation"):
            Order.quote([order])
        Line.write(order.lines, {"choices": [("add", [catalog.component(env, catalog.workstation,
                                                                         catalog.walnut)])]})
        Order.quote([order])
        assert [name for name, *_ in lines_of(order)] == ["Workstation", "Leg", "Walnut top", "Screw"]


def test_propagation_goes_down_nested_independent_lines(bom_db, catalog):
    with bom_db.transaction() as env:
        Line = env[catalog.line_model]
        walnut = catalog.component(env, catalog.workstation, catalog.walnut)
        pair = catalog.product(env, "Pair", "goods", [{"product": catalog.workstation, "quantity": 2},
                                                      {"product": catalog.screw, "quantity": 5, "fixed": True}],
                               component_lines="independent")
        order = catalog.order(env, [{"product": pair, "quantity": 1, "choices": [walnut]}])
        assert lines_of(order) == [("Pair", 1.0, "bom", None), ("Workstation", 2.0, "bom_component", "Pair"),
                                   ("Leg", 8.0, "bom_component", "Workstation"),
                                   ("Walnut top", 2.0, "bom_variant", "Workstation"),
                                   ("Screw", 10.0, "bom_component", "Workstation"),
                                   ("Screw", 5.0, "bom_component", "Pair")]
        Line.write([order.lines[0]], {"quantity": 2}, propagate=True)
        assert [line.quantity for line in order.lines] == [2.0, 4.0, 16.0, 4.0, 10.0, 5.0]


# -- kit components are dependent -------------------------------------------------------------------
def test_kit_components_cannot_be_written_or_deleted(bom_db, catalog):
    with bom_db.transaction() as env:
        Order, LineComponent = env[catalog.order_model], env[catalog.component_model]
        order = catalog.order(env, [{"product": catalog.stool, "quantity": 2}])
        Order.quote([order])
        component, = order.lines[0].components
        with pytest.raises(errors.AccessError, match="depend on their kit line and cannot be changed"):
            LineComponent.write([component], {"quantity": 1})
        with pytest.raises(errors.AccessError, match="depend on their kit line and cannot be deleted"):
            LineComponent.delete([component])
        with pytest.raises(errors.AccessError):
            LineComponent.create([{"line": order.lines[0].id, "product": catalog.leg, "quantity": 1,
                                   "unit": catalog.units["u"]}])
        with pytest.raises(errors.UserError):   # the order is not draft; and the field is read-only anyway
            env[catalog.line_model].write(order.lines, {"components": [("delete", [component.id])]})
        assert component.quantity == 6.0
        Order.draft([order])
        env[catalog.line_model].write(order.lines, {"quantity": 5})   # recomputed from the kit line
        Order.quote([order])
        assert components(order.lines[0]) == [("Leg", 15.0, "kit_component")]
        Order.draft([order])
        Order.quote([order])
        env[catalog.order_model].draft([order])
        env[catalog.line_model].delete(order.lines)   # a kit line goes with its components
        assert LineComponent.search([]) == []


# -- kit pricing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("pricing", ["parent", "components"])
def test_kit_pricing(bom_db, catalog, pricing):
    with bom_db.transaction() as env:
        Product, Order = env["product.product"], env[catalog.order_model]
        Product.write(Product.browse([catalog.desk]), {"kit_pricing": pricing})
        price = lambda product: catalog.price(env, product)
        oak, walnut, lamp = (catalog.component(env, catalog.desk, p)
                             for p in (catalog.oak, catalog.walnut, catalog.lamp))
        order = catalog.order(env, [
            {"product": catalog.desk, "quantity": 2, "bom": "STD", "choices": [oak]},
            {"product": catalog.desk, "quantity": 2, "bom": "STD", "choices": [walnut, lamp]},
            {"product": catalog.desk, "quantity": 4, "bom": "PRO"}])
        Order.quote([order])
        if pricing == "parent":
            assert [line.unit_price for line in order.lines] == [price(catalog.desk)] * 3
            return
        assert [line.unit_price for line in order.lines] == [
            4 * price(catalog.leg) + price(catalog.oak),
            4 * price(catalog.leg) + price(catalog.walnut) + price(catalog.lamp),
            4 * price(catalog.leg) + price(catalog.drawer) + 10 * price(catalog.screw) / 4]   # fixed: per line
        assert order.lines[0].unit_price != order.lines[1].unit_price


def test_a_purchase_kit_line_priced_by_hand_keeps_its_price_on_quote(kitwork_database):
    """As a sale line's manual price: a purchase kit priced from its components keeps a price given by hand."""
    database = kitwork_database("product_kit", "purchase")
    with database.transaction() as env:
        catalog = Catalog(env, "purchase")
        Product, Order, Line = env["product.product"], env["purchase.purchase"], env["purchase.line"]
        Product.write(Product.browse([catalog.desk]), {"kit_pricing": "components"})
        order = catalog.order(env, [
            {"product": catalog.desk, "quantity": 2, "bom": "PRO", "unit_price": Decimal("900")},
            {"product": catalog.desk, "quantity": 2, "bom": "PRO"},
            {"product": catalog.desk, "quantity": 1, "bom": "PRO"}])
        given, searched, written = order.lines
        Line.write([written], {"unit_price": Decimal("700")})
        assert [line.price_reason for line in order.lines] == ["manual", "cost price", "manual"]
        for _ in range(2):   # quoted, reset to draft, quoted again
            Order.quote([order])
            price = lambda product: catalog.price(env, product)
            assert [(line.unit_price, line.price_reason) for line in order.lines] == [
                (Decimal("900"), "manual"),
                (4 * price(catalog.leg) + price(catalog.drawer) + 10 * price(catalog.screw) / 2, "kit components"),
                (Decimal("700"), "manual")]
            Order.draft([order])


# -- product rules --------------------------------------------------------------------------------
def test_component_rules(bom_db, catalog):
    with bom_db.transaction() as env:
        Component = env["product.component"]
        u = catalog.units
        base = {"parent_product": catalog.stool, "quantity": 1, "bom": "STD"}
        with pytest.raises(errors.ValidationError, match="variant group needs at least two variants"):
            Component.create([{**base, "product": catalog.oak, "kind": "variant", "group": "seat"}])
        with pytest.raises(errors.ValidationError, match="an option needs a group"):
            Component.create([{**base, "product": catalog.lamp, "kind": "option"}])
        with pytest.raises(errors.ValidationError, match="only variants and options belong to a group"):
            Component.create([{**base, "product": catalog.lamp, "group": "x"}])
        with pytest.raises(errors.ValidationError, match="variants or options, not both"):
            Component.create([{**base, "product": catalog.oak, "kind": "variant", "group": "seat"},
                              {**base, "product": catalog.walnut, "kind": "variant", "group": "seat"},
                              {**base, "product": catalog.lamp, "kind": "option", "group": "seat"}])
        with pytest.raises(errors.ValidationError, match=r"\(Leg\) has no bom code"):
            Component.create([{**base, "product": catalog.leg, "bom": None}])
        with pytest.raises(errors.ValidationError, match="Must be one of"):
            Component.create([{**base, "product": catalog.lamp, "kind": "extra"}])
        seat = Component.create([{**base, "product": catalog.oak, "kind": "variant", "group": "seat"},
                                 {**base, "product": catalog.walnut, "kind": "variant", "group": "seat"}])
        with pytest.raises(errors.ValidationError, match="at least two variants"):
            Component.delete(seat[:1])
        with pytest.raises(errors.ValidationError):
            env["product.product"].create([{"name": "Odd", "default_uom": u["u"], "component_lines": "sometimes"}])


def test_cycles_through_any_alternative_variant_or_option_are_refused(bom_db, catalog):
    Component = "product.component"
    for values in ({"parent_product": catalog.walnut, "product": catalog.desk, "quantity": 1},
                   {"parent_product": catalog.lamp, "product": catalog.desk, "quantity": 1},
                   {"parent_product": catalog.drawer, "product": catalog.desk, "quantity": 1},
                   {"parent_product": catalog.oak, "product": catalog.office, "quantity": 1}):
        with pytest.raises(errors.ValidationError, match="cannot contain itself"):
            with bom_db.transaction() as env:
                env[Component].create([values])


def test_statements_do_not_grow_with_lines_of_variants_and_options(kitwork_database, kind, count_statements):
    counts = []
    for size in (2, 12):
        database = kitwork_database("product_kit", kind)
        with database.transaction() as env:
            catalog = Catalog(env, kind)
            oak, lamp = (catalog.component(env, catalog.desk, p) for p in (catalog.oak, catalog.lamp))
            ws_oak = catalog.component(env, catalog.workstation, catalog.oak)
            orders = [catalog.order(env, [
                {"product": catalog.desk, "quantity": 1 + i % 3, "bom": "STD", "choices": [oak, lamp]},
                {"product": catalog.desk, "quantity": 2, "bom": "PRO"},
                {"product": catalog.office, "quantity": 1,
                 "choices": [catalog.component(env, catalog.small_desk, catalog.walnut)]},
                {"product": catalog.workstation, "quantity": 1, "choices": [ws_oak]},
                {"product": catalog.leg, "quantity": 1}]) for i in range(size)]
        with database.transaction() as env, count_statements(database.engine) as counter:
            Order = env[catalog.order_model]
            orders = Order.browse([o.id for o in orders])
            Order.quote(orders)
            Order.draft(orders)
            Order.quote(orders)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
