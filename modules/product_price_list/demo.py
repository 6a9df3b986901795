"""The demo's product_price_list chapter."""


def demo(database, out):
    """A price-list search with its reasons: a volume price, a discount, a charge, a free product, a category."""
    from decimal import Decimal

    with database.transaction() as env:
        unit = env["product.uom"].search([("symbol", "=", "u")])[0].id
        garden, = env["product.category"].create([{"name": "Garden"}])
        seating, = env["product.category"].create([{"name": "Garden seating", "parent": garden.id}])
        chair, cushion = env["product.product"].create([
            {"name": "Garden chair", "code": "GCHAIR", "default_uom": unit, "list_price": Decimal("100"),
             "cost_price": Decimal("60"), "category": seating.id},
            {"name": "Cushion", "code": "CUSHION", "default_uom": unit, "list_price": Decimal("15")}])
        trade, = env["product.price_list"].create([{"name": "Trade", "lines": [
            {"sequence": 10, "product": chair.id, "min_quantity": 10, "price": Decimal("90"),
             "reason": "volume price", "free_product": cushion.id, "free_quantity": 1, "free_per": 10,
             "discounts": [{"sequence": 1, "type": "discount", "kind": "percentage", "value": Decimal("10"),
                            "reason": "spring promotion"},
                           {"sequence": 2, "type": "charge", "kind": "amount", "value": Decimal("2"),
                            "reason": "handling"}]},
            {"sequence": 20, "category": garden.id, "price_type": "list_price", "price": Decimal("1"),
             "reason": "garden list price", "discounts": [
                 {"type": "discount", "kind": "percentage", "value": Decimal("5"), "reason": "garden season"}]}]}])
        out.write(f"categories: {garden.name} > {seating.name} ({chair.name}); the Trade list gives the whole "
                  f"{garden.name} category 5 %, below its volume price for {chair.name}s\n")
        customer, = env["party.party"].search([("code", "=", "C001")])
        env["party.party"].write([customer], {"sale_price_list": trade.id})
        Sale = env["sale.sale"]
        sale, = Sale.create([{"party": customer.id, "lines": [{"product": chair.id, "quantity": 25},
                                                              {"product": chair.id, "quantity": 9}]}])
        for line in sale.lines:
            steps = "".join(f", {d.type} {d.value.normalize():f}{'%' if d.kind == 'percentage' else ''} ({d.reason}) "
                            f"{'-' if d.type == 'discount' else '+'}{d.amount:.2f}" for d in line.discounts)
            out.write(f"{line.quantity:g} x {line.product.name}: gross {line.gross_price:.2f} ({line.price_reason})"
                      f"{steps} -> net {line.unit_price:.2f}\n")
        out.write(f"price list {trade.name} for {customer.name}; the sale's lines above, and the free ones:\n")
        big = sale.lines[0]
        env["sale.line"].write([big], {"quantity": 35})
        for free in big.free_lines:
            out.write(f"  free: {free.quantity:g} {free.product.name} at {free.unit_price:.2f} ({free.price_reason}), "
                      f"with the line of {big.quantity:g}\n")
        vat = env["account.tax"].search([("name", "=", "VAT 20%")])
        if vat:
            shelf, = env["product.price_list"].create([{"name": "Shop shelf", "tax_included": True, "lines": [
                {"product": cushion.id, "price": Decimal("18"), "reason": "shelf price, VAT included"}]}])
            env["product.product"].write([cushion], {"customer_taxes": [("set", [vat[0].id])]})
            walk_in, = env["sale.sale"].create([{"party": customer.id, "price_list": shelf.id,
                                                 "lines": [{"product": cushion.id, "quantity": 1}]}])
            line = walk_in.lines[0]
            out.write(f"tax-included list {shelf.name}: 18.00 with VAT 20 % -> unit price {line.unit_price:.4f} "
                      f"tax-excluded ({line.price_reason}); total {walk_in.total_amount}\n")
