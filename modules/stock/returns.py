"""Returns: goods coming back from a customer, or going back to a supplier.

A return order (``create_return``) is a new draft order of the same party
and warehouse whose lines carry negative quantities, each naming the line
it returns (``returned_from``).  Processing it makes a return shipment
whose moves run the other way: customer → warehouse
(``stock.shipment.out.return``, received) or warehouse → supplier
(``stock.shipment.in.return``, shipped).  A line never returns more than
its original line moved, all its returns together.
"""
import collections

from core import Model, errors, fields, transition

from .shipment import CustomerSupplierShipment, Shipment


class ShipmentOutReturn(CustomerSupplierShipment, Model):
    """Goods a customer sends back, received into the warehouse."""

    _name = "stock.shipment.out.return"
    _move_field = "shipment_out_return"
    _transitions = Shipment._transitions | {("draft", "done")}

    party = fields.Many2One("party.party", "Customer", required=True)
    moves = fields.One2Many("stock.move", "shipment_out_return", "Moves")

    @classmethod
    @transition("done")
    def receive(cls, shipments, quantities=None):
        """Receive the moves (``quantities``: move id -> quantity received); the rest is backordered."""
        cls._check_open(shipments, "receive", ("draft", "waiting"))
        return cls._finish(shipments, quantities, lambda move: True)


class ShipmentInReturn(CustomerSupplierShipment, Model):
    """Goods sent back to a supplier from the warehouse: shipped without reserving them first."""

    _name = "stock.shipment.in.return"
    _move_field = "shipment_in_return"
    _transitions = Shipment._transitions | {("draft", "done")}

    party = fields.Many2One("party.party", "Supplier", required=True)
    moves = fields.One2Many("stock.move", "shipment_in_return", "Moves")

    @classmethod
    @transition("done")
    def ship(cls, shipments, quantities=None):
        """Ship the moves (``quantities``: move id -> quantity shipped); the rest is backordered."""
        cls._check_open(shipments, "ship", ("draft", "waiting", "assigned"))
        return cls._finish(shipments, quantities, lambda move: True)


def returned_from_field(line_model):
    return fields.Many2One(line_model, "Returned from", readonly=True, ondelete="restrict",
                           help="The line whose goods this (negative) line brings back.")


class ReturnOrder:
    """Extension mixin of an order with stock: ``create_return`` and its return shipments.

    ``_return_shipment_model`` is the shipment a return order makes.
    """

    _return_shipment_model = None

    @classmethod
    def create_return(cls, orders, quantities=None):
        """New draft orders bringing back what ``orders`` moved; return them.

        ``quantities``: ``{line id: quantity coming back}`` (positive, in the
        line's unit); lines not named are not returned.  Default: everything
        moved and not returned yet.  More than that is a ValidationError, and
        nothing is created.
        """
        with cls.env.atomic():
            orders = cls._orders_of(orders)
            cls.lock(orders)
            Line = cls.env[cls.fields["lines"].target]
            lines = [line for order in orders for line in order.lines]
            wanted = cls._return_quantities(Line, orders, lines, quantities)
            vlist = []
            for order in orders:
                returned = [(line, wanted[line.id]) for line in order.lines if wanted.get(line.id, 0) > 0]
                if returned:
                    vlist.append({**cls._return_values(order), "returned_from": order.id,
                                  "lines": [Line.return_values(line, quantity) for line, quantity in returned]})
            if not vlist:
                raise errors.UserError(f"nothing to return of {', '.join(o.rec_name for o in orders)}: nothing "
                                       f"moved that is not returned already")
            return cls.create_unchecked(vlist)   # returned_from is read-only: the system sets it

    @classmethod
    def _orders_of(cls, orders):
        """``orders`` (records or ids) as existing records; anything else is a UserError before anything."""
        if isinstance(orders, (str, bytes, dict)) or not hasattr(orders, "__iter__"):
            raise errors.UserError(f"{cls._name}.create_return: expected a list of orders or ids, got {orders!r:.80}")
        ids = [getattr(o, "id", o) if getattr(o, "_name", cls._name) == cls._name else None for o in orders]
        bad = next((o for o, i in zip(orders, ids) if type(i) is not int or not 0 < i < 2 ** 63), None)
        if bad is not None:
            raise errors.UserError(f"{cls._name}.create_return: expected a {cls._name} or its id, got {bad!r:.80}")
        ids = list(dict.fromkeys(ids))
        found = {o.id: o for o in cls.search([("id", "in", ids)])} if ids else {}
        missing = [i for i in ids if i not in found]
        if missing:
            raise errors.UserError(f"{cls._name}.create_return: no {cls._name} with id {missing[0]}")
        return [found[i] for i in ids]

    @classmethod
    def _return_values(cls, order):
        """What a return order copies of ``order``: party, warehouse, invoice method and addresses."""
        return {name: getattr(getattr(order, name), "id", getattr(order, name))
                for name in ("party", "warehouse", "invoice_method", "invoice_address", "shipment_address")
                if name in cls.fields}

    @classmethod
    def _return_quantities(cls, Line, orders, lines, quantities):
        """``{line id: quantity to return}``, checked: positive, of these orders' lines, at most what is left."""
        left = Line.returnable(lines)
        if quantities is None:
            return left
        if not hasattr(quantities, "items"):
            raise errors.UserError(f"{cls._name}.create_return: quantities must map line ids to quantities, "
                                   f"not {type(quantities).__name__}")
        by_id = {line.id: line for line in lines}
        result = {}
        for key, quantity in quantities.items():
            line_id = getattr(key, "id", key)
            if line_id not in by_id:
                raise errors.UserError(f"{cls._name}.create_return: {key!r} is not a line of "
                                       f"{', '.join(o.rec_name for o in orders)}")
            if isinstance(quantity, bool) or not isinstance(quantity, (int, float)) or not quantity > 0 \
                    or quantity != quantity or quantity == float("inf"):
                raise errors.ValidationError(
                    f"{by_id[line_id].rec_name}: {quantity!r} is not a quantity to return (a number above zero: "
                    f"how many come back)", {"quantities": ["Must be above zero."]}, by_id[line_id].rec_name)
            if quantity > left[line_id] + 1e-9:
                line = by_id[line_id]
                raise errors.ValidationError(
                    f"{line.rec_name} ({line.product.name}): cannot return {quantity:g}, only {left[line_id]:g} "
                    f"{line.unit.symbol} moved and not returned yet", {"quantities": ["More than was moved."]},
                    line.rec_name)
            result[line_id] = float(quantity)
        return result

    @classmethod
    def get_shipment_returns(cls, orders, name):
        return cls.shipments_of(orders, cls.env[cls._return_shipment_model]._move_field)


