"""What each type of automation action does, and when it cannot.

One :class:`Kind` per action type of ``sale.automation.action``: its
parameters (fields of the action), the checks made when the action is saved,
its *action condition* (the seed's table: ``can_apply`` says, for a batch of
sales, which cannot take the action now and why) and ``apply``, which does
it for a batch of sales at once through the same operations a user calls,
and says what it did for each.  An ``apply`` raises a ``UserError`` when it
cannot do its work after all: the rule's savepoint then undoes every action
of the rule for those sales.
"""
import collections
import datetime
import decimal

import sqlalchemy as sa

from core import errors

KINDS = {}


class Never(str):
    """A reason the action can never be performed for the sale (it is done or cancelled): no use watching it."""


def closed(sales, what):
    """``{sale id: Never}`` for the done or cancelled ``sales``: ``what`` cannot happen to them any more."""
    return {s.id: Never(f"the sale is {s.state}: {what}") for s in sales if s.state in ("done", "cancelled")}


def kind(name, label):
    def register(cls):
        KINDS[name] = cls(name, label)
        return cls
    return register


def quantity_text(quantity, unit, product):
    return f"{quantity:g} {unit.symbol} {product.name}"


def site(warehouse):
    return warehouse.code or warehouse.name


class Kind:
    """An action type: ``parameters`` it uses, ``required`` ones, and its condition and effect."""

    parameters = ()
    required = ()

    def __init__(self, name, label):
        self.name, self.label = name, label

    def check(self, action):
        """``{field: message}``: what is wrong with the action's parameters beyond their presence."""
        return {}

    def can_apply(self, env, action, sales):
        """``{sale id: reason}`` for the sales the action cannot be applied to now (the others can)."""
        return {}

    def apply(self, env, action, sales):
        """Apply the action to ``sales``; return ``{sale id: what was done}``."""
        raise NotImplementedError


@kind("set_status", "Update status")
class SetStatus(Kind):
    parameters = required = ("status",)

    def can_apply(self, env, action, sales):
        return {s.id: f"the status is already {action.status.name}" for s in sales if s.status == action.status}

    def apply(self, env, action, sales):
        before = {s.id: s.status.name if s.status else "none" for s in sales}
        env["sale.sale"].write(sales, {"status": action.status.id})
        return {i: f"status set to {action.status.name} (was {was})" for i, was in before.items()}


@kind("set_shipping_method", "Update shipping method")
class SetShippingMethod(Kind):
    parameters = required = ("shipping_method",)

    def apply(self, env, action, sales):
        env["sale.sale"].write(sales, {"shipping_method": action.shipping_method.id})
        return {s.id: f"shipping method set to {action.shipping_method.name}" for s in sales}


@kind("set_warehouse", "Update warehouse")
class SetWarehouse(Kind):
    parameters = required = ("warehouse",)

    def check(self, action):
        if action.warehouse.type != "warehouse":
            return {"warehouse": f"{action.warehouse.rec_name} is not a warehouse"}
        return {}

    def apply(self, env, action, sales):
        before = {s.id: (site(s.warehouse), s.state) for s in sales}
        env["sale.sale"].write_unchecked(sales, {"warehouse": action.warehouse.id})
        return {i: f"warehouse set to {site(action.warehouse)} (was {was})"
                   + ("; its shipments keep their warehouse" if state in ("processing", "done") else "")
                for i, (was, state) in before.items()}


class CustomerTag(Kind):
    parameters = required = ("tag",)
    verb = None

    def apply(self, env, action, sales):
        parties = list({s.party for s in sales})
        had = {p.id: action.tag in p.tags for p in parties}
        env["party.party"].write(parties, {"tags": [(self.verb, [action.tag.id])]})
        if self.verb == "add":
            return {s.id: f"customer {s.party.name} " + ("already tagged" if had[s.party.id] else "tagged")
                    + f" {action.tag.name}" for s in sales}
        return {s.id: f"tag {action.tag.name} " + ("removed from" if had[s.party.id] else "was not on")
                + f" customer {s.party.name}" for s in sales}


@kind("tag_customer", "Tag customer")
class TagCustomer(CustomerTag):
    verb = "add"


@kind("untag_customer", "Remove tag from customer")
class UntagCustomer(CustomerTag):
    verb = "remove"


