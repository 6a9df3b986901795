"""``kitwork stock value [--warehouse CODE] [--date D]``: what the stock is worth."""
import datetime
from decimal import Decimal

from core import Database, errors


def stock(args, out):
    database = Database(args.db)
    if "stock" not in database.active_modules:
        raise errors.UserError(f"stock is not active in {database!r}: run 'kitwork activate stock'")
    with database.transaction() as env:
        Location = env["stock.location"]
        warehouse = None
        if args.warehouse is not None:
            found = Location.search([("code", "=", args.warehouse), ("type", "=", "warehouse")])
            if not found:
                codes = ", ".join(w.code or w.name for w in Location.warehouses())
                raise errors.UserError(f"no warehouse coded {args.warehouse!r} (warehouses: {codes})")
            warehouse = found[0]
        date = _date(args.date) if args.date is not None else None
        write_valuation(Location.valuation(warehouse=warehouse, date=date), out)


def write_valuation(rows, out):
    """One line per product (its quantity and value summed over the warehouses), then the total."""
    by_product = {}
    for row in rows:
        quantity, value, unknown = by_product.get(row["product"], (0.0, Decimal(0), False))
        by_product[row["product"]] = (quantity + row["quantity"], value + (row["value"] or 0),
                                      unknown or row["value"] is None)
    if not by_product:
        out.write("no stock\n")
        return
    table = [("product", "quantity", "value")] + [
        (product.name, f"{quantity:g} {product.default_uom.symbol}",
         "unknown cost" if unknown and not value else f"{value:.2f}" + (" + unknown cost" if unknown else ""))
        for product, (quantity, value, unknown) in by_product.items()]
    widths = [max(len(row[i]) for row in table) for i in range(3)]
    for row in table:
        out.write(f"{row[0].ljust(widths[0])}  {row[1].rjust(widths[1])}  {row[2].rjust(widths[2])}\n".rstrip()
                  + "\n")
    total = sum((value for _, value, _ in by_product.values()), Decimal(0))
    out.write(f"total value: {total:.2f}\n")


def _date(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise errors.UserError(f"--date {text!r} is not a date (YYYY-MM-DD)") from None


def add_arguments(parser):
    parser.add_argument("action", choices=["value"], help="value: the stock's quantity and value per product")
    parser.add_argument("--warehouse", metavar="CODE", help="one warehouse only (default: every warehouse)")
    parser.add_argument("--date", metavar="YYYY-MM-DD", help="on hand at that date (default: today)")


cli_commands = [("stock", "stock value: what the stock is worth, per product (--warehouse CODE, --date D)",
                 stock, add_arguments)]
