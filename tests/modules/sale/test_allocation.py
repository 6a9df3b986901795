"""Allocating, unallocating and fulfilling whole sales: partial, alternative warehouse, kits, concurrency."""
import datetime
import multiprocessing
import os
import time
from decimal import Decimal

import pytest

from core import Database, errors


@pytest.fixture
def database(kitwork_database):
    return kitwork_database("sale", "stock", "product_kit")


class Shop:
    """Warehouses WH and SHOP, products A and B (units), the kit K = 2 A + 1 B, the customer Ann."""

    def __init__(self, env):
        Location, Product = env["stock.location"], env["product.product"]
        self.wh = Location.warehouse()
        self.shop, = Location.create([{"name": "Shop", "code": "SHOP", "type": "warehouse"}])
        self.supplier = Location.by_type("supplier")
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        self.a, self.b = Product.create([{"name": "A", "default_uom": unit.id, "list_price": Decimal(1)},
                                         {"name": "B", "default_uom": unit.id, "list_price": Decimal(1)}])
        self.kit, = Product.create([{"name": "K", "type": "kit", "default_uom": unit.id, "list_price": Decimal(3),
                                     "components": [{"product": self.a.id, "quantity": 2},
                                                    {"product": self.b.id, "quantity": 1}]}])
        self.ann, = env["party.party"].create([{"name": "Ann"}])

    def receive(self, env, product, quantity, warehouse=None):
        Move = env["stock.move"]
        Move.do(Move.create([{"product": product.id, "quantity": quantity, "from_location": self.supplier.id,
                              "to_location": (warehouse or self.wh).storage_location.id}]))

    def sale(self, env, *lines, **values):
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": self.ann.id, **values,
                              "lines": [{"product": p.id, "quantity": q} for p, q in lines]}])
        Sale.quote([sale])
        Sale.confirm([sale])
        Sale.process([sale])
        return sale

    def stock(self, env, product, forecast=False):
        """(WH, SHOP) on hand, and what assigned moves reserve there."""
        by_site = env["stock.location"].quantities_by_warehouse([product], forecast=forecast)[product.id]
        return by_site[self.wh.id], by_site[self.shop.id]


def reserved(env, product, warehouse):
    return sum(m.quantity for m in env["stock.move"].search([
        ("state", "=", "assigned"), ("product", "=", product.id),
        ("from_location", "=", warehouse.storage_location.id)]))


def moves(sale):
    """(state, quantity, warehouse code) of the sale's outgoing moves, sorted."""
    return sorted((m.state, m.quantity, s.warehouse.code) for s in sale.shipments for m in s.moves)


def test_all_or_nothing_by_default_and_oldest_first(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 4)
        Sale = env["sale.sale"]
        big = shop.sale(env, (shop.a, 10), (shop.a, 1))
        assert Sale.allocate([big]) == []
        assert moves(big) == [("waiting", 1.0, "WH"), ("waiting", 10.0, "WH")]
        shop.receive(env, shop.a, 8)
        newer = shop.sale(env, (shop.a, 5), sale_date=datetime.date.today())
        older = shop.sale(env, (shop.a, 5), sale_date=datetime.date.today() - datetime.timedelta(days=3))
        # 12 in stock, oldest first: older (5), big (11: too much, nothing reserved), newer (5)
        assert Sale.allocate([newer, big, older]) == [older, newer]
        assert moves(older) == [("assigned", 5.0, "WH")]
        assert moves(newer) == [("assigned", 5.0, "WH")]
        assert moves(big) == [("waiting", 1.0, "WH"), ("waiting", 10.0, "WH")]
        assert [s.state for s in older.shipments] == ["assigned"]
        assert reserved(env, shop.a, shop.wh) == 10.0


def test_partial_reserves_what_is_available(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 4)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.a, 10))
        assert Sale.allocate([sale], partial=True) == []
        assert moves(sale) == [("assigned", 4.0, "WH"), ("waiting", 6.0, "WH")]
        shop.receive(env, shop.a, 6)
        assert Sale.allocate([sale], partial=True) == [sale]
        assert moves(sale) == [("assigned", 4.0, "WH"), ("assigned", 6.0, "WH")]
        assert [s.state for s in sale.shipments] == ["assigned"]


def test_alternative_warehouse_takes_what_is_missing(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 4)
        shop.receive(env, shop.a, 10, shop.shop)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.a, 10))
        assert Sale.allocate([sale], alternative_warehouse=shop.shop) == [sale]
        assert moves(sale) == [("assigned", 4.0, "WH"), ("assigned", 6.0, "SHOP")]
        assert sorted((s.warehouse.code, s.state) for s in sale.shipments) == [("SHOP", "assigned"),
                                                                                ("WH", "assigned")]
        assert (reserved(env, shop.a, shop.wh), reserved(env, shop.a, shop.shop)) == (4.0, 6.0)
        assert shop.stock(env, shop.a) == (4.0, 10.0)   # reserved, not yet gone


