"""create_purchase: to the warehouse or drop-shipped, from the vendor given or the product's supplier."""
from decimal import Decimal


def run(env, sales=None):
    return env["sale.automation.rule"].run(sales)


def supplied(env, shop):
    vendor, = env["party.party"].create([{"name": "Vendor"}])
    env["product.product"].write([shop.lamp], {"product_suppliers": [("create", [
        {"party": vendor.id, "lead_time": 2, "unit_price": Decimal("40")}])]})
    return vendor


def test_create_purchase_to_the_warehouse_once(database, shop):
    with database.transaction() as env:
        s = shop(env)
        vendor = supplied(env, s)
        sale = s.sale(quantity=3)
        s.rule([{"type": "create_purchase"}], name="buy")
        log, = run(env)
        purchase, = env["purchase.purchase"].search([])
        line, = purchase.lines
        assert (purchase.party, purchase.warehouse, line.quantity, line.origin) == (vendor, s.wh, 3.0, sale.lines[0])
        assert log.detail == f"buy: applied: create_purchase: bought 3 u Lamp from Vendor (purchase {purchase.id}, draft)"
        assert run(env) == [] and len(env["purchase.line"].search([])) == 1


def test_create_purchase_drop_shipped_from_the_vendor_given(database, shop):
    with database.transaction() as env:
        s = shop(env)
        supplied(env, s)
        other, = env["party.party"].create([{"name": "Other vendor"}])
        sale = s.sale(quantity=2, state="processing")
        s.rule([{"type": "create_purchase", "vendor": other.id, "drop_ship": True}], name="drop")
        log, = run(env)
        purchase, = env["purchase.purchase"].search([])
        assert purchase.party == other and "drop-shipped 2 u Lamp from Other vendor" in log.detail
        assert [m.state for m in sale.lines[0].moves if m.shipment_out is not None] == ["cancelled"]
        Purchase = env["purchase.purchase"]
        Purchase.quote([purchase]), Purchase.confirm([purchase]), Purchase.process([purchase])
        env["stock.shipment.in"].receive(purchase.shipments)
        assert sale.lines[0].quantity_shipped == 2.0


def test_create_purchase_waits_without_a_supplier(database, shop):
    with database.transaction() as env:
        s = shop(env)
        s.sale()
        quoted = s.sale(state="quotation")
        s.rule([{"sequence": 1, "type": "set_status", "status": s.review.id},
                {"sequence": 2, "type": "create_purchase"}], name="buy")
        logs = {log.sale: log for log in run(env)}
        assert all(log.outcome == "watching" for log in logs.values())
        assert logs[quoted].detail == ("buy: cannot apply yet: create_purchase: the sale is quotation: only "
                                       "confirmed or processing sales are bought for")
        assert "the product has no supplier" in [log for sale, log in logs.items() if sale != quoted][0].detail
        assert env["purchase.purchase"].search([]) == []
        assert [sale.status for sale in logs] == [None, None]
