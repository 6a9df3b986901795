"""The projected stock of a rule (the replenishment page's chart), through the Python API."""
import datetime

import pytest
from freezegun import freeze_time

D = datetime.date


@pytest.fixture
def database(kitwork_database):   # activated before the clock is frozen (module code is imported then)
    return kitwork_database("sale", "stock_reorder")


@freeze_time("2030-03-01")
def test_projection_lists_each_day_with_moves_up_to_the_horizon(database):
    with database.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        vendor, customer = env["party.party"].create([{"name": "Vendor"}, {"name": "Customer"}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id,
                                                "product_suppliers": [{"party": vendor.id, "lead_time": 5}]}])
        Location = env["stock.location"]
        storage = Location.warehouse().storage_location.id
        Move = env["stock.move"]
        Move.do(Move.create([{"product": lamp.id, "quantity": 10, "from_location": Location.by_type("supplier").id,
                              "to_location": storage}]))
        rule, = env["stock.reorder.rule"].create([{"product": lamp.id, "min_quantity": 4, "max_quantity": 12,
                                                   "trigger": "manual", "visibility_days": 30}])
        Sale = env["sale.sale"]
        for day, quantity in ((D(2030, 3, 3), 3), (D(2030, 3, 3), 2), (D(2030, 3, 20), 4), (D(2030, 6, 1), 9)):
            sale, = Sale.create([{"party": customer.id, "delivery_date": day,
                                  "lines": [{"product": lamp.id, "quantity": quantity}]}])
            Sale.quote([sale])
            Sale.confirm([sale])
            Sale.process([sale])
    with database.transaction() as env:
        projection, = env["stock.reorder.rule"].projection([rule.id])
        assert projection["rule"] == rule and projection["product"].name == "Lamp"
        assert (projection["on_hand"], projection["min_quantity"], projection["max_quantity"]) == (10, 4, 12)
        assert projection["forecasted_date"] == D(2030, 3, 6) and projection["until"] == D(2030, 4, 5)
        assert [(p["date"], p["incoming"], p["outgoing"], p["quantity"]) for p in projection["points"]] == [
            (D(2030, 3, 3), 0, 5, 5), (D(2030, 3, 20), 0, 4, 1)]   # June is past the horizon
        longer, = env["stock.reorder.rule"].projection([rule.id], days=120)
        assert longer["until"] == D(2030, 6, 29) and longer["points"][-1]["quantity"] == -8
        assert env["stock.reorder.rule"].projection([]) == []
