"""``kitwork replenish [--dry-run]``: run the reordering scheduler, or show what it would order."""
from core import Database, errors


def replenish(args, out):
    database = Database(args.db)
    if "stock_reorder" not in database.active_modules:
        raise errors.UserError(f"stock_reorder is not active in {database!r}: run 'kitwork activate stock_reorder'")
    with database.transaction() as env:
        Rule = env["stock.reorder.rule"]
        rows = Rule.needs()
        write_report(rows, out)
        if args.dry_run:
            out.write("dry run: nothing ordered\n")
            return
        ordered = Rule.run_scheduler()
        lines = [r for r in ordered if r._name == "purchase.line"]
        moves = [r for r in ordered if r._name == "stock.move"]
        for line in lines:
            out.write(f"ordered: {line.purchase.party.name}, purchase {line.purchase.id} (draft) for "
                      f"{_site(line.purchase.warehouse)}: {line.quantity:g} {line.unit.symbol} {line.product.name}, "
                      f"expected {line.delivery_date}\n")
        for move in moves:
            shipment = move.shipment_internal
            out.write(f"transfer: internal shipment {shipment.id} (draft) {_site(shipment.from_location)} -> "
                      f"{_site(shipment.to_location)}: {move.quantity:g} {move.unit.symbol} {move.product.name}, "
                      f"planned {move.planned_date}\n")
        made = [r for r in ordered if r._name not in ("purchase.line", "stock.move")]   # another route's orders
        for record in made:
            out.write(f"made: {record.rec_name} (draft) for {_site(record.warehouse)}: {record.quantity:g} "
                      f"{record.unit.symbol} {record.product.name}, planned {record.planned_date}\n")
        out.write(f"{len(lines)} purchase line(s) and {len(moves)} transfer move(s) created or increased"
                  + (f", {len(made)} {made[0]._name} made" if made else "") + "\n")


def _site(warehouse):
    return warehouse.code or warehouse.name


def write_report(rows, out):
    """The replenishment report as a table, then the explanation of each line."""
    if not rows:
        out.write("nothing to reorder now\n")
        return
    header = ("product", "warehouse", "on hand", "forecast", "forecasted date", "lead times", "to order",
              "unit price", "amount", "from", "trigger")
    table = [header] + [(
        r["product"].name, _site(r["warehouse"]), f"{r['on_hand']:g}", f"{r['forecast']:g}",
        str(r["forecasted_date"]), "+".join(str(v) for v in r["lead_times"].values()),
        "EXCEPTION" if r["exception"] else f"{r['to_order']:g} {r['unit'].symbol}", _money(r["unit_price"]),
        _money(r["amount"]), _source(r), r["trigger"]) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        out.write("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() + "\n")
    for r in rows:
        out.write(f"- {r['product'].name}: {r['explanation']}\n")
        if r["exception"]:
            out.write(f"  exception: {r['exception']}\n")


def _money(value):
    return "-" if value is None else f"{value:.2f}"


def _source(row):
    if row["route"] == "manufacture":
        return f"make with {row['bom'].name}" if row.get("bom") else "no BOM"
    if row["source_warehouse"] is not None:
        return f"transfer from {_site(row['source_warehouse'])}"
    return row["vendor"].name if row["vendor"] else "no vendor"


def add_arguments(parser):
    parser.add_argument("--dry-run", action="store_true", help="only show the replenishment report")


cli_commands = [("replenish", "run the reordering scheduler (stock_reorder) and print what it ordered, "
                 "or would order with --dry-run", replenish, add_arguments)]