def test_alternative_short_too_all_or_nothing_or_partial(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 4)
        shop.receive(env, shop.a, 3, shop.shop)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.a, 10))
        assert Sale.allocate([sale], alternative_warehouse=shop.shop.id) == []
        assert moves(sale) == [("waiting", 10.0, "WH")] and len(sale.shipments) == 1
        assert Sale.allocate([sale], partial=True, alternative_warehouse=shop.shop) == []
        assert moves(sale) == [("assigned", 3.0, "SHOP"), ("assigned", 4.0, "WH"), ("waiting", 3.0, "WH")]


def test_kits_split_between_warehouses_by_whole_kits(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 7)    # 3 whole kits at WH (A limits: 7 // 2)
        shop.receive(env, shop.b, 5)
        shop.receive(env, shop.a, 10, shop.shop)
        shop.receive(env, shop.b, 10, shop.shop)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.kit, 5))
        assert Sale.allocate([sale], alternative_warehouse=shop.shop) == [sale]
        by_product = sorted((m.product.name, m.quantity, m.shipment_out.warehouse.code, m.state)
                            for s in sale.shipments for m in s.moves)
        assert by_product == [("A", 4.0, "SHOP", "assigned"), ("A", 6.0, "WH", "assigned"),
                              ("B", 2.0, "SHOP", "assigned"), ("B", 3.0, "WH", "assigned")]


def test_kit_components_partial_take_what_is_available(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 7)
        shop.receive(env, shop.b, 5)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.kit, 5))
        assert Sale.allocate([sale]) == []
        assert all(m.state == "waiting" for s in sale.shipments for m in s.moves)
        assert Sale.allocate([sale], partial=True) == []
        assert sorted((m.product.name, m.quantity, m.state) for s in sale.shipments for m in s.moves) == [
            ("A", 3.0, "waiting"), ("A", 7.0, "assigned"), ("B", 5.0, "assigned")]


def test_unallocate_releases_and_another_sale_gets_it(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 5)
        Sale = env["sale.sale"]
        first, second = shop.sale(env, (shop.a, 5)), shop.sale(env, (shop.a, 5))
        assert Sale.allocate([first, second]) == [first]
        assert Sale.unallocate([first.id]) == [first]
        assert moves(first) == [("waiting", 5.0, "WH")] and [s.state for s in first.shipments] == ["waiting"]
        assert Sale.allocate([second]) == [second]
        assert reserved(env, shop.a, shop.wh) == 5.0


def test_unallocate_brings_the_alternative_warehouse_moves_home_whole(database):
    """Unallocating undoes allocating: nothing stays to leave from the alternative warehouse unasked."""
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 4)
        shop.receive(env, shop.a, 12, shop.shop)
        shop.receive(env, shop.b, 1)
        shop.receive(env, shop.b, 5, shop.shop)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.a, 10), (shop.kit, 3))
        assert Sale.allocate([sale], alternative_warehouse=shop.shop) == [sale]
        # A: 4 of the line at WH, the rest and the 3 kits (none whole at WH) at SHOP
        assert moves(sale) == [("assigned", 3.0, "SHOP"), ("assigned", 4.0, "WH"), ("assigned", 6.0, "SHOP"),
                               ("assigned", 6.0, "SHOP")]
        assert Sale.unallocate([sale]) == [sale]
        assert moves(sale) == [("waiting", 3.0, "WH"), ("waiting", 6.0, "WH"), ("waiting", 10.0, "WH")]
        assert [m.internal_quantity for s in sale.shipments for m in s.moves if m.product == shop.a] == [10.0, 6.0]
        assert [s.state for s in sale.shipments] == ["waiting"]
        assert env["stock.shipment.out"].search([("warehouse", "=", shop.shop.id)])[0].state == "cancelled"
        assert (reserved(env, shop.a, shop.shop), reserved(env, shop.b, shop.shop)) == (0.0, 0.0)
        # without an alternative warehouse, nothing is taken from SHOP any more
        assert Sale.allocate([sale]) == []
        assert reserved(env, shop.a, shop.shop) == 0.0 and reserved(env, shop.a, shop.wh) == 0.0
        assert Sale.fulfil([sale], alternative_warehouse=shop.shop) == [sale]
        assert [l.quantity_shipped for l in sale.lines] == [10.0, 3.0]
        assert shop.stock(env, shop.a) == (0.0, 0.0) and shop.stock(env, shop.b) == (1.0, 2.0)


def test_fulfil_ships_whole_sales_or_what_is_reserved(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 6)
        shop.receive(env, shop.a, 4, shop.shop)
        Sale = env["sale.sale"]
        whole, short = shop.sale(env, (shop.a, 8)), shop.sale(env, (shop.a, 5))
        assert Sale.fulfil([whole, short], alternative_warehouse=shop.shop) == [whole]
        assert whole.state == "done" and whole.lines[0].quantity_shipped == 8.0
        assert shop.stock(env, shop.a) == (0.0, 2.0)
        assert short.state == "processing" and moves(short) == [("waiting", 5.0, "WH")]
        assert Sale.fulfil([short], partial=True, alternative_warehouse=shop.shop) == []
        assert short.lines[0].quantity_shipped == 2.0 and short.state == "processing"
        assert sorted(m[0] for m in moves(short)) == ["done", "waiting"]
        assert shop.stock(env, shop.a) == (0.0, 0.0)


