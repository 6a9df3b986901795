"""Kits whose components are counted in another unit than their product's, through stock."""
from decimal import Decimal


def test_a_component_in_grams_of_a_product_in_kilograms_processes_after_earlier_sales(kitwork_database):
    """Reading the component products' units once made records outside their read batch ("uom does not exist")."""
    db = kitwork_database("stock_reorder", "sale", "product_kit")
    with db.transaction() as env:
        Location, Product, Sale, Move = env["stock.location"], env["product.product"], env["sale.sale"], env["stock.move"]
        warehouse, supplier = Location.warehouse(), Location.by_type("supplier")
        ann, = env["party.party"].create([{"name": "Ann"}])
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        part, flour = Product.create([
            {"name": "A", "default_uom": units["u"], "list_price": Decimal(5)},
            {"name": "Flour", "default_uom": units["kg"], "list_price": Decimal(2)}])
        kit, = Product.create([{"name": "K", "type": "kit", "default_uom": units["u"], "list_price": Decimal(9),
                                "components": [{"product": part.id, "quantity": 2},
                                               {"product": flour.id, "quantity": 500, "unit": units["g"]}]}])
        Move.do(Move.create([{"product": p.id, "quantity": q, "from_location": supplier.id,
                              "to_location": warehouse.storage_location.id} for p, q in ((part, 30), (flour, 3))]))
        made = []
        for lines in ([(kit, 3)], [(part, 2), (kit, 3)]):
            sale, = Sale.create([{"party": ann.id, "lines": [{"product": p.id, "quantity": q} for p, q in lines]}])
            Sale.quote([sale])
            Sale.confirm([sale])
            Sale.process([sale])
            made.append(sale)
        moves = sorted((m.product.name, m.quantity, m.unit.symbol) for s in made for sh in s.shipments for m in sh.moves)
        assert moves == [("A", 2.0, "u"), ("A", 6.0, "u"), ("A", 6.0, "u"),
                         ("Flour", 1500.0, "g"), ("Flour", 1500.0, "g")]