@kind("set_delivery_date", "Update delivery date")
class SetDeliveryDate(Kind):
    """A fixed date, or ``delivery_days`` after the sale date or after today.

    The outgoing moves not yet done (and their shipments) follow the new date.
    """

    parameters = ("delivery_date", "delivery_days", "delivery_from")

    def check(self, action):
        if (action.delivery_date is None) == (action.delivery_days is None):
            return {"delivery_date": "give a delivery date, or a number of days (delivery_days)"}
        if action.delivery_days is not None and action.delivery_from is None:
            return {"delivery_from": "say whether the days count from the sale date or from today"}
        if action.delivery_date is not None and action.delivery_from is not None:
            return {"delivery_from": "only with delivery_days"}
        return {}

    def date_of(self, action, sale):
        if action.delivery_date is not None:
            return action.delivery_date
        start = sale.sale_date if action.delivery_from == "sale_date" else datetime.date.today()
        return start + datetime.timedelta(days=action.delivery_days)

    def apply(self, env, action, sales):
        Sale, Line = env["sale.sale"], env["sale.line"]
        by_date = collections.defaultdict(list)
        for sale in sales:
            by_date[self.date_of(action, sale)].append(sale)
        result = {}
        for date, group in by_date.items():
            Sale.write_unchecked(group, {"delivery_date": date})
            result.update({s.id: f"delivery date set to {date.isoformat()}" for s in group})
        lines = Line.search([("sale", "in", [s.id for s in sales])])
        moves = collections.defaultdict(list)
        for line, line_moves in zip(lines, Line.moves_of(lines)):
            date = self.date_of(action, line.sale)
            moves[date].extend(m for m in line_moves if m.state not in ("done", "cancelled"))
        Move, Shipment = env["stock.move"], env["stock.shipment.out"]
        for date, group in moves.items():
            if group:
                Move.write_unchecked(group, {"planned_date": date})
                shipments = {m.shipment_out for m in group} - {None}
                Shipment.write_unchecked([s for s in shipments if s.state not in ("done", "cancelled")],
                                         {"planned_date": date})
        return result


@kind("add_free_product", "Add free product")
class AddFreeProduct(Kind):
    """A line of ``quantity`` × ``product`` at 0.00; a processing sale's shipment gets its move.

    Condition (the seed's): the product is not stocked (a service), or the
    sale's warehouse has at least that quantity on hand, counting what
    the other sales of the same run take first (oldest sale first).
    """

    parameters = ("product", "quantity")
    required = ("product",)

    def check(self, action):
        if action.product.type not in ("goods", "service"):
            return {"product": f"{action.product.name} is a {action.product.type}: give goods or a service"}
        if action.quantity is None or action.quantity <= 0:
            return {"quantity": "must be greater than zero"}
        return {}

    def can_apply(self, env, action, sales):
        product = action.product
        reasons = closed(sales, "no line can be added")
        sales = [s for s in sales if s.id not in reasons]
        if product.type != "goods":
            return reasons
        stock = env["stock.location"].quantities_by_warehouse([product])[product.id]
        for sale in sorted(sales, key=lambda s: (s.sale_date, s.id)):
            warehouse = sale.warehouse.id
            if stock.get(warehouse, 0.0) + 1e-9 < action.quantity:
                reasons[sale.id] = (f"{stock.get(warehouse, 0.0):g} {product.default_uom.symbol} {product.name} "
                                    f"in stock at {site(sale.warehouse)}, {action.quantity:g} needed")
            else:
                stock[warehouse] -= action.quantity
        return reasons

    def apply(self, env, action, sales):
        product = action.product
        Line = env["sale.line"]
        lines = Line.create_unchecked([{"sale": s.id, "product": product.id, "quantity": action.quantity,
                                        "unit": product.default_uom.id, "unit_price": 0, "sequence": 1000}
                                       for s in sales])
        processing = [line for line in lines if line.sale.state == "processing"]
        if processing:
            ship_lines(env, processing)
        text = f"added {quantity_text(action.quantity, product.default_uom, product)} at 0.00"
        return {s.id: text for s in sales}


