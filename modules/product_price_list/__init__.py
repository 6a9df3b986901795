"""Price lists (seed 002): what a sale line costs, and why.

When a draft sale line gets its product, quantity or unit (and no price by
hand), the sale's price list is searched: its first matching line by
sequence (a line names a product, a product category and its
subcategories, or any product) gives the gross price and its reason, then
its discounts and charges apply in sequence, each with its reason, giving
the net unit price; it may also earn a free product, put on a line of its
own at price 0 and kept in step with the line that earned it.  A tax-included price list gives
prices with the line's taxes in them, turned tax-excluded.  Without a
matching line the price is the product's list price, reason ``list price``;
a price given by hand has reason ``manual`` and is never searched again.
"""
from .demo import demo
from .price_list import Discount, Party, PriceList, PriceListLine
from .sale import Sale, SaleLine, SaleLineDiscount

__all__ = ["demo", "register"]


def register(module):
    module.add_models(PriceList, PriceListLine, Discount, Party, Sale, SaleLine, SaleLineDiscount)
