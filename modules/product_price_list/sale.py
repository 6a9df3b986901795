"""Sales priced from price lists: the search on draft lines, its reasons, discounts and free lines."""
import datetime
from decimal import Decimal

from core import Model, errors, fields

from .price_list import DISCOUNT_KINDS, DISCOUNT_TYPES, Request, search

REPRICING = {"product", "quantity", "unit"}
FOLLOWING = REPRICING | {"unit_price"}   # what a free line takes from the line that earned it
UNSEARCHED = Decimal(0)   # stands for the price the search will give, so none is computed before it


class Sale:
    _name = "sale.sale"

    price_list = fields.Many2One("product.price_list", "Price list", ondelete="restrict",
                                 help="Default: the customer's sale price list.")

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        wanted = [v for v in vlist if v.get("price_list") is None and v.get("party") is not None]
        if not wanted:
            return vlist
        parties = {p.id: p for p in cls.env["party.party"].browse({getattr(v["party"], "id", v["party"])
                                                                    for v in wanted})}
        listed = {}
        for values in wanted:
            price_list = parties[getattr(values["party"], "id", values["party"])].sale_price_list
            if price_list is not None:
                listed[id(values)] = {**values, "price_list": price_list.id}
        return [listed.get(id(values), values) for values in vlist]

    @classmethod
    def write(cls, sales, values):
        """The ``lines`` actions may not change or delete free lines by hand either (see ``SaleLine.write``)."""
        actions = values.get("lines") if isinstance(values, dict) else None
        if isinstance(actions, (list, tuple)):
            Line = cls.env["sale.line"]
            for action in actions:
                if not (isinstance(action, (list, tuple)) and len(action) >= 2 and isinstance(action[1], list)
                        and action[0] in ("write", "delete")):
                    continue   # the core's input check refuses what is malformed
                ids = [i for i in action[1] if isinstance(i, int) and not isinstance(i, bool)]
                lines = Line.browse(Line.search([("id", "in", ids)]))
                if action[0] == "write" and len(action) == 3:
                    Line.check_free(lines, action[2])
                elif action[0] == "delete":
                    Line.check_free(lines)
        super().write(sales, values)

    @classmethod
    def _write(cls, sales, values):
        """A new price list or date re-prices the draft lines the price lists priced."""
        super()._write(sales, values)
        if {"price_list", "sale_date"} & set(values):
            Line = cls.env["sale.line"]
            domain = [("sale", "in", [s.id for s in sales if s.state == "draft"])]
            Line.reprice(Line.search(domain))
            Line.validate(Line.search(domain))   # their rules hold for the new prices (free lines may have gone)


