"""The replenishment page with production: a manufacture rule's row names its BOM and orders a production."""
from .conftest import add_user


def test_a_manufacture_row_names_its_bom_and_ordering_makes_a_production(kitwork_database, serve):
    database = kitwork_database("production", "stock_reorder", "web")
    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        Product = env["product.product"]
        leg, table, stool = Product.create([{"name": "Leg", "default_uom": unit},
                                            {"name": "Table", "default_uom": unit, "production_lead_time": 2},
                                            {"name": "Stool", "default_uom": unit}])
        bom, = env["production.bom"].create([{"name": "Table from legs", "inputs": [
            {"product": leg.id, "quantity": 4}], "outputs": [{"product": table.id, "quantity": 1}]}])
        Product.write([table], {"boms": [("create", [{"bom": bom.id}])]})
        rule, _ = env["stock.reorder.rule"].create([
            {"product": table.id, "route": "manufacture", "min_quantity": 1, "max_quantity": 3, "trigger": "manual"},
            {"product": stool.id, "route": "manufacture", "min_quantity": 1, "max_quantity": 1}])
    key = add_user(database, "planner", groups=["admin"])
    http = serve(database).client(key)
    html = http.get("/replenishment").text
    assert html.count('class="need"') == 2
    assert "make with Table from legs" in html and "manufacture 3 with Table from legs" in html
    assert '<span class="exception">no bill of materials</span>' in html   # the stool has none
    http.follow_redirects = False
    assert http.post("/replenishment/order", data={"rule": rule.id}).status_code == 303
    with database.transaction() as env:
        production, = env["production.production"].search([])
        assert (production.product.name, production.quantity, production.state, production.origin.id) == (
            "Table", 3.0, "draft", rule.id)
