"""product_kit with product_price_list: kit components priced by the price search.

Child lines need nothing here: they are created as sale lines without a
price, so product_price_list searches each one for its own product and
quantity, as for any line.  What this adds is the search for the
components of a kit priced from its components (``kit_pricing``
``components``): each chosen component is searched for its own product and
quantity, in the sale's price list, and the kit line gets the sum, reason
``kit components`` — unless its price was given by hand.
"""
import datetime

from modules.product_price_list.price_list import Request, search

from .line import KIT_PRICE_REASON as REASON


class SaleLine:
    _name = "sale.line"

    @classmethod
    def component_prices(cls, requests):
        """The price search of each component, in its sale's price list, at the sale's date."""
        if not requests:
            return []
        env = cls.env
        sales = {s.id: s for s in env["sale.sale"].browse({r[0] for r in requests})}
        products = {p.id: p for p in env["product.product"].browse({r[1] for r in requests})}
        searched = search(env, [Request(
            sales[order].price_list.id if sales[order].price_list else None, product, quantity, unit,
            sales[order].sale_date or datetime.date.today(), list(products[product].customer_taxes))
            for order, product, quantity, unit in requests])
        return [price.unit_price for price in searched]

    @classmethod
    def price_kits(cls, kits):
        """Kit lines priced by hand keep their price; the others lose their own discounts and free lines."""
        manual = {line.id for line in cls.browse(list(kits)) if line.price_reason == "manual"}
        kits = {line_id: wanted for line_id, wanted in kits.items() if line_id not in manual}
        priced = super().price_kits(kits)
        lines = cls.browse(priced)
        cls._forget_prices(lines)
        cls.write_rows([{"id": line.id, "gross_price": line.unit_price, "price_reason": REASON,
                         "price_list_line": None} for line in lines])
        return priced