class ReturnLine:
    """Extension mixin of an order line with stock: return lines (negative, naming the line they return).

    ``_moved_field`` is the line's quantity moved (shipped, received).
    """

    _moved_field = None

    @classmethod
    def quantity_refused(cls, table):
        """A return line's quantity is below zero; the others' above."""
        import sqlalchemy as sa
        return sa.case((table.c.returned_from.is_(None), table.c.quantity <= 0), else_=table.c.quantity >= 0)

    @classmethod
    def _refuse(cls, line):
        if line.returned_from is not None and line.quantity >= 0:
            raise errors.ValidationError(
                f"{line.rec_name}: a return line's quantity is below zero (the goods coming back), not "
                f"{line.quantity:g}", {"quantity": ["Must be below zero."]}, line.rec_name)
        super()._refuse(line)

    @classmethod
    def return_values(cls, line, quantity):
        """A return line of ``quantity`` of ``line``: same product, unit, price, taxes and account."""
        values = {"product": line.product.id, "quantity": -quantity, "unit": line.unit.id,
                  "unit_price": line.unit_price, "sequence": line.sequence, "returned_from": line.id}
        for name in ("taxes", "account", "bom", "choices"):
            if name in cls.fields:
                value = getattr(line, name)
                values[name] = [v.id for v in value] if isinstance(value, (list, tuple)) \
                    else getattr(value, "id", value)
        return values

    @classmethod
    def returnable(cls, lines):
        """``{line id: what it moved less what its returns (not cancelled) bring back}``, in the line's unit."""
        moved = getattr(cls, cls.fields[cls._moved_field].getter)(lines, cls._moved_field)
        returned = collections.defaultdict(float)
        for other in cls.search([("returned_from", "in", [line.id for line in lines])]) if lines else ():
            if getattr(other, cls._parent_field).state != "cancelled":
                returned[other.returned_from.id] -= other.quantity
        return {line.id: max(moved[line.id] - returned[line.id], 0.0) for line in lines}

    @classmethod
    def validate(cls, lines):
        """Return lines return their original's product, in its unit, and never more than it moved."""
        super().validate(lines)
        returns = [line for line in lines if line.returned_from is not None]
        if not returns:
            return
        originals = list({line.returned_from for line in returns})
        moved = getattr(cls, cls.fields[cls._moved_field].getter)(originals, cls._moved_field)
        back = collections.defaultdict(float)
        for other in cls.search([("returned_from", "in", [o.id for o in originals])]):
            if getattr(other, cls._parent_field).state != "cancelled":
                back[other.returned_from.id] -= other.quantity
        for line in returns:
            original = line.returned_from
            if (line.product, line.unit) != (original.product, original.unit):
                raise errors.ValidationError(
                    f"{line.rec_name}: it returns {original.rec_name}, so its product and unit are "
                    f"{original.product.name} in {original.unit.symbol}", {"product": ["Must be the original's."]},
                    line.rec_name)
            if back[original.id] > moved[original.id] + 1e-9:
                raise errors.ValidationError(
                    f"{line.rec_name}: {original.rec_name} ({original.product.name}) moved {moved[original.id]:g} "
                    f"{original.unit.symbol}, and its returns bring back {back[original.id]:g}",
                    {"quantity": ["Returns exceed what was moved."]}, line.rec_name)
