"""The demo's product_kit chapter."""


from decimal import Decimal


def demo(database, out):
    """A kit quoted, reset to draft, quoted again and shipped; then a desk sold with choices (seed 002)."""
    _kits(database, out)
    _commercial_boms(database, out)


def _kits(database, out):
    """A kit is quoted (exploded), reset to draft (components gone), quoted again, then shipped."""

    with database.transaction() as env:
        Product, Sale = env["product.product"], env["sale.sale"]
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        lamp, = Product.search([("code", "=", "LAMP")])
        bulb, manual = Product.create([
            {"name": "Bulb", "code": "BULB", "default_uom": units["u"], "list_price": Decimal("4"),
             "cost_price": Decimal("1.50")},
            {"name": "Manual", "code": "MAN", "default_uom": units["u"], "list_price": Decimal("1"),
             "cost_price": Decimal("0.20")}])
        kit, = Product.create([{"name": "Reading kit", "code": "KIT", "type": "kit", "default_uom": units["u"],
                                "list_price": Decimal("49"), "components": [
                                    {"product": lamp.id, "quantity": 1},
                                    {"product": bulb.id, "quantity": 2},
                                    {"product": manual.id, "quantity": 1, "fixed": True}]}])
        _kit_cost(env, kit, out)
        customer, = env["party.party"].search([("code", "=", "C001")])
        sale, = Sale.create([{"party": customer.id, "invoice_method": "shipment",
                              "lines": [{"product": kit.id, "quantity": 2}]}])
        line = sale.lines[0]
        Sale.quote([sale])
        out.write(f"quoted {sale.number}: 2 {kit.name} -> "
                  + ", ".join(f"{c.quantity:g} {c.product.name}" for c in line.components) + "\n")
        Sale.draft([sale])
        out.write(f"reset to draft: {len(line.components)} line components left\n")
        env["sale.line"].write([line], {"quantity": 3})
        Sale.quote([sale])
        out.write("quantity changed to 3 and quoted again -> "
                  + ", ".join(f"{c.quantity:g} {c.product.name}" for c in line.components) + "\n")
        if "stock.shipment.out" not in env:
            return
        env["stock.move"].do(env["stock.move"].create([
            {"product": p.id, "quantity": 10, "from_location": env["stock.location"].by_type("supplier").id,
             "to_location": env["stock.location"].warehouse().storage_location.id} for p in (bulb, manual)]))
        available = env["stock.location"].quantities([kit], env["stock.location"].warehouse())[kit.id]
        out.write(f"whole kits the stock allows: {available:g}\n")
        Sale.confirm([sale])
        Sale.process([sale])
        Shipment = env["stock.shipment.out"]
        Shipment.assign(sale.shipments)
        shipment = sale.shipments[0]
        bulbs = next(m for m in shipment.moves if m.product == bulb)
        Shipment.ship([shipment], {bulbs.id: 3})
        out.write(f"shipped 3 of {bulbs.quantity + 3:g} bulbs: {line.quantity_to_invoice:g} kit(s) to invoice, "
                  f"sale {sale.state}; a backorder waits for the rest\n")


def _kit_cost(env, kit, out):
    """A kit costs what its components cost; the margin control checks it (with sale_control)."""
    parts = ", ".join(f"{c.quantity:g} {c.product.name} at {c.product.cost_price:.2f}" for c in kit.components)
    out.write(f"{kit.name} costs {kit.cost_price:.2f}: {parts}\n")
    if "min_margin" not in env["product.product"].fields:
        return
    env["product.product"].write([kit], {"min_margin": Decimal("60")})
    margin = (kit.list_price - kit.cost_price) / kit.list_price * 100
    out.write(f"sold at {kit.list_price:.2f}: margin {margin:.1f} %, below the kit's minimum of 60 %: "
              f"the margin control warns on its lines\n")