def ship_lines(env, lines):
    """Moves for new ``lines`` of processing sales, in each sale's open shipment (or a new one)."""
    Line, Move, Shipment = env["sale.line"], env["stock.move"], env["stock.shipment.out"]
    specs = Line.move_specs(lines)
    if not specs:
        return
    sales = {line.sale.id: line.sale for line in lines}
    open_shipment = {}
    for sale in sales.values():
        shipment = next((s for s in sale.shipments if s.state in ("draft", "waiting", "assigned")), None)
        if shipment is not None:
            open_shipment[sale.id] = shipment
    Move.create_unchecked([{**{k: v for k, v in spec.items() if k != "order"}, "state": "waiting",
                            "shipment_out": open_shipment[spec["order"]].id}
                           for spec in specs if spec["order"] in open_shipment])
    assigned = [s for s in open_shipment.values() if s.state == "assigned"]
    if assigned:
        Shipment.change_state(assigned, "waiting", "wait for")
    new = collections.defaultdict(list)
    for spec in specs:
        if spec["order"] not in open_shipment:
            new[spec.pop("order")].append({**spec, "state": "waiting"})
    if new:
        Shipment.create_unchecked([{"party": sales[i].party.id, "warehouse": sales[i].warehouse.id,
                                    "state": "waiting", "planned_date": moves[0]["planned_date"], "moves": moves}
                                   for i, moves in new.items()])


@kind("create_transfer", "Create warehouse transfer")
class CreateTransfer(Kind):
    """A warehouse transfer of what the sale's goods lines miss in ``to_warehouse``.

    Missing: what the lines still have to ship (in the product's unit) beyond
    the destination's stock on hand, the sales of one run served oldest
    first.  One waiting internal shipment per sale, its moves' origin the
    sale; nothing missing, no transfer (the action is still applied).
    """

    parameters = required = ("from_warehouse", "to_warehouse")

    def can_apply(self, env, action, sales):
        return closed(sales, "nothing left to transfer for it")

    def check(self, action):
        problems = {name: f"{getattr(action, name).rec_name} is not a warehouse"
                    for name in ("from_warehouse", "to_warehouse") if getattr(action, name).type != "warehouse"}
        if not problems and action.from_warehouse == action.to_warehouse:
            problems["to_warehouse"] = "must differ from the warehouse the goods come from"
        return problems

    def apply(self, env, action, sales):
        Line, Uom = env["sale.line"], env["product.uom"]
        lines = [line for line in Line.search([("sale", "in", [s.id for s in sales])]) if line.product.type == "goods"]
        needed = collections.defaultdict(lambda: collections.defaultdict(float))
        for line in lines:
            rest = line.quantity - (line.quantity_shipped or 0.0)
            if rest > 0:
                needed[line.sale.id][line.product] += Uom.compute_quantity(
                    line.unit, rest, line.product.default_uom, round=False)
        products = {p for wanted in needed.values() for p in wanted}
        stock = env["stock.location"].quantities_by_warehouse(products) if products else {}
        destination = action.to_warehouse.id
        shipments, details = [], {}
        for sale in sorted(sales, key=lambda s: (s.sale_date, s.id)):
            moves = []
            for product, quantity in sorted(needed.get(sale.id, {}).items(), key=lambda item: item[0].id):
                available = max(stock[product.id][destination], 0.0)
                missing = Uom.round(quantity - available, product.default_uom.rounding)
                stock[product.id][destination] = available - min(quantity, available)
                if missing > 0:
                    moves.append({"product": product.id, "quantity": missing, "unit": product.default_uom.id,
                                  "state": "waiting", "origin": f"sale.sale,{sale.id}"})
            if moves:
                shipments.append((sale, moves))
            else:
                details[sale.id] = f"nothing missing in {site(action.to_warehouse)}: no transfer"
        made = env["stock.shipment.internal"].create_unchecked([
            {"from_location": action.from_warehouse.id, "to_location": destination, "state": "waiting",
             "planned_date": datetime.date.today(), "moves": moves} for _, moves in shipments])
        for (sale, _), shipment in zip(shipments, made):
            details[sale.id] = (f"transfer {shipment.id} from {site(action.from_warehouse)} to "
                                f"{site(action.to_warehouse)}: "
                                + ", ".join(quantity_text(m.quantity, m.unit, m.product) for m in shipment.moves))
        return details


def without_lines(sales):
    return {s.id: "the sale has no lines" for s in sales if not s.lines}


