"""One test per action type and per action condition of the seed, through run() and the sale events."""
import datetime

from freezegun import freeze_time


def run(env, sales=None):
    return env["sale.automation.rule"].run(sales)


def test_set_status(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_status", "status": s.review.id}], name="review")
        log, = run(env)
        assert sale.status == s.review
        assert (log.outcome, log.detail) == ("applied", "review: applied: set_status: status set to Review (was none)")


def test_set_status_condition_the_status_must_differ(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(status=s.review.id)
        s.rule([{"type": "set_status", "status": s.review.id}], name="review")
        log, = run(env)
        assert (log.outcome, log.detail) == ("watching", "review: cannot apply yet: set_status: the status is "
                                                         "already Review")
        assert env["sale.automation.application"].search([]) == []
        env["sale.sale"].write([sale], {"status": s.new.id})
        log, = run(env)
        assert log.outcome == "applied" and sale.status == s.review


def test_set_shipping_method(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_shipping_method", "shipping_method": s.express.id}])
        log, = run(env)
        assert sale.shipping_method == s.express and "shipping method set to Express" in log.detail


def test_set_warehouse(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale()
        s.rule([{"type": "set_warehouse", "warehouse": s.wh2.id}])
        log, = run(env)
        assert sale.warehouse == s.wh2 and "warehouse set to WH2 (was WH)" in log.detail
        env["sale.sale"].process([sale])
        assert sale.shipments[0].warehouse == s.wh2


def test_tag_and_untag_customer(database, shop):
    with database.transaction() as env:
        s = shop(env)
        big = s.sale(quantity=6)
        small = s.sale(quantity=1, party=s.other)
        env["party.party"].write([s.other], {"tags": [("add", [s.vip.id])]})
        s.rule([{"type": "tag_customer", "tag": s.vip.id}], [["untaxed_amount", ">=", 500]], name="tag")
        s.rule([{"type": "untag_customer", "tag": s.vip.id}], [["untaxed_amount", "<", 500]], name="untag")
        logs = run(env)
        assert s.customer.tags == [s.vip] and s.other.tags == []
        assert sorted((log.sale.id, log.detail) for log in logs) == [
            (big.id, "tag: applied: tag_customer: customer Ann tagged VIP"),
            (small.id, "untag: applied: untag_customer: tag VIP removed from customer Bob")]


def test_set_delivery_date_fixed_and_after_sale_date(database, shop):
    with database.transaction() as env:
        s = shop(env)
        fixed = s.sale(sale_date=datetime.date(2026, 3, 2))
        later = s.sale(sale_date=datetime.date(2026, 3, 2), status=s.new.id, state="processing")
        s.rule([{"type": "set_delivery_date", "delivery_date": datetime.date(2026, 4, 1)}],
               [["status", "=", None]])
        s.rule([{"type": "set_delivery_date", "delivery_days": 10, "delivery_from": "sale_date"}],
               [["status.name", "=", "New"]])
        run(env)
        assert fixed.delivery_date == datetime.date(2026, 4, 1)
        assert later.delivery_date == datetime.date(2026, 3, 12)
        move, = later.lines[0].moves   # the processing sale's delivery follows
        assert move.planned_date == datetime.date(2026, 3, 12) == later.shipments[0].planned_date


@freeze_time("2026-05-04")
def test_set_delivery_date_after_today(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(sale_date=datetime.date(2026, 3, 2))
        s.rule([{"type": "set_delivery_date", "delivery_days": 3, "delivery_from": "today"}])
        log, = run(env)
        assert sale.delivery_date == datetime.date(2026, 5, 7) and "2026-05-07" in log.detail


def test_add_free_product_and_its_condition_stock(database, shop):
    """Goods: only with the quantity on hand in the sale's warehouse, shared oldest sale first."""
    with database.transaction() as env:
        s = shop(env)
        s.stock(s.gift, 1)
        first = s.sale(sale_date=datetime.date(2026, 1, 1))
        second = s.sale(sale_date=datetime.date(2026, 1, 2))
        s.rule([{"type": "add_free_product", "product": s.gift.id}], name="gift")
        logs = run(env)
        assert [(log.sale, log.outcome) for log in logs] == [(first, "applied"), (second, "watching")]
        assert logs[1].detail == "gift: cannot apply yet: add_free_product: 0 u Gift in stock at WH, 1 needed"
        gift_line, = [line for line in first.lines if line.product == s.gift]
        assert (gift_line.quantity, gift_line.unit_price, first.untaxed_amount) == (1.0, 0, 200)
        assert len(second.lines) == 1


def test_add_free_product_condition_a_service_needs_no_stock(database, shop):
    with database.transaction() as env:
        s = shop(env)
        sale = s.sale(state="processing")
        s.rule([{"type": "add_free_product", "product": s.setup.id, "quantity": 2}])
        log, = run(env)
        assert log.outcome == "applied" and "added 2 u Set-up at 0.00" in log.detail
        assert [(line.product, line.quantity) for line in sale.lines] == [(s.lamp, 2.0), (s.setup, 2.0)]


def test_add_free_product_to_a_processing_sale_ships_it_too(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.stock(s.gift, 5)
        sale = s.sale(state="processing")
        s.rule([{"type": "add_free_product", "product": s.gift.id, "quantity": 1}])
        run(env)
        shipment, = sale.shipments
        assert sorted((m.product.name, m.quantity) for m in shipment.moves) == [("Gift", 1.0), ("Lamp", 2.0)]


def test_create_transfer_of_what_the_destination_misses(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.stock(s.lamp, 3)            # WH has 3; the two sales need 2 + 4
        s.stock(s.lamp, 10, s.wh2)
        first = s.sale(quantity=2, sale_date=datetime.date(2026, 1, 1))
        second = s.sale(quantity=4, sale_date=datetime.date(2026, 1, 2))
        s.rule([{"type": "create_transfer", "from_warehouse": s.wh2.id, "to_warehouse": s.wh.id}], name="refill")
        logs = {log.sale: log.detail for log in run(env)}
        assert logs[first] == "refill: applied: create_transfer: nothing missing in WH: no transfer"
        transfer, = env["stock.shipment.internal"].search([])
        assert (transfer.from_location, transfer.to_location, transfer.state) == (s.wh2, s.wh, "waiting")
        move, = transfer.moves
        assert (move.product, move.quantity, move.origin) == (s.lamp, 3.0, second)
        assert logs[second] == f"refill: applied: create_transfer: transfer {transfer.id} from WH2 to WH: 3 u Lamp"


def test_actions_apply_on_events(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.rule([{"type": "set_status", "status": s.new.id}], events=["created"], name="on create")
        s.rule([{"type": "tag_customer", "tag": s.repeat.id}], events=["quoted"], name="on quote")
        s.rule([{"type": "set_shipping_method", "shipping_method": s.express.id}], events=["confirmed"])
        s.rule([{"type": "set_delivery_date", "delivery_date": datetime.date(2026, 9, 9)}], events=["processed"])
        sale = s.sale(state="draft")
        assert sale.status == s.new and s.customer.tags == []
        Sale = env["sale.sale"]
        Sale.quote([sale])
        assert s.customer.tags == [s.repeat] and sale.shipping_method is None
        Sale.confirm([sale])
        assert sale.shipping_method == s.express and sale.delivery_date != datetime.date(2026, 9, 9)
        Sale.process([sale])
        assert sale.delivery_date == datetime.date(2026, 9, 9)
        assert len(env["sale.automation.log"].search([])) == 4