class SaleLine:
    _name = "sale.line"

    gross_price = fields.Numeric("Gross price", digits=4, readonly=True,
                                 help="The price before discounts and charges, tax-excluded.")
    price_reason = fields.Char("Price reason", size=128, readonly=True,
                               help="Why this gross price: the price-list line's reason, 'list price' or 'manual'.")
    discounts = fields.One2Many("sale.line.discount", "line", "Discounts and charges", readonly=True)
    free_of = fields.Many2One("sale.line", "Free with", readonly=True, ondelete="cascade",
                              help="The line whose quantity earned this free product.")
    price_list_line = fields.Many2One("product.price_list.line", "Priced by", readonly=True, ondelete="set null",
                                      help="The price-list line whose price the line has; changing it re-prices "
                                           "the draft lines it priced.")
    free_rule = fields.Many2One("product.price_list.line", "Earned by", readonly=True, ondelete="set null")
    free_lines = fields.One2Many("sale.line", "free_of", "Free lines", readonly=True)

    @classmethod
    def _complete(cls, vlist):
        searched = [v.get("unit_price") is None and v.get("free_of") is None for v in vlist]
        # the search prices these: no default price to compute for them first
        vlist = super()._complete([{**v, "unit_price": UNSEARCHED} if search_it and v.get("product") is not None
                                   else v for v, search_it in zip(vlist, searched)])
        vlist = [v if search_it or v.get("free_of") is not None or v.get("price_reason") is not None
                 or v.get("unit_price") is None
                 else {**v, "gross_price": v["unit_price"], "price_reason": "manual"}   # a price by hand
                 for v, search_it in zip(vlist, searched)]
        wanted = [v for v, search_it in zip(vlist, searched) if search_it and v.get("product") is not None
                  and v.get("sale") is not None and v.get("quantity") is not None]
        kept = {id(v) for v in wanted}   # a line that cannot be searched gets no stand-in price
        vlist = [{**v, "unit_price": None} if v.get("unit_price") is UNSEARCHED and id(v) not in kept else v
                 for v in vlist]
        if not wanted:
            return vlist
        env = cls.env
        sales = {s.id: s for s in env["sale.sale"].browse({getattr(v["sale"], "id", v["sale"]) for v in wanted})}
        taxes = {t.id: t for t in env["account.tax"].browse({t for v in wanted for t in v.get("taxes") or ()})}
        requests = []
        for values in wanted:
            sale = sales[getattr(values["sale"], "id", values["sale"])]
            requests.append(Request(sale.price_list.id if sale.price_list else None,
                                    getattr(values["product"], "id", values["product"]), values["quantity"],
                                    values["unit"], sale.sale_date or datetime.date.today(),
                                    [taxes[t] for t in values.get("taxes") or ()]))
        priced = {id(values): {**values, **_priced(values, price)} for values, price in
                  zip(wanted, search(env, requests))}
        return [priced.get(id(values), values) for values in vlist]

    @classmethod
    def write(cls, lines, values, *args, **kwargs):
        """A free line's product, quantity, unit and price follow the line that earned it, not the user."""
        cls.check_free(lines, values)
        super().write(lines, values, *args, **kwargs)

    @classmethod
    def delete(cls, lines, *args, **kwargs):
        """A free line goes with the line that earned it, not on its own."""
        cls.check_free(lines)
        super().delete(lines, *args, **kwargs)

    @classmethod
    def check_free(cls, lines, values=None):
        """Refuse to change (``values``) or, without values, delete a free line by hand.

        A free line deleted together with the line that earned it is fine.
        """
        if values is not None:
            if isinstance(values, dict) and FOLLOWING & set(values):
                cls._refuse_free([line for line in lines if line.free_of is not None], "changed")
            return
        doomed = {line.id for line in lines}
        cls._refuse_free([line for line in lines if line.free_of is not None and line.free_of.id not in doomed],
                         "deleted")

    @classmethod
    def _refuse_free(cls, lines, what):
        if lines:
            line = lines[0]
            raise errors.AccessError(
                f"{line.rec_name} ({line.product.name}) is free with {line.free_of.rec_name} and cannot be {what} "
                f"by hand: it follows that line's quantity; change that line, or give it a price by hand "
                f"(unit_price) to drop its free products")

    @classmethod
    def _write(cls, lines, values):
        """A price by hand becomes the line's, reason ``manual``; a new product, quantity or unit re-prices.

        The new price is searched before the values are written, so that the
        line's rules (sale controls) are checked once, on the new price.
        """
        if "unit_price" in values:
            cls.write_rows([{"id": line.id, "gross_price": values["unit_price"], "price_reason": "manual",
                             "price_list_line": None} for line in lines if line.free_of is None])
            cls._forget_prices(lines)
        elif REPRICING & set(values):
            cls.reprice(lines, values)
        super()._write(lines, values)

    @classmethod
    def reprice(cls, lines, values=None):
        """Search again the price of the draft ``lines`` the price lists priced (not by hand, not free).

        ``values``: the product, quantity or unit about to be written on them.
        """
        lines = [line for line in lines if line.sale.state == "draft" and line.free_of is None
                 and line.price_reason != "manual"]
        if not lines:
            return
        env, values = cls.env, values or {}
        Uom = env["product.uom"]
        new_unit = getattr(values.get("unit"), "id", values.get("unit"))
        rounding = {u.id: u.rounding for u in Uom.browse({new_unit} - {None} | {line.unit.id for line in lines})}
        requests = []
        for line in lines:
            unit = new_unit or line.unit.id
            quantity = values.get("quantity", line.quantity)
            if quantity is not None and "quantity" in values:
                quantity = Uom.round(quantity, rounding[unit])
            requests.append(Request(line.sale.price_list.id if line.sale.price_list else None,
                                    getattr(values.get("product"), "id", values.get("product")) or line.product.id,
                                    quantity, unit, line.sale.sale_date, list(line.taxes)))
        if any(r.quantity is None or r.product is None for r in requests):
            return   # the write is incomplete; its checks will say so
        prices = search(env, requests)
        cls._forget_prices(lines)
        rows, discounts, free = [], [], []
        for line, price in zip(lines, prices):
            values = _priced({"sale": line.sale.id, "sequence": line.sequence}, price)
            rows.append({"id": line.id, "unit_price": values["unit_price"], "gross_price": values["gross_price"],
                         "price_reason": values["price_reason"], "price_list_line": values["price_list_line"]})
            discounts += [{**d, "line": line.id} for d in values.get("discounts", ())]
            free += [{**f, "free_of": line.id} for f in values.get("free_lines", ())]
        cls.write_rows(rows)
        env["sale.line.discount"].create_unchecked(discounts)
        cls.create_unchecked(free)

    @classmethod
    def _forget_prices(cls, lines):
        """Drop what the last search gave ``lines``: discounts and free lines."""
        ids = [line.id for line in lines]
        cls.env["sale.line.discount"].delete_where([("line", "in", ids)])
        cls.delete_where([("free_of", "in", ids)])