def _commercial_boms(database, out):
    """A desk with two commercial alternatives, a choice of top and an optional lamp; an independent BOM line."""
    from core import errors

    with database.transaction() as env:
        Product, Sale, Line = env["product.product"], env["sale.sale"], env["sale.line"]
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        lamp, = Product.search([("code", "=", "LAMP")])
        leg, oak, walnut, frame, drawer = Product.create([
            {"name": name, "code": code, "default_uom": unit.id, "list_price": Decimal(price)}
            for name, code, price in (("Desk leg", "DLEG", "15"), ("Oak top", "OAK", "120"),
                                      ("Walnut top", "WALNUT", "180"), ("Steel frame", "FRAME", "90"),
                                      ("Drawer unit", "DRAWER", "60"))])
        desk, = Product.create([{
            "name": "Office desk", "code": "ODESK", "type": "kit", "default_uom": unit.id,
            "list_price": Decimal("260"), "kit_pricing": "components", "components": [
                {"product": leg.id, "quantity": 4, "bom": "STD"},
                {"product": oak.id, "quantity": 1, "bom": "STD", "kind": "variant", "group": "top"},
                {"product": walnut.id, "quantity": 1, "bom": "STD", "kind": "variant", "group": "top"},
                {"product": lamp.id, "quantity": 1, "bom": "STD", "kind": "option", "group": "extras"},
                {"product": frame.id, "quantity": 1, "bom": "PRO"},
                {"product": oak.id, "quantity": 1, "bom": "PRO", "kind": "variant", "group": "top"},
                {"product": walnut.id, "quantity": 1, "bom": "PRO", "kind": "variant", "group": "top"},
                {"product": drawer.id, "quantity": 1, "bom": "PRO"}]}])
        component = {(c.bom, c.product.code): c.id for c in desk.components}
        customer, = env["party.party"].search([("code", "=", "C001")])
        sale, = Sale.create([{"party": customer.id, "lines": [{"product": desk.id, "quantity": 2}]}])
        line, = sale.lines
        out.write("Office desk: alternatives STD (4 legs) and PRO (steel frame, drawer unit), "
                  "a top in oak or walnut (variant), a lamp (option); priced from its components\n")
        for values in ({}, {"bom": "STD"}):
            Line.write([line], values)
            try:
                Sale.quote([sale])
            except errors.ValidationError as error:
                out.write(f"quote refused: {error}\n")
        Line.write([line], {"choices": [("set", [component["STD", "WALNUT"], component["STD", "LAMP"]])]})
        Sale.quote([sale])
        out.write(f"STD, walnut top, lamp accepted: {line.quantity:g} x {line.unit_price:.2f} -> "
                  + ", ".join(f"{c.quantity:g} {c.product.name} ({c.line_type})" for c in line.components) + "\n")
        Sale.draft([sale])
        Line.write([line], {"bom": "PRO", "choices": [("set", [component["PRO", "OAK"]])]})
        Sale.quote([sale])
        out.write(f"PRO, oak top: {line.quantity:g} x {line.unit_price:.2f} -> "
                  + ", ".join(f"{c.quantity:g} {c.product.name} ({c.line_type})" for c in line.components) + "\n")

        station, = Product.create([{
            "name": "Workstation", "code": "WSTATION", "default_uom": unit.id, "list_price": Decimal("40"),
            "component_lines": "independent", "components": [
                {"product": leg.id, "quantity": 4},
                {"product": oak.id, "quantity": 1, "kind": "variant", "group": "top"},
                {"product": walnut.id, "quantity": 1, "kind": "variant", "group": "top"},
                {"product": lamp.id, "quantity": 1, "kind": "option", "group": "extras"}]}])
        oak_top = next(c.id for c in station.components if c.product == oak)
        order, = Sale.create([{"party": customer.id, "lines": [
            {"product": station.id, "quantity": 2, "choices": [oak_top]}]}])
        show = lambda: "; ".join(f"{l.quantity:g} {l.product.name} ({l.line_type})" for l in order.lines)
        out.write(f"Workstation (a BOM parent, independent lines), created in draft: {show()}\n")
        parent, legs = order.lines[0], order.lines[1]
        Line.write([legs], {"quantity": 10})
        out.write("legs edited to 10 (two spare)\n")
        try:
            Line.write([parent], {"quantity": 3})
        except errors.QuestionError as question:
            out.write(f"quantity 2 -> 3 asks: {question}\n")
        Line.write([parent], {"quantity": 3}, propagate=True)
        out.write(f"answered propagate=True: {show()}\n")
        Sale.quote([order])
        Sale.draft([order])
        out.write(f"quoted and reset to draft, the lines stay: {show()}\n")
        Line.delete([parent], propagate=False)
        out.write(f"workstation line deleted with propagate=False: {show()}\n")
