import collections
import datetime
import math
from decimal import Decimal

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import chunks

PRICE = Decimal("0.0001")
HUNDRED = Decimal(100)
DISCOUNT_TYPES = [("discount", "Discount"), ("charge", "Charge")]
DISCOUNT_KINDS = [("percentage", "Percentage"), ("amount", "Amount")]


class PriceList(Model):
    """A list of prices for some customers: lines tried in sequence, the first that matches wins."""

    _name = "product.price_list"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128)
    tax_included = fields.Boolean("Tax included", help="Its prices include the line's taxes.")
    lines = fields.One2Many("product.price_list.line", "price_list", "Lines")


class PriceListLine(Model):
    """A price for a product, a category of products, or any product, from a quantity, between dates, with its reason.

    ``min_quantity`` is compared in the product's unit, whatever the sale
    line's unit, and a break prices every unit of the line.  The price is
    ``price`` itself (``fixed``, per unit of the product) or ``price`` times
    the product's list or cost price.  A category line matches the products
    of that category and of every category below it; at the same sequence a
    product line comes first, then a category line, then a line for any
    product.
    """

    _name = "product.price_list.line"
    _order = (("price_list", "ASC"), ("sequence", "ASC"), ("id", "ASC"))

    price_list = fields.Many2One("product.price_list", "Price list", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", required=True, default=10)
    product = fields.Many2One("product.product", "Product", ondelete="cascade",
                              help="Empty: any product (of the category, when one is given).")
    category = fields.Many2One("product.category", "Category", ondelete="cascade",
                               help="The line prices the products of this category and of its subcategories.")
    min_quantity = fields.Float("Minimum quantity", required=True, default=0.0,
                                help="In the product's unit; the line matches from this quantity on.")
    start_date = fields.Date("From", help="Matches sales dated on or after it.")
    end_date = fields.Date("To", help="Matches sales dated on or before it.")
    price_type = fields.Selection([("fixed", "Fixed price"), ("list_price", "List price"),
                                   ("cost_price", "Cost price")], "Price type", required=True, default="fixed")
    price = fields.Numeric("Price", digits=4, required=True, default=0,
                           help="The fixed price per unit of the product, or the factor of the list or cost price "
                                "(a cost price line is skipped for a product of unknown cost).")
    reason = fields.Char("Reason", size=128, help="Why this price: shown on the sale line.")
    discounts = fields.One2Many("product.price_list.discount", "line", "Discounts and charges")
    free_product = fields.Many2One("product.product", "Free product", ondelete="restrict")
    free_quantity = fields.Float("Free quantity", default=0.0, help="Given for every 'free per' units.")
    free_per = fields.Float("Free per", help="Every so many units (in the product's unit) earn the free quantity.")

    @classmethod
    def write(cls, lines, values):
        """The draft sale lines it priced follow it: searched again, free lines included."""
        super().write(lines, values)
        cls._reprice(cls._priced_lines(lines))

    @classmethod
    def delete(cls, lines):
        """The draft sale lines it priced are searched again without it."""
        priced = cls._priced_lines(lines)
        super().delete(lines)
        cls._reprice(priced)

    @classmethod
    def _priced_lines(cls, lines):
        """The draft sale lines these price-list lines priced, or earned a free line for."""
        SaleLine, ids = cls.env["sale.line"], [line.id for line in lines]
        earned = SaleLine.search([("free_rule", "in", ids), ("sale.state", "=", "draft")])
        return SaleLine.search([("price_list_line", "in", ids), ("sale.state", "=", "draft")]) + [
            line.free_of for line in earned]

    @classmethod
    def _reprice(cls, sale_lines):
        if sale_lines:
            SaleLine = cls.env["sale.line"]
            sale_lines = SaleLine.browse({line.id for line in sale_lines})
            SaleLine.reprice(sale_lines)
            SaleLine.validate(sale_lines)

    @classmethod
    def validate(cls, lines):
        super().validate(lines)
        for line in lines:
            problems = {}
            if line.min_quantity < 0:
                problems["min_quantity"] = ["Cannot be negative."]
            if line.price < 0:
                problems["price"] = ["Cannot be negative."]
            if line.start_date and line.end_date and line.end_date < line.start_date:
                problems["end_date"] = ["Must not be before the start date."]
            if line.product is not None and line.category is not None:
                problems["category"] = ["A line names a product or a category, not both."]
            if line.free_product is not None:
                if not line.free_quantity or line.free_quantity <= 0:
                    problems["free_quantity"] = ["Must be greater than zero with a free product."]
                if not line.free_per or line.free_per <= 0:
                    problems["free_per"] = ["Must be greater than zero with a free product."]
            else:
                if line.free_quantity and line.free_quantity < 0:
                    problems["free_quantity"] = ["Cannot be negative."]
                if line.free_per is not None and line.free_per <= 0:
                    problems["free_per"] = ["Must be greater than zero."]
            if problems:
                detail = "; ".join(f"{n}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid {line.rec_name}: {detail}", problems, line.rec_name)


class Discount(Model):
    """A discount or a charge of a price-list line: a percentage of the running price, or an amount per unit."""

    _name = "product.price_list.discount"
    _order = (("line", "ASC"), ("sequence", "ASC"), ("id", "ASC"))

    line = fields.Many2One("product.price_list.line", "Price-list line", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", required=True, default=10)
    type = fields.Selection(DISCOUNT_TYPES, "Type", required=True, default="discount")
    kind = fields.Selection(DISCOUNT_KINDS, "Kind", required=True, default="percentage")
    value = fields.Numeric("Value", digits=4, required=True,
                           help="A percentage in percent (10 = 10 %, at most 100 for a discount), or an amount "
                                "per unit of the product.")
    reason = fields.Char("Reason", size=128)

    @classmethod
    def validate(cls, discounts):
        super().validate(discounts)
        for discount in discounts:
            if discount.value < 0 or (discount.kind == "percentage" and discount.type == "discount"
                                      and discount.value > HUNDRED):
                limit = "0 to 100" if discount.kind == "percentage" and discount.type == "discount" else "0 or more"
                raise errors.ValidationError(
                    f"invalid {discount.rec_name}: a {discount.kind} {discount.type} of {discount.value}: "
                    f"the value must be {limit}", {"value": [f"Must be {limit}."]}, discount.rec_name)


class Party:
    _name = "party.party"

    sale_price_list = fields.Many2One("product.price_list", "Sale price list", ondelete="set null",
                                      help="The default price list of this customer's sales.")


Request = collections.namedtuple("Request", "price_list product quantity unit date taxes")
Price = collections.namedtuple("Price", "gross unit_price reason discounts free rule")


def search(env, requests):
    """The price of each request (a ``Request``): gross and net price, reason, discounts, free product.

    Set-based: the candidate price-list lines of every request are read in
    one query (per 2,000 products), their discounts in one more; products
    and units come batched through the record cache.  Prices are per unit
    of the request's unit, tax-excluded.
    """
    if not requests:
        return []
    Product, Uom = env["product.product"], env["product.uom"]
    products = {p.id: p for p in Product.browse({r.product for r in requests})}
    units = {u.id: u for u in Uom.browse({r.unit for r in requests})}
    candidates = _candidates(env, {r.price_list for r in requests if r.price_list}, products)
    lists = {pl.id: pl for pl in env["product.price_list"].browse({r.price_list for r in requests if r.price_list})}
    ratios = {}   # (unit, product) -> how many units of the product one unit is
    for request in requests:
        key = (request.unit, request.product)
        if key not in ratios:
            ratios[key] = _ratio(Uom, units[request.unit], products[request.product])
    chosen, skipped = [], []
    for request in requests:
        quantity = request.quantity * ratios[request.unit, request.product]
        rows = candidates.get((request.price_list, request.product), ()) + candidates.get((request.price_list, None), ())
        matching = sorted((row for row in rows if _matches(row, quantity, request.date)), key=_precedence)
        # an unknown cost is never 0 (as for the margin control): a cost-based line cannot price the product
        unknown_cost = products[request.product].cost_price is None
        passed = [row for row in matching if unknown_cost and row.price_type == "cost_price"]
        chosen.append(next((row for row in matching if row not in passed), None))
        skipped.append(passed)
    discounts = _discounts(env, {row.id for row in chosen if row is not None})
    result = []
    for request, row, passed in zip(requests, chosen, skipped):
        product, ratio = products[request.product], Decimal(repr(ratios[request.unit, request.product]))
        if passed:
            _warn_unknown_cost(env, product, passed, row)
        if row is None:
            gross = product.list_price * ratio
            result.append(Price(gross, gross, "list price", [], None, None))
            continue
        base = {"fixed": row.price, "list_price": product.list_price * row.price,
                "cost_price": (product.cost_price or 0) * row.price}[row.price_type]
        gross = Decimal(base) * ratio
        if lists[request.price_list].tax_included:
            gross = _tax_excluded(env, row, product, gross, request.taxes, ratio)
        net, applied = gross, []
        for discount in discounts.get(row.id, ()):
            step = net * discount.value / HUNDRED if discount.kind == "percentage" else discount.value * ratio
            step = step.quantize(PRICE)
            if discount.type == "discount":
                step = min(step, max(net, Decimal(0)))   # what it really takes off: the price stops at zero
            net = net - step if discount.type == "discount" else net + step
            applied.append({"sequence": discount.sequence, "type": discount.type, "kind": discount.kind,
                            "value": discount.value, "reason": discount.reason, "amount": step})
        free = None
        if row.free_product is not None:
            count = math.floor(request.quantity * ratios[request.unit, request.product] / row.free_per + 1e-9)
            if count > 0:
                free = (row.free_product, count * row.free_quantity, row.id)
        result.append(Price(gross.quantize(PRICE), max(net, Decimal(0)).quantize(PRICE),
                            row.reason or "price list", applied, free, row.id))
    return result


def _warn_unknown_cost(env, product, passed, row):
    """Say that the cost-based lines ``passed`` could not price ``product`` (its cost is unknown), and what did."""
    names = ", ".join(repr(line.reason) if line.reason else f"product.price_list.line {line.id}" for line in passed)
    instead = "its list price" if row is None else repr(row.reason) if row.reason else \
        f"product.price_list.line {row.id}"
    env.warn("product_price_list.unknown_cost",
             f"{product.name} has no cost price: price-list line {names} (a factor of the cost price) cannot price "
             f"it and was skipped; priced by {instead} instead — give {product.name} a cost price", product)


_CANDIDATE_COLUMNS = ("id", "price_list", "sequence", "product", "min_quantity", "start_date", "end_date",
                      "price_type", "price", "reason", "free_product", "free_quantity", "free_per", "category")
_Candidate = collections.namedtuple("_Candidate", _CANDIDATE_COLUMNS)


def _candidates(env, price_lists, products):
    """``{(price list, product or None): [rows]}``: the lines that may price ``products`` (``{id: record}``).

    A category line is listed under each product of its category or of a
    category below it, as a line of that product (never under a product of
    a category above it).
    """
    if not price_lists:
        return {}
    table = env["product.price_list.line"].table
    columns = [table.c[name] for name in _CANDIDATE_COLUMNS]
    found, by_category = collections.defaultdict(tuple), collections.defaultdict(dict)
    for chunk in chunks(sorted(products)):
        query = sa.select(*columns).where(table.c.price_list.in_(sorted(price_lists)),
                                          sa.or_(table.c.product.in_(chunk), table.c.product.is_(None)))
        for row in env.execute(query):
            candidate = _Candidate(*row)
            if candidate.category is not None:   # lines for a category come back with every chunk too
                by_category[candidate.category][candidate.id] = candidate
                continue
            key = (candidate.price_list, candidate.product)
            if candidate.product is None and candidate in found[key]:
                continue   # lines for any product come back with every chunk
            found[key] += (candidate,)
    if by_category:
        categories = {p.id: p.category.id for p in products.values() if p.category is not None}
        above = env["product.category"].ancestors(sorted(set(categories.values())))
        for product, category in categories.items():
            for family in above[category]:
                for line in by_category.get(family, {}).values():
                    found[line.price_list, product] += (line,)
    return found


def _precedence(row):
    """The first matching line wins: by sequence, then a product's line, a category's, any product's; then age."""
    return row.sequence, 0 if row.product is not None else 1 if row.category is not None else 2, row.id


def _discounts(env, line_ids):
    table = env["product.price_list.discount"].table
    result = collections.defaultdict(list)
    for chunk in chunks(sorted(line_ids)):
        query = (sa.select(table).where(table.c.line.in_(chunk))
                 .order_by(table.c.line, table.c.sequence, table.c.id))
        for row in env.execute(query):
            result[row.line].append(row)
    return result


def _tax_excluded(env, row, product, price, taxes, ratio):
    """The tax-excluded ``price`` (per unit of the line, ``ratio`` product units) of a tax-included line.

    Refused when its fixed taxes exceed it: the customer would pay more than the price list says.
    """
    excluded = env["account.tax"].excluded(price, taxes, ratio)
    if excluded < 0:
        fixed = ", ".join(f"{tax.name} {tax.amount}" for tax in taxes if tax.type == "fixed")
        where = f"product.price_list.line {row.id}"
        raise errors.ValidationError(
            f"{where} prices {product.rec_name} at {price.quantize(PRICE)} tax included, less than its fixed "
            f"taxes ({fixed}): raise the price or give the sale line a price by hand",
            {"price": ["Less than the fixed taxes it includes."]}, where)
    return excluded


def _matches(row, quantity, date):
    return (quantity >= row.min_quantity - 1e-9 and (row.start_date is None or _date(row.start_date) <= date)
            and (row.end_date is None or date <= _date(row.end_date)))


def _date(value):
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(str(value))


def _ratio(Uom, unit, product):
    """How many units of ``product``'s own unit one ``unit`` is (1 across categories: validation refuses those)."""
    if unit.category.id != product.default_uom.category.id:
        return 1.0
    return Uom.compute_quantity(unit, 1, product.default_uom, round=False)