@pytest.mark.parametrize("call, error, message", [
    (lambda S, sale, shop: S.allocate([sale], partial="yes"), errors.UserError, "partial:? must be True or False"),
    (lambda S, sale, shop: S.allocate([sale], alternative_warehouse=shop.shop.storage_location),
     errors.UserError, "alternative_warehouse must be a warehouse"),
    (lambda S, sale, shop: S.allocate([sale], alternative_warehouse=10 ** 6), errors.UserError,
     "must be a warehouse|no stock.location with id"),
    (lambda S, sale, shop: S.fulfil("S1"), errors.UserError, "expected a list of (sales|records or ids)"),
    (lambda S, sale, shop: S.unallocate([sale, "x"]), errors.UserError, "expected a (sale|record of sale.sale) or its id"),
    (lambda S, sale, shop: S.allocate([sale, shop.draft]), errors.WorkflowError,
     "cannot allocate sale.sale .*: it is draft; only processing sales"),
    (lambda S, sale, shop: S.fulfil([shop.draft]), errors.WorkflowError, "cannot fulfil"),
    (lambda S, sale, shop: S.allocate([2 ** 70]), errors.UserError, "expected a (sale|record of sale.sale) or its id"),
    (lambda S, sale, shop: S.unallocate([2 ** 63]), errors.UserError, "expected a (sale|record of sale.sale) or its id"),
    (lambda S, sale, shop: S.fulfil([sale], alternative_warehouse=2 ** 70), errors.UserError, "must be a warehouse|no stock.location|Not a valid"),
    (lambda S, sale, shop: S.allocate([sale], alternative_warehouse=shop.wh), errors.UserError,
     "alternative_warehouse .* is the warehouse of sale.sale"),
    (lambda S, sale, shop: S.fulfil([sale.id], partial=True, alternative_warehouse=shop.wh.id), errors.UserError,
     "is the warehouse of"),
])
def test_bad_input_changes_nothing(database, call, error, message):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 10)
        Sale = env["sale.sale"]
        sale = shop.sale(env, (shop.a, 5))
        shop.draft, = Sale.create([{"party": shop.ann.id, "lines": [{"product": shop.a.id, "quantity": 1}]}])
        with pytest.raises(error, match=message):
            call(Sale, sale, shop)
        assert moves(sale) == [("waiting", 5.0, "WH")] and reserved(env, shop.a, shop.wh) == 0.0


# -- two processes allocating the same scarce stock -----------------------------------------------
def _allocate_in_process(url, sale_id, barrier, results):
    """In a forked process: allocate one sale, slowly (so that the two transactions overlap)."""
    try:
        from modules.sale import stock
        planning = stock._plan

        def slow_plan(*args, **kwargs):   # stock counted, nothing reserved yet: the other process counts too
            time.sleep(0.6)
            return planning(*args, **kwargs)
        stock._plan = slow_plan
        database = Database(url)
        barrier.wait(timeout=30)
        with database.transaction() as env:
            handled = env["sale.sale"].allocate([sale_id])
        results.put((sale_id, [s.id for s in handled]))
        database.close()
    except BaseException as exc:   # reported to the parent: the test fails on it
        results.put((sale_id, repr(exc)))
    finally:
        results.close()
        results.join_thread()   # the result reaches the parent before the process ends
        os._exit(0)


@pytest.mark.skipif("postgresql" not in os.environ.get("KITWORK_TEST_DATABASE_URL", ""),
                    reason="row locks between processes: PostgreSQL")
def test_two_processes_never_reserve_more_than_there_is(database):
    with database.transaction() as env:
        shop = Shop(env)
        shop.receive(env, shop.a, 10)
        first, second = shop.sale(env, (shop.a, 6)), shop.sale(env, (shop.a, 6))
        ids = [first.id, second.id]
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(2), context.Queue()
    processes = [context.Process(target=_allocate_in_process, args=(database.url, i, barrier, results))
                 for i in ids]
    for process in processes:
        process.start()
    outcomes = dict(results.get(timeout=60) for _ in processes)
    for process in processes:
        process.join(timeout=60)
    assert all(isinstance(handled, list) for handled in outcomes.values()), outcomes
    assert sorted(len(handled) for handled in outcomes.values()) == [0, 1]   # one got it, the other waited
    with database.transaction() as env:
        shop_a = env["product.product"].search([("name", "=", "A")])[0]
        wh = env["stock.location"].warehouse()
        assert reserved(env, shop_a, wh) == 6.0