def _priced(values, price):
    """The values a searched ``price`` gives a line: prices, reason, discounts, free line."""
    result = {"gross_price": price.gross, "unit_price": price.unit_price, "price_reason": price.reason,
              "price_list_line": price.rule}
    if price.discounts:
        result["discounts"] = price.discounts
    if price.free is not None:
        product, quantity, rule = price.free
        result["free_lines"] = [{"sale": getattr(values["sale"], "id", values["sale"]), "product": product,
                                 "quantity": quantity, "unit_price": 0, "gross_price": 0, "free_rule": rule,
                                 "price_reason": f"free ({price.reason})", "sequence": values.get("sequence", 10)}]
    return result


class SaleLineDiscount(Model):
    """A discount or charge the price search applied to a sale line, per unit of the line."""

    _name = "sale.line.discount"
    _order = (("line", "ASC"), ("sequence", "ASC"), ("id", "ASC"))

    line = fields.Many2One("sale.line", "Line", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", required=True, default=10)
    type = fields.Selection(DISCOUNT_TYPES, "Type", required=True)
    kind = fields.Selection(DISCOUNT_KINDS, "Kind", required=True)
    value = fields.Numeric("Value", digits=4, required=True, help="In percent, or an amount per unit.")
    reason = fields.Char("Reason", size=128)
    amount = fields.Numeric("Amount", digits=4, required=True, help="What it took off (or added) per unit.")

    @classmethod
    def create(cls, vlist):
        """Only the price search makes them: one by hand would not be in the line's net price."""
        raise errors.AccessError(
            f"{cls._name} records are made by the price search of their sale line, not by hand; give the line "
            f"a price by hand (unit_price) or change the price list instead")

    @classmethod
    def write(cls, discounts, values):
        """They are the record of how the search reached the line's price: changing one would belie it."""
        raise errors.AccessError(
            f"{cls._name} records show how the price search reached their line's price and cannot be changed; "
            f"give the line a price by hand (unit_price) or change the price list instead")

    @classmethod
    def delete(cls, discounts):
        """They go with their line, or when the line is priced again."""
        raise errors.AccessError(
            f"{cls._name} records cannot be deleted by hand: they go when their line is priced again or deleted; "
            f"give the line a price by hand (unit_price) to drop them")