@kind("invoice", "Invoice order")
class Invoice(Kind):
    """Invoice what the sale has to invoice, post the invoice, and with ``send`` mail its PDF.

    Condition (the seed's): the sale has lines; a sale not confirmed yet,
    with nothing to invoice yet (invoiced on shipment, not shipped), or whose
    customer has no e-mail address when sending, waits too.
    """

    parameters = ("send",)

    def can_apply(self, env, action, sales):
        reasons = without_lines(sales)
        for sale in sales:
            if sale.id in reasons:
                continue
            if sale.state == "cancelled":
                reasons[sale.id] = Never("the sale is cancelled: nothing to invoice")
            elif sale.state not in ("confirmed", "processing", "done"):
                reasons[sale.id] = f"the sale is {sale.state}: only confirmed sales are invoiced"
            elif action.send and not sale.party.email:
                reasons[sale.id] = f"customer {sale.party.name} has no e-mail address to send the invoice to"
        Line = env["sale.line"]
        lines = Line.search([("sale", "in", [s.id for s in sales if s.id not in reasons])])
        due = Line.quantities_to_invoice(lines)
        waiting = {line.sale.id for line in lines} - {line.sale.id for line in lines
                                                      if due[line.id] - line.quantity_invoiced > 1e-9}
        reasons.update({i: "nothing to invoice yet (by its invoice method)" for i in waiting})
        return reasons

    def apply(self, env, action, sales):
        Invoice_ = env["account.invoice"]
        invoices = env["sale.sale"].invoice(sales)
        if invoices:
            Invoice_.post(invoices)
            if action.send:
                env["account.invoice"].send(invoices)
        details = {s.id: "nothing left to invoice" for s in sales}
        for invoice in invoices:
            sale = invoice.lines[0].origin.sale
            details[sale.id] = (f"invoice {invoice.number} posted, {invoice.total_amount}"
                                + (f", sent to {invoice.party.email}" if action.send else ""))
        return details


@kind("set_nominal_code", "Update nominal code")
class SetNominalCode(Kind):
    """The account (nominal code) of the sale's lines: all of them, or with ``only_empty`` those without one.

    Condition (the seed's): the sale has lines.
    """

    parameters = ("account", "only_empty")
    required = ("account",)

    def can_apply(self, env, action, sales):
        return without_lines(sales)

    def apply(self, env, action, sales):
        Line = env["sale.line"]
        lines = Line.search([("sale", "in", [s.id for s in sales])])
        if action.only_empty:
            lines = [line for line in lines if line.account is None]
        Line.write_unchecked(lines, {"account": action.account.id})
        count = collections.Counter(line.sale.id for line in lines)
        return {s.id: f"{count[s.id]} line(s) booked to {action.account.code}" for s in sales}



# -- stock: allocate, fulfil, unallocate, advanced fulfil ----------------------------------------
class Undo(Exception):
    """Leave a savepoint undone: the work inside it was a trial."""


def sale_moves(env, sales, line_domain=()):
    """``{sale id: moves of its lines matching line_domain}`` (every state but cancelled)."""
    Line = env["sale.line"]
    lines = Line.search([("sale", "in", [s.id for s in sales]), *[tuple(c) for c in line_domain]])
    result = {s.id: [] for s in sales}
    for line, moves in zip(lines, Line.moves_of(lines)):
        result[line.sale.id].extend(m for m in moves if m.state != "cancelled")
    return result


def pending(env, sales, reached, line_domain=()):
    """``{sale id: {(product, unit): quantity}}`` of the goods whose moves are not yet in a ``reached`` state."""
    result = {}
    for sale_id, moves in sale_moves(env, sales, line_domain).items():
        waiting = collections.defaultdict(float)
        for move in moves:
            if move.state not in reached:
                waiting[(move.product, move.unit)] += move.quantity
        result[sale_id] = waiting
    return result


def listing(quantities):
    return ", ".join(quantity_text(q, unit, product) for (product, unit), q in
                     sorted(quantities.items(), key=lambda item: (item[0][0].id, item[0][1].id)) if q > 1e-9)


def progress(before, after):
    return {key: quantity - after.get(key, 0.0) for key, quantity in before.items()}


