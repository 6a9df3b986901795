"""§17's migrations (product, purchase, product_price_list, stock_reorder) on tables that already hold rows."""
import datetime
from decimal import Decimal

import sqlalchemy as sa
from alembic import command

from core import migration

BEFORE = ("product_price_list_0001", "stock_reorder_0003", "purchase_0002", "product_0002")


def test_upgrading_a_populated_database_gives_the_rows_the_new_columns_defaults(kitwork_database):
    database = kitwork_database("sale", "stock_reorder", "product_price_list")
    with database.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        vendor, customer = env["party.party"].create([{"name": "Vendor"}, {"name": "Customer"}])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id, "list_price": Decimal("20"),
                                                "product_suppliers": [{"party": vendor.id, "lead_time": 0,
                                                                       "unit_price": Decimal("9")}]}])
        env["stock.reorder.rule"].create([{"product": lamp.id, "min_quantity": 1, "max_quantity": 5}])
        env["product.price_list"].create([{"name": "Trade", "lines": [{"product": lamp.id, "price": Decimal("18")}]}])
    with database.engine.begin() as connection:   # back to before §17: its columns and tables gone, the rows kept
        cfg = migration.config(connection, database.available_modules())
        for revision in BEFORE:
            command.downgrade(cfg, revision)
        assert "active" not in {c["name"] for c in sa.inspect(connection).get_columns("stock_reorder_rule")}
        assert not sa.inspect(connection).has_table("product_category")
    database.upgrade()
    with database.transaction() as env:
        rule, = env["stock.reorder.rule"].search([])
        supplier, = env["purchase.product_supplier"].search([])
        assert (rule.active, rule.snoozed_until) == (True, None)
        assert (supplier.min_quantity, supplier.start_date, supplier.end_date, supplier.prices) == (0.0, None, None, [])
        row, = env["stock.reorder.rule"].needs()
        assert (row["to_order"], row["unit_price"], row["amount"]) == (5.0, Decimal("9"), Decimal("45.00"))
        env["stock.reorder.rule"].snooze([rule], datetime.date.today() + datetime.timedelta(days=1))
        assert env["stock.reorder.rule"].needs() == []
        lighting, = env["product.category"].create([{"name": "Lighting"}])
        env["product.product"].write([lamp.id], {"category": lighting.id})
        assert env["product.product"].browse([lamp.id])[0].category == lighting
