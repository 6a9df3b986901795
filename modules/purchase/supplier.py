import bisect
import collections
import datetime

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_

Choice = collections.namedtuple("Choice", "own preferred")
Price = collections.namedtuple("Price", "unit_price reason")
_COLUMNS = ("id", "product", "party", "sequence", "lead_time", "min_quantity", "unit_price", "start_date", "end_date")


class ProductSupplier(Model):
    """A supplier of a product: what it charges, from which quantity, since and until when, and how fast it delivers.

    A product's suppliers are tried in sequence: the first valid at the
    purchase date is the one bought from.  Records of one supplier may
    overlap in time (a new price list from the first of the month, the old
    one not closed yet): the first by sequence wins.
    """

    _name = "purchase.product_supplier"
    _order = (("sequence", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True, ondelete="cascade")
    party = fields.Many2One("party.party", "Supplier", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10,
                              help="The first supplier valid at the date is the one bought from.")
    lead_time = fields.Integer("Lead time (days)", required=True, default=0, min=0, max=3650)
    unit_price = fields.Numeric("Unit price", digits=4,
                                help="In the product's default unit; below every price break (or without any).")
    min_quantity = fields.Float("Minimum quantity", required=True, default=0.0,
                                help="The least it sells, in the product's unit: replenishment orders are raised "
                                     "to it.")
    start_date = fields.Date("From", help="Valid from this purchase date on (included); empty: always was.")
    end_date = fields.Date("To", help="Valid until this purchase date (included); empty: no end.")
    prices = fields.One2Many("purchase.product_supplier.price", "supplier", "Price breaks",
                             help="Quantity breaks: the last at or below the quantity bought gives the price.")

    @classmethod
    def validate(cls, suppliers):
        super().validate(suppliers)
        for supplier in suppliers:
            problems = {}
            for name in ("lead_time", "min_quantity", "unit_price"):
                if (getattr(supplier, name) or 0) < 0:
                    problems[name] = ["Cannot be negative."]
            if supplier.start_date and supplier.end_date and supplier.end_date < supplier.start_date:
                problems["end_date"] = ["Must not be before the start date."]
            if problems:
                detail = "; ".join(f"{n} {getattr(supplier, n)}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"{supplier.rec_name} of {supplier.product.name}: {detail}",
                                             problems, supplier.rec_name)

    def valid_at(self, date):
        """Whether this record may be bought from at ``date`` (its validity dates are inclusive)."""
        return (self.start_date is None or self.start_date <= date) and (self.end_date is None or date <= self.end_date)

    # -- who supplies, and at what price ---------------------------------------------------
    @classmethod
    def choose(cls, requests):
        """For each ``(product id, party id or None, date)`` a ``Choice`` of supplier rows (or None).

        ``own``: the party's first record by sequence valid at the date (no
        party: the product's first valid record) — its lead time and minimum
        are the party's.  ``preferred``: ``own``, else the product's first
        valid record, whose price a purchase from a party without record of
        its own takes.  Set-based: per date and batch of products, one query
        returns each product's first valid record and those of the parties
        asked for, nothing else.
        """
        by_date = {}
        for position, (_, _, date) in enumerate(requests):
            by_date.setdefault(date, []).append(position)
        result = [None] * len(requests)
        for date, positions in by_date.items():
            candidates = cls._candidates({requests[i][0] for i in positions},
                                         {requests[i][1] for i in positions} - {None}, date)
            for position in positions:
                product, party, _ = requests[position]
                valid = candidates.get(product, ())
                first = valid[0] if valid else None
                own = first if party is None else next((row for row in valid if row.party == party), None)
                result[position] = Choice(own, own or first)
        return result

    @classmethod
    def price(cls, rows, quantities):
        """For each supplier row (or None) and quantity in the product's unit, a ``Price`` per product unit.

        The last price break at or below the quantity, else the row's own
        unit price; ``Price(None, None)`` when neither applies (the caller
        falls back to the cost price).  The breaks of every row are read in
        one query per batch of rows.
        """
        breaks = cls.env["purchase.product_supplier.price"].breaks({row.id for row in rows if row is not None})
        result = []
        for row, quantity in zip(rows, quantities):
            steps = breaks.get(row.id) if row is not None else None
            position = bisect.bisect_right(steps[0], (quantity or 0.0) + 1e-9) if steps else 0
            if position:
                result.append(Price(steps[1][position - 1], f"supplier price from {steps[0][position - 1]:g}"))
            elif row is not None and row.unit_price is not None:
                result.append(Price(row.unit_price, "supplier price"))
            else:
                result.append(Price(None, None))
        return result

    @classmethod
    def preferred(cls, products, parties, date=None):
        """For each (product, party) the supplier record to buy from at ``date`` (default today), or None.

        The product's supplier that is that party if there is one valid at
        the date, else its first valid supplier.
        """
        date = date or datetime.date.today()
        choices = cls.choose([(product.id, getattr(party, "id", party), date)
                              for product, party in zip(products, parties)])
        records = {r.id: r for r in cls.browse({c.preferred.id for c in choices if c.preferred is not None})}
        return [records[c.preferred.id] if c.preferred is not None else None for c in choices]

    @classmethod
    def _candidates(cls, products, parties, date):
        """``{product id: [rows]}``: of ``products``, the first record valid at ``date`` and those of ``parties``.

        Valid records only, in sequence; one query per batch of products,
        the first of each product picked by the database (a window).
        """
        env, table = cls.env, cls.table
        valid = sa.and_(sa.or_(table.c.start_date.is_(None), table.c.start_date <= date),
                        sa.or_(table.c.end_date.is_(None), table.c.end_date >= date))
        rank = sa.func.row_number().over(partition_by=table.c.product, order_by=(table.c.sequence, table.c.id))
        found = {}
        for batch in batches(env, sorted(products)):
            ranked = (sa.select(*(table.c[name] for name in _COLUMNS), rank.label("rank"))
                      .where(in_(table.c.product, batch), valid).subquery())
            wanted = ranked.c.rank == 1
            if parties:
                wanted = sa.or_(wanted, in_(ranked.c.party, sorted(parties)))
            query = (sa.select(*(ranked.c[name] for name in _COLUMNS)).where(wanted)
                     .order_by(ranked.c.product, ranked.c.sequence, ranked.c.id))
            for row in env.execute(query):   # rows read by name: id, product, party, lead_time, …
                found.setdefault(row.product, []).append(row)
        return found


class SupplierPrice(Model):
    """A supplier's quantity break: from ``min_quantity`` (in the product's unit) on, each unit costs ``unit_price``."""

    _name = "purchase.product_supplier.price"
    _order = (("supplier", "ASC"), ("min_quantity", "ASC"), ("id", "ASC"))

    supplier = fields.Many2One("purchase.product_supplier", "Supplier", required=True, ondelete="cascade")
    min_quantity = fields.Float("From quantity", required=True, default=0.0, help="In the product's unit.")
    unit_price = fields.Numeric("Unit price", digits=4, required=True, help="Per unit of the product.")

    @classmethod
    def validate(cls, prices):
        """No negative quantity or price; one price per quantity of a supplier (one query per batch)."""
        super().validate(prices)
        for price in prices:
            problems = {name: ["Cannot be negative."] for name in ("min_quantity", "unit_price")
                        if getattr(price, name) < 0}
            if problems:
                cls._refuse(price, problems)
        env, table = cls.env, cls.table
        for batch in batches(env, sorted({price.supplier.id for price in prices})):
            twice = env.execute(
                sa.select(sa.func.min(table.c.id)).where(in_(table.c.supplier, batch))
                .group_by(table.c.supplier, table.c.min_quantity).having(sa.func.count() > 1).limit(1)).scalar()
            if twice is not None:
                cls._refuse(cls.browse([twice])[0], {"min_quantity": ["Another break of the supplier has it."]})

    @classmethod
    def _refuse(cls, price, problems):
        supplier = price.supplier
        detail = "; ".join(f"{name} {getattr(price, name)}: {messages[0]}"
                           for name, messages in sorted(problems.items()))
        raise errors.ValidationError(
            f"{price.rec_name} of {supplier.party.name} for {supplier.product.name}: {detail}",
            problems, price.rec_name)

    @classmethod
    def breaks(cls, suppliers):
        """``{supplier id: ([min quantities], [unit prices])}``, ascending (one query per batch)."""
        env, table = cls.env, cls.table
        found = {}
        for batch in batches(env, sorted(suppliers)):
            query = (sa.select(table.c.supplier, table.c.min_quantity, table.c.unit_price)
                     .where(in_(table.c.supplier, batch)).order_by(table.c.supplier, table.c.min_quantity))
            for supplier, minimum, price in env.execute(query):
                steps = found.setdefault(supplier, ([], []))
                steps[0].append(minimum)
                steps[1].append(price)
        return found


class Product:
    _name = "product.product"

    product_suppliers = fields.One2Many("purchase.product_supplier", "product", "Suppliers")

    @classmethod
    def check_unit_category_change(cls, products):
        """Purchase lines count products in units of their category: it stays while they do."""
        super().check_unit_category_change(products)
        cls.env["purchase.line"].refuse_unit_category_change(products)