class StockKind(Kind):
    """An action reserving or shipping a sale's goods.

    Its condition is a trial: the very operation runs on the whole batch in
    a savepoint (oldest sale first, sharing the stock as the real run will),
    what it achieved for each sale is read, and the savepoint is undone —
    exactly what the operation can do now, kits and alternative warehouse
    included.
    """

    def mode(self, action):
        """``(reached, verb, past)``: the move states once the action did its work, and its words."""
        raise NotImplementedError

    def whole(self, action):
        """Whether the action must handle every open item of the sale (else: anything is progress)."""
        return not action.partial

    def line_domain(self, action):
        return ()

    def where(self, action, sale):
        return site(sale.warehouse)

    def perform(self, env, action, sales):
        raise NotImplementedError

    def can_apply(self, env, action, sales):
        reached, verb, _ = self.mode(action)
        reasons = {s.id: f"the sale is {s.state}: only processing sales have goods to {verb}"
                   for s in sales if s.state != "processing"}
        reasons.update(closed(sales, f"nothing left to {verb}"))
        candidates = [s for s in sales if s.id not in reasons]
        before = pending(env, candidates, reached, self.line_domain(action))
        for sale in candidates:
            if not any(q > 1e-9 for q in before[sale.id].values()):
                reasons[sale.id] = f"nothing left to {verb}"
        candidates = [s for s in candidates if s.id not in reasons]
        if not candidates:
            return reasons
        try:
            with env.atomic():
                self.perform(env, action, candidates)
                after = pending(env, candidates, reached, self.line_domain(action))
                failing = [s for s in candidates if self.judge(action, s, before[s.id], after[s.id])]
                if failing and self.whole(action):   # what is really short, once the others took theirs
                    after.update(self.shortages(env, action, failing))
                for sale in failing:
                    reasons[sale.id] = (self.judge(action, sale, before[sale.id], after[sale.id])
                                        or f"cannot {verb} it whole at {self.where(action, sale)} now")
                raise Undo
        except Undo:
            pass
        except errors.UserError as exc:
            reasons.update({s.id: str(exc) for s in candidates})
        return reasons

    def shortages(self, env, action, sales):
        """``{sale id: {(product, unit): quantity}}``: what the sales lack (inside a trial; may change things)."""
        return {}

    def judge(self, action, sale, before, after):
        """Why the outcome does not do: the sale not handled whole, or not at all; None if it does."""
        if self.whole(action):
            if any(q > 1e-9 for q in after.values()):
                return f"not enough stock at {self.where(action, sale)}: {listing(after)} short"
        elif not any(q > 1e-9 for q in progress(before, after).values()):
            return f"no stock at {self.where(action, sale)} for {listing(before)}"
        return None

    def apply(self, env, action, sales):
        reached, verb, past = self.mode(action)
        before = pending(env, sales, reached, self.line_domain(action))
        self.perform(env, action, sales)
        after = pending(env, sales, reached, self.line_domain(action))
        details = {}
        for sale in sales:
            reason = self.judge(action, sale, before[sale.id], after[sale.id])
            if reason:
                raise errors.UserError(f"cannot {verb} {sale.rec_name}: {reason}")
            rest = listing(after[sale.id])
            details[sale.id] = f"{past} {listing(progress(before[sale.id], after[sale.id]))}" + (
                f"; {rest} still to {verb}" if rest else "")
        return details


class AllocateOrFulfil(StockKind):
    parameters = ("partial", "alternative_warehouse")
    reached = verb = past = None

    def mode(self, action):
        return self.reached, self.verb, self.past

    def check(self, action):
        if action.alternative_warehouse is not None and action.alternative_warehouse.type != "warehouse":
            return {"alternative_warehouse": f"{action.alternative_warehouse.rec_name} is not a warehouse"}
        return {}

    def where(self, action, sale):
        return site(sale.warehouse) + (f" or {site(action.alternative_warehouse)}"
                                       if action.alternative_warehouse is not None else "")

    def shortages(self, env, action, sales):
        env["sale.sale"].allocate(sales, partial=True, alternative_warehouse=action.alternative_warehouse)
        return pending(env, sales, ("assigned", "done"))

    def perform(self, env, action, sales):
        getattr(env["sale.sale"], self.verb)(sales, partial=action.partial,
                                            alternative_warehouse=action.alternative_warehouse)


