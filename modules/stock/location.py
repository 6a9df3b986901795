import datetime

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import chunks

TYPES = [("warehouse", "Warehouse"), ("storage", "Storage"), ("supplier", "Supplier"), ("customer", "Customer"),
         ("lost_found", "Lost and found"), ("view", "View")]
PENDING = ("draft", "waiting", "assigned")


class Location(Model):
    """A place goods can be: a warehouse and its zones, or where they come from and go to.

    Locations nest through ``parent``; what is in a location includes what is
    in its children.
    """

    _name = "stock.location"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128)
    code = fields.Char("Code", size=32, unique=True)
    type = fields.Selection(TYPES, "Type", required=True, default="storage")
    parent = fields.Many2One("stock.location", "Parent", ondelete="restrict")
    children = fields.One2Many("stock.location", "parent", "Children")
    storage_location = fields.Many2One("stock.location", "Storage", help="Of a warehouse: where goods are kept.")
    input_location = fields.Many2One("stock.location", "Input", help="Of a warehouse: where receipts arrive.")
    output_location = fields.Many2One("stock.location", "Output", help="Of a warehouse: where deliveries leave.")

    @classmethod
    def validate(cls, locations):
        super().validate(locations)
        table = cls._table
        parents = dict(cls._env.execute(sa.select(table.c.id, table.c.parent)).all())
        for location in locations:
            seen, node = set(), location.id
            while node is not None:
                if node in seen:
                    raise errors.ValidationError(f"{location.rec_name}: a location cannot be inside itself",
                                                 {"parent": ["Makes the location contain itself."]}, location.rec_name)
                seen.add(node)
                node = parents.get(node)

    @classmethod
    def warehouse(cls):
        """The default warehouse (code WH), or the first one."""
        found = cls.search([("code", "=", "WH")]) or cls.search([("type", "=", "warehouse")], limit=1)
        if not found:
            raise errors.UserError("there is no warehouse: create a stock.location of type warehouse")
        return found[0]

    @classmethod
    def by_type(cls, type_):
        found = cls.search([("type", "=", type_)], limit=1)
        if not found:
            raise errors.UserError(f"there is no stock.location of type {type_}")
        return found[0]

    @classmethod
    def tree_ids(cls, location):
        """The ids of ``location`` and everything inside it (one recursive query)."""
        table = cls._table
        tree = sa.select(table.c.id).where(table.c.id == getattr(location, "id", location)).cte(
            "location_tree", recursive=True)
        child = table.alias("child")
        tree = tree.union_all(sa.select(child.c.id).where(child.c.parent == tree.c.id))
        return list(cls._env.execute(sa.select(tree.c.id)).scalars())

    @classmethod
    def quantities(cls, products, location, date=None, forecast=False):
        """``{product id: quantity}`` in ``location`` and its children, in each product's unit.

        On hand (``forecast=False``): the done moves up to ``date`` (default
        today).  Forecast: the done moves plus the moves still to happen
        planned up to ``date`` (a past date has no forecast: it gives what was
        on hand).  Two queries for any number of products (up to 20,000 a query):
        the locations inside ``location``, then one aggregate over the moves,
        which the ``quantities`` index of ``stock.move`` covers.
        """
        today = datetime.date.today()
        date = date or today
        ids = [getattr(p, "id", p) for p in products]
        result = dict.fromkeys(ids, 0.0)
        moves = cls._env["stock.move"]._table
        inside = cls.tree_ids(location)
        happened = sa.and_(moves.c.state == "done", moves.c.effective_date <= date)
        if forecast and date >= today:
            planned = sa.func.coalesce(moves.c.planned_date, today) <= date
            counted = sa.or_(happened, sa.and_(moves.c.state.in_(PENDING), planned))
        else:
            counted = happened
        incoming = sa.case((moves.c.to_location.in_(inside), moves.c.internal_quantity), else_=0.0)
        outgoing = sa.case((moves.c.from_location.in_(inside), moves.c.internal_quantity), else_=0.0)
        for chunk in chunks(ids, 20000):
            query = (sa.select(moves.c.product, sa.func.sum(incoming) - sa.func.sum(outgoing))
                     .where(moves.c.product.in_(chunk), counted,
                            sa.or_(moves.c.to_location.in_(inside), moves.c.from_location.in_(inside)))
                     .group_by(moves.c.product))
            for product, quantity in cls._env.execute(query):
                result[product] = round(quantity or 0.0, 10)
        return result
