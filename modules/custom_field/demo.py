"""The demo's custom_field chapter."""


def demo(database, out):
    """A priority defined as data on sales, set on a sale and searched."""
    with database.transaction() as env:
        if "sale.sale" not in env:
            return
        env["custom.field"].create([{"model": "sale.sale", "name": "priority", "type": "selection",
                                     "options": "low\nhigh"}])
        Sale = env["sale.sale"]
        sale = Sale.search([], order=[("id", "ASC")], limit=1)[0]
        Sale.write([sale], {"custom": {"priority": "high"}})
        found = Sale.search([("custom.priority", "=", "high")])
        out.write(f"custom field priority (low/high) on sales: {sale.number} is {sale.custom['priority']}; "
                  f"searching custom.priority = high finds {', '.join(s.number for s in found)}\n")