@kind("allocate", "Allocate stock")
class Allocate(AllocateOrFulfil):
    """Reserve the sale's goods (``Sale.allocate``): whole, or with ``partial`` what is available.

    Condition (the seed's): the order has items that can be allocated now.
    """

    reached = ("assigned", "done")
    verb, past = "allocate", "allocated"


@kind("fulfil", "Fulfil order")
class Fulfil(AllocateOrFulfil):
    """Allocate and ship the sale's goods (``Sale.fulfil``): whole, or with ``partial`` what is available.

    Condition (the seed's): the order has items that can be fulfilled now.
    """

    reached = ("done",)
    verb, past = "fulfil", "shipped"


@kind("advanced_fulfil", "Advanced fulfilment")
class AdvancedFulfil(StockKind):
    """The sale's lines matching ``line_domain`` only: ``ship`` what is available now, or ``allocate`` it.

    Condition: some of those lines' goods are available now.  Shipping
    leaves the other lines' goods on a backorder shipment, waiting (as any
    partial shipment does).
    """

    parameters = required = ("line_domain", "method")

    def check(self, action):
        if not isinstance(action.line_domain, list):
            return {"line_domain": "must be a domain over sale.line: a list of [field, operator, value]"}
        try:
            action.env["sale.line"].sql_where([tuple(c) if isinstance(c, list) else c for c in action.line_domain])
        except errors.UserError as exc:
            return {"line_domain": f"not a valid domain over sale.line: {exc}"}
        return {}

    def mode(self, action):
        if action.method == "ship":
            return ("done",), "ship", "shipped"
        return ("assigned", "done"), "allocate", "allocated"

    def whole(self, action):
        return False

    def line_domain(self, action):
        return action.line_domain

    def perform(self, env, action, sales):
        Move, Shipment = env["stock.move"], env["stock.shipment.out"]
        selected = [m for moves in sale_moves(env, sales, action.line_domain).values() for m in moves
                    if m.state in ("draft", "waiting", "assigned")]
        Move.assign_try([m for m in selected if m.state != "assigned"])
        selected = Move.browse([m.id for m in selected])
        shipments = {m.shipment_out for m in selected} - {None}
        if action.method == "ship":
            chosen = {m.id for m in selected}
            ready = [s for s in shipments if any(m.id in chosen and m.state == "assigned" for m in s.moves)]
            for shipment in ready:   # only the chosen lines' reserved goods leave; the rest waits on a backorder
                Shipment.ship([shipment], {m.id: (m.quantity if m.id in chosen else 0)
                                           for m in shipment.moves if m.state == "assigned"})
        else:
            complete = [s for s in shipments if s.state in ("draft", "waiting")
                        and all(m.state in ("assigned", "done", "cancelled") for m in s.moves)]
            if complete:
                Shipment.change_state(complete, "assigned", "allocate")


@kind("unallocate", "Unallocate stock")
class Unallocate(Kind):
    """Release what the sale's goods reserve (``Sale.unallocate``); only processing sales have reservations."""

    def can_apply(self, env, action, sales):
        return {**{s.id: f"the sale is {s.state}: only processing sales hold stock"
                   for s in sales if s.state != "processing"}, **closed(sales, "it holds no stock")}

    def apply(self, env, action, sales):
        before = pending(env, sales, ("draft", "waiting", "done"))
        env["sale.sale"].unallocate(sales)
        return {s.id: f"released {listing(before[s.id])}" if before[s.id] else "nothing was allocated"
                for s in sales}


