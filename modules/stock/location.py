import datetime
from decimal import Decimal

import sqlalchemy as sa

from core import Model, errors, fields
from core.api import expose
from core.model import chunks

CENT = Decimal("0.01")

TYPES = [("warehouse", "Warehouse"), ("storage", "Storage"), ("supplier", "Supplier"), ("customer", "Customer"),
         ("lost_found", "Lost and found"), ("view", "View")]
PENDING = ("draft", "waiting", "assigned")
ZONES = (("storage_location", "Storage", "STO"), ("input_location", "Input", "IN"),
         ("output_location", "Output", "OUT"))


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
    lost_found_location = fields.Many2One(
        "stock.location", "Lost and found",
        help="Of a warehouse: where what a stock count finds missing goes, and what it finds in excess comes from "
             "(outside the warehouse).")

    @classmethod
    def _create(cls, vlist):
        """A new warehouse gets the zones it is not given, so it is usable at once."""
        locations = super()._create(vlist)
        warehouses = [w for w in locations if w.type == "warehouse"
                      and any(getattr(w, field) is None for field, _, _ in ZONES)]
        if warehouses:
            wanted = [(w, field, {"name": name, "type": "storage", "parent": w.id,
                                  "code": f"{w.code}-{suffix}" if w.code else None})
                      for w in warehouses for field, name, suffix in ZONES if getattr(w, field) is None]
            zones = super()._create([values for _, _, values in wanted])
            cls.write_rows([{"id": w.id, **{field: zone.id for (owner, field, _), zone in zip(wanted, zones)
                                             if owner == w}} for w in warehouses])
        lacking = [w for w in locations if w.type == "warehouse" and w.lost_found_location is None]
        if lacking:   # outside the warehouse: what moves there leaves its stock
            found = super()._create([{"name": f"{w.name} lost and found", "type": "lost_found",
                                      "code": f"{w.code}-LOST" if w.code else None} for w in lacking])
            cls.write_rows([{"id": w.id, "lost_found_location": place.id} for w, place in zip(lacking, found)])
        return locations

    @classmethod
    def validate(cls, locations):
        super().validate(locations)
        table = cls.table
        parents = dict(cls.env.execute(sa.select(table.c.id, table.c.parent)).all())
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
    def warehouses(cls):
        """Every warehouse, by name."""
        return cls.search([("type", "=", "warehouse")])

    @classmethod
    def by_type(cls, type_):
        found = cls.search([("type", "=", type_)], limit=1)
        if not found:
            raise errors.UserError(f"there is no stock.location of type {type_}")
        return found[0]

    @classmethod
    def tree_ids(cls, location):
        """The ids of ``location`` and everything inside it (one recursive query)."""
        table = cls.table
        tree = sa.select(table.c.id).where(table.c.id == getattr(location, "id", location)).cte(
            "location_tree", recursive=True)
        child = table.alias("child")
        tree = tree.union_all(sa.select(child.c.id).where(child.c.parent == tree.c.id))
        return list(cls.env.execute(sa.select(tree.c.id)).scalars())

    @classmethod
    def warehouse_locations(cls):
        """``{warehouse id: [ids of the locations inside it, itself included]}`` of every warehouse.

        One query over the locations (a few hundred at most); the trees are
        walked here, so that stock queries can tell a location's warehouse with
        a plain ``CASE`` instead of joining a recursive query to every move.
        """
        table = cls.table
        children, warehouses = {}, []
        for id_, parent, type_, name in cls.env.execute(
                sa.select(table.c.id, table.c.parent, table.c.type, table.c.name).order_by(table.c.name, table.c.id)):
            children.setdefault(parent, []).append(id_)
            if type_ == "warehouse":
                warehouses.append(id_)
        result = {}
        for warehouse in warehouses:
            inside, todo = [], [warehouse]
            while todo:
                node = todo.pop()
                inside.append(node)
                todo.extend(children.get(node, ()))
            result[warehouse] = inside
        return result

    @staticmethod
    def warehouse_of(column, warehouses):
        """SQL: the warehouse (of ``warehouses``, see ``warehouse_locations``) holding the location in ``column``."""
        if not warehouses:
            return sa.null()
        return sa.case(*((column.in_(inside), warehouse) for warehouse, inside in warehouses.items()), else_=None)

    @classmethod
    def _counted(cls, moves, date, forecast):
        """The condition on ``stock.move`` rows counted at ``date`` (see ``quantities``)."""
        today = datetime.date.today()
        happened = sa.and_(moves.c.state == "done", moves.c.effective_date <= date)
        if forecast and date >= today:
            planned = sa.func.coalesce(moves.c.planned_date, today) <= date
            return sa.or_(happened, sa.and_(moves.c.state.in_(PENDING), planned))
        return happened

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
        date = date or datetime.date.today()
        ids = [getattr(p, "id", p) for p in products]
        result = dict.fromkeys(ids, 0.0)
        moves = cls.env["stock.move"].table
        inside = cls.tree_ids(location)
        counted = cls._counted(moves, date, forecast)
        incoming = sa.case((moves.c.to_location.in_(inside), moves.c.internal_quantity), else_=0.0)
        outgoing = sa.case((moves.c.from_location.in_(inside), moves.c.internal_quantity), else_=0.0)
        for chunk in chunks(ids, 20000):
            query = (sa.select(moves.c.product, sa.func.sum(incoming) - sa.func.sum(outgoing))
                     .where(moves.c.product.in_(chunk), counted,
                            sa.or_(moves.c.to_location.in_(inside), moves.c.from_location.in_(inside)))
                     .group_by(moves.c.product))
            for product, quantity in cls.env.execute(query):
                result[product] = round(quantity or 0.0, 10)
        return result

    @classmethod
    def quantities_by_warehouse(cls, products, date=None, forecast=False):
        """``{product id: {warehouse id: quantity}}``: the stock by site, every warehouse present.

        The same counting as :meth:`quantities`, for every warehouse at once:
        the warehouses' locations, then one aggregate of the moves by the
        warehouse they leave and the one they enter (a move inside one
        warehouse counts for nothing).
        """
        date = date or datetime.date.today()
        ids = [getattr(p, "id", p) for p in products]
        warehouses = cls.warehouse_locations()
        result = {i: dict.fromkeys(warehouses, 0.0) for i in ids}
        moves = cls.env["stock.move"].table
        everywhere = [i for inside in warehouses.values() for i in inside]
        entered = cls.warehouse_of(moves.c.to_location, warehouses).label("entered")
        left = cls.warehouse_of(moves.c.from_location, warehouses).label("left")
        for chunk in chunks(ids, 20000):
            query = (sa.select(moves.c.product, entered, left, sa.func.sum(moves.c.internal_quantity))
                     .where(moves.c.product.in_(chunk), cls._counted(moves, date, forecast),
                            sa.or_(moves.c.to_location.in_(everywhere), moves.c.from_location.in_(everywhere)))
                     .group_by(moves.c.product, entered, left))
            for product, into, out_of, quantity in cls.env.execute(query):
                if into != out_of:
                    if into is not None:
                        result[product][into] += quantity or 0.0
                    if out_of is not None:
                        result[product][out_of] -= quantity or 0.0
        return {p: {w: round(q, 10) for w, q in by_site.items()} for p, by_site in result.items()}

    @classmethod
    @expose("read", records=False, warehouse=fields.Many2One("stock.location", "Warehouse"),
            date=fields.Date("Date"))
    def valuation(cls, warehouse=None, date=None):
        """What the stock is worth: ``[{"product", "warehouse", "quantity", "cost_price", "value"}]``.

        One row per product and warehouse holding some (on hand at ``date``,
        default today; every warehouse, or ``warehouse`` only), by product
        name; ``value`` is the quantity at the product's current cost price,
        None when the cost is unknown.  One aggregate query over the done
        moves, whatever their number.
        """
        date = date or datetime.date.today()
        warehouses = cls.warehouse_locations()
        if warehouse is not None:
            warehouse = cls._a_warehouse(warehouse)
            warehouses = {warehouse.id: warehouses[warehouse.id]}
        if not warehouses:
            return []
        Product = cls.env["product.product"]
        moves, products = cls.env["stock.move"].table, Product.table
        everywhere = [i for inside in warehouses.values() for i in inside]
        entered = cls.warehouse_of(moves.c.to_location, warehouses)
        left = cls.warehouse_of(moves.c.from_location, warehouses)
        query = (sa.select(moves.c.product, entered, left, sa.func.sum(moves.c.internal_quantity))
                 .where(moves.c.state == "done", moves.c.effective_date <= date,
                        sa.or_(moves.c.to_location.in_(everywhere), moves.c.from_location.in_(everywhere)))
                 .group_by(moves.c.product, entered, left))
        totals = {}
        for product, into, out_of, quantity in cls.env.execute(query):
            if into == out_of:
                continue
            for site, sign in ((into, 1), (out_of, -1)):
                if site is not None:
                    totals[product, site] = totals.get((product, site), 0.0) + sign * (quantity or 0.0)
        held = {key: round(quantity, 10) for key, quantity in totals.items() if abs(quantity) > 1e-9}
        if not held:
            return []
        records = {p.id: p for p in Product.browse(sorted({product for product, _ in held}))}
        sites = {w.id: w for w in cls.browse(sorted({site for _, site in held}))}
        rows = []
        for (product, site), quantity in sorted(held.items(), key=lambda item: (records[item[0][0]].name,
                                                                               item[0][0], sites[item[0][1]].name)):
            cost = records[product].cost_price
            value = None if cost is None else (Decimal(repr(quantity)) * cost).quantize(CENT)
            rows.append({"product": records[product], "warehouse": sites[site], "quantity": quantity,
                         "cost_price": cost, "value": value})
        return rows

    @classmethod
    def _a_warehouse(cls, warehouse):
        found = cls.search([("id", "=", getattr(warehouse, "id", warehouse)), ("type", "=", "warehouse")])
        if not found:
            raise errors.UserError(f"stock valuation: {warehouse!r} is not a warehouse (a stock.location of type "
                                   f"warehouse)")
        return found[0]