# -- custom fields ------------------------------------------------------------------------------
@kind("set_custom_field", "Update custom field")
class SetCustomField(Kind):
    """Set a custom field of the sale, or of its customer (a ``party.party`` field), to ``value``;
    or, for a number, add ``increment`` to it (an empty value counts as 0).
    """

    parameters = ("custom_field", "value", "increment")
    required = ("custom_field",)

    def check(self, action):
        from modules.custom_field.values import to_sql_value
        definition = action.custom_field
        if definition.model not in ("sale.sale", "party.party"):
            return {"custom_field": f"{definition.model}.{definition.name} is neither a sale's nor a contact's field"}
        if (action.value is None) == (action.increment is None):
            return {"value": "give a value, or an increment for a number"}
        if action.increment is not None:
            if definition.type not in ("integer", "numeric"):
                return {"increment": f"{definition.name} is a {definition.type} field: only numbers increase"}
            if definition.type == "integer" and action.increment != int(action.increment):
                return {"increment": f"{definition.name} holds whole numbers"}
            return {}
        try:
            to_sql_value(definition, action.value)
        except ValueError as exc:
            return {"value": f"{action.value!r:.80} does not fit {definition.name}: {exc}"}
        return {}

    def apply(self, env, action, sales):
        """Set the value once per record; add ``increment`` once per sale (three sales of a customer: three).

        An increment reads the current values after locking the records, so
        that concurrent transactions incrementing the same customer take
        turns and none loses the other's addition.
        """
        definition = action.custom_field
        name = definition.name
        on_party = definition.model == "party.party"
        Model = env[definition.model]
        owner = (lambda s: s.party.id) if on_party else (lambda s: s.id)
        whose = "customer's " if on_party else ""
        ids = sorted({owner(s) for s in sales})
        if action.increment is None:
            Model.write(Model.browse(ids), {"custom": {name: action.value}})
            return {s.id: f"{whose}{name} set to {action.value}" for s in sales}
        step = int(action.increment) if definition.type == "integer" else action.increment
        values = locked_values(Model, ids, definition)
        details = {}
        for sale in sales:
            values[owner(sale)] += step
            details[sale.id] = f"{whose}{name} set to {values[owner(sale)]}"
        groups = collections.defaultdict(list)
        for record_id, value in values.items():
            groups[value].append(record_id)
        for value, group in groups.items():
            Model.write(Model.browse(group), {"custom": {name: value}})
        return details


def locked_values(Model, ids, definition):
    """``{id: number}``: the custom number ``definition`` of the records ``ids`` (empty: 0), locked first and
    read from the database, not from what this transaction read before."""
    Model.lock(ids)
    table = Model.table
    values = {}
    for start in range(0, len(ids), 1000):
        for record_id, document in Model.env.execute(
                sa.select(table.c.id, table.c.custom).where(table.c.id.in_(ids[start:start + 1000]))):
            value = (document or {}).get(definition.name)
            if value is None:
                value = 0
            values[record_id] = int(value) if definition.type == "integer" else decimal.Decimal(str(value))
    return values


# -- purchases ----------------------------------------------------------------------------------
@kind("create_purchase", "Create purchase order")
class CreatePurchase(Kind):
    """Buy the sale's goods (``Sale.create_purchase``): from ``vendor``, else each product's first supplier;
    to the sale's warehouse, or with ``drop_ship`` straight from the supplier to the customer.

    What a purchase already buys for a line is not bought again.  A goods
    line whose product has no supplier, without a vendor, keeps the sale
    waiting (the operation's own refusal, nothing bought).
    """

    parameters = ("vendor", "drop_ship")

    def can_apply(self, env, action, sales):
        reasons = {s.id: f"the sale is {s.state}: only confirmed or processing sales are bought for"
                   for s in sales if s.state not in ("confirmed", "processing")}
        reasons.update(closed(sales, "nothing left to buy"))
        for sale in sales:
            if sale.id not in reasons and not any(line.product.type != "service" for line in sale.lines):
                reasons[sale.id] = "the sale has no goods to buy"
        return reasons

    def apply(self, env, action, sales):
        env["sale.sale"].create_purchase(sales, vendor=action.vendor, drop_ship=action.drop_ship)
        origins = {}
        for line in env["sale.line"].search([("sale", "in", [s.id for s in sales])]):
            origins[f"sale.line,{line.id}"] = line.sale.id
            for component in getattr(line, "components", None) or ():
                origins[f"{component._name},{component.id}"] = line.sale.id
        bought = collections.defaultdict(list)
        PurchaseLine = env["purchase.line"]
        for line in PurchaseLine.search([("origin", "in", list(origins))]) if origins else ():
            if line.purchase.state != "cancelled":
                bought[origins[f"{line.origin._name},{line.origin.id}"]].append(line)
        how = "drop-shipped" if action.drop_ship else "bought"
        return {s.id: "; ".join(f"{how} {quantity_text(line.quantity, line.unit, line.product)} from "
                                f"{line.purchase.party.name} (purchase {line.purchase.id}, {line.purchase.state})"
                                for line in bought[s.id]) or "nothing left to buy" for s in sales}
