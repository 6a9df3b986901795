import datetime
import math
from decimal import Decimal

import sqlalchemy as sa

from core import Model, errors, expose, fields
from core.model import chunks
from modules.product.product import refuse_unit_category_change
from modules.purchase.purchase import priced_by_supplier

from . import forecast

CENT = Decimal("0.01")


class Configuration(Model):
    """The module's settings: one record, created at activation."""

    _name = "stock.reorder.configuration"

    security_days = fields.Integer("Purchase security lead time (days)", required=True, default=0, min=0, max=3650)
    days_to_purchase = fields.Integer("Days to purchase", required=True, default=0, min=0, max=3650,
                                      help="How long buying takes before the supplier's lead time starts.")

    @classmethod
    def get(cls):
        return cls.search([], limit=1)[0]

    @classmethod
    def lock(cls):
        """Serialize replenishment: a second scheduler waits, then sees what the first ordered."""
        table = cls.table
        cls.env.execute(table.update().values(security_days=table.c.security_days))


class Product:
    _name = "product.product"

    supply_on_sale = fields.Boolean(
        "Supply on sale", help="Make to order: confirming a sale of it buys the same quantity from its supplier.")

    @classmethod
    def check_unit_category_change(cls, products):
        """A rule's minimum, maximum and multiple are in the product's unit: its category stays while rules exist."""
        super().check_unit_category_change(products)
        refuse_unit_category_change(cls.env["stock.reorder.rule"], products, unit_field=None,
                                    describe=lambda rule: f"{rule.rec_name} in {rule.warehouse.name}")


class Purchase:
    _name = "purchase.purchase"

    drop_ship = fields.Boolean("Drop ship", help="The supplier delivers straight to the customer, "
                                                 "not to the warehouse.")
    customer = fields.Many2One("party.party", "Customer", ondelete="restrict",
                               help="Of a drop-ship purchase: who receives the goods.")

    @classmethod
    def validate(cls, purchases):
        super().validate(purchases)
        for purchase in purchases:
            if purchase.drop_ship and purchase.customer is None:
                raise errors.ValidationError(f"{purchase.rec_name}: a drop-ship purchase needs the customer "
                                             f"it delivers to", {"customer": ["Required for a drop ship."]},
                                             purchase.rec_name)


class PurchaseLine:
    _name = "purchase.line"

    reorder_explanation = fields.Text("Why it was ordered", readonly=True)

    @classmethod
    def move_locations(cls, purchases):
        """A drop-ship purchase's goods go from the supplier to the customer: the warehouse never holds them."""
        result = super().move_locations(purchases)
        dropped = [p for p in purchases if p.drop_ship]
        if dropped:
            customer = cls.env["stock.location"].by_type("customer")
            for purchase in dropped:
                result[purchase.id] = (result[purchase.id][0], customer)
        return result


class Move:
    _name = "stock.move"

    reorder_explanation = fields.Text("Why it was ordered", readonly=True)


ROUTES = [("buy", "Buy"), ("transfer", "Transfer")]


class Rule(Model):
    """Keep a product's forecast in a warehouse between ``min_quantity`` and ``max_quantity``.

    The route says how: ``buy`` from the vendor, or ``transfer`` from another
    warehouse (``source_warehouse``), whose own forecast then carries the
    demand — so its rules refill it in turn.
    """

    _name = "stock.reorder.rule"
    _order = (("product", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True, ondelete="cascade")
    warehouse = fields.Many2One("stock.location", "Warehouse", required=True)
    min_quantity = fields.Float("Minimum", required=True, default=0.0)
    max_quantity = fields.Float("Maximum", required=True, default=0.0)
    multiple = fields.Float("Multiple", required=True, default=1.0, help="Order in multiples of it.")
    trigger = fields.Selection([("auto", "Auto"), ("manual", "Manual")], "Trigger", required=True, default="auto")
    route = fields.Selection(ROUTES, "Route",
                             help="How to replenish; empty: transfer when a source warehouse is set, else buy.")
    vendor = fields.Many2One("party.party", "Vendor", help="Default: the product's first supplier.")
    source_warehouse = fields.Many2One("stock.location", "Source warehouse", ondelete="restrict",
                                       help="Of a transfer rule: the warehouse the goods come from.")
    transfer_lead_time = fields.Integer("Transfer lead time (days)", required=True, default=0, min=0, max=3650,
                                        help="Of a transfer rule: how long goods take between the warehouses.")
    visibility_days = fields.Integer("Visibility days", required=True, default=0, min=0, max=3650)
    horizon_days = fields.Integer("Horizon days", required=True, default=0, min=0, max=3650)
    active = fields.Boolean("Active", required=True, default=True,
                            help="An archived rule (not active) is left out of the report and the scheduler.")
    snoozed_until = fields.Date("Snoozed until", help="The report and the scheduler skip the rule before this date.")

    @classmethod
    def default_warehouse(cls):
        return cls.env["stock.location"].warehouse().id

    @property
    def supply_route(self):
        return supply_route(self.route, self.source_warehouse)

    @classmethod
    def _check_input(cls, vlist, creating, parent_field=None):
        """A rule is snoozed until today or later: a date already past would snooze nothing."""
        checked = super()._check_input(vlist, creating, parent_field)
        for (label, _), values in zip(vlist, checked):
            _refuse_past_snooze(f"{cls._name} ({label})", values.get("snoozed_until"))
        return checked

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            where = f"{rule.rec_name} ({rule.product.name})"
            problems = {}
            if rule.min_quantity > rule.max_quantity:
                problems["max_quantity"] = ["Must not be below the minimum."]
            if rule.multiple <= 0:
                problems["multiple"] = ["Must be greater than zero."]
            if rule.product.type != "goods":
                problems["product"] = ["Only goods can be reordered."]
            for name in ("visibility_days", "horizon_days", "transfer_lead_time"):
                if getattr(rule, name) < 0:
                    problems[name] = ["Cannot be negative."]
            if rule.warehouse.type != "warehouse":
                problems["warehouse"] = ["Must be a warehouse."]
            if rule.supply_route == "transfer":
                source = rule.source_warehouse
                if source is None:
                    problems["source_warehouse"] = ["A transfer rule needs the warehouse it transfers from."]
                elif source.type != "warehouse" or source == rule.warehouse:
                    problems["source_warehouse"] = ["Must be another warehouse."]
            if problems:
                detail = "; ".join(f"{n}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid {where}: {detail}", problems, where)
        table = cls.table
        keys = [(r.product.id, r.warehouse.id) for r in rules]
        clash = cls.env.execute(
            sa.select(table.c.product, table.c.warehouse, sa.func.count()).where(
                table.c.product.in_([k[0] for k in keys])).group_by(table.c.product, table.c.warehouse)
            .having(sa.func.count() > 1)).first()
        if clash:
            product = cls.env["product.product"].browse([clash[0]])[0]
            raise errors.ValidationError(
                f"{product.name} already has a reordering rule for this warehouse: one rule per product and "
                f"warehouse", {"product": ["One rule per product and warehouse."]})
        cls._check_transfer_cycles(rules)

    @classmethod
    def _check_transfer_cycles(cls, rules):
        """Refuse transfer rules that send a product round in a circle (A from B, B from A)."""
        products = {r.product.id for r in rules if r.supply_route == "transfer"}
        if not products:
            return
        sources = {}   # product -> {warehouse: source warehouse}
        for rule in cls.search([("product", "in", sorted(products))]):
            if rule.supply_route == "transfer" and rule.source_warehouse is not None:
                sources.setdefault(rule.product.id, {})[rule.warehouse.id] = rule.source_warehouse.id
        for product, edges in sources.items():
            for start in edges:
                path, node = [start], edges[start]
                while node in edges and node not in path:
                    path.append(node)
                    node = edges[node]
                if node == start:
                    names = {w.id: w.code or w.name for w in cls.env["stock.location"].browse(path)}
                    cycle = " <- ".join(names[w] for w in path + [start])
                    product_name = cls.env["product.product"].browse([product])[0].name
                    raise errors.ValidationError(
                        f"transfer rules of {product_name} form a cycle ({cycle}): "
                        f"one warehouse must be supplied otherwise", {"source_warehouse": ["Makes a cycle."]})

    # -- the replenishment report ----------------------------------------------------
    @classmethod
    @expose("read", records=False, warehouse=fields.Many2One("stock.location", "Warehouse",
                                                              help="Only the rows of this warehouse."))
    def needs(cls, warehouse=None, rules=None):
        """The rules that need ordering now, with how much and why (the replenishment report).

        Each row is a dict: ``rule``, ``product``, ``warehouse``, ``on_hand``,
        ``forecast`` (at ``forecasted_date``), ``forecasted_date``,
        ``lead_times``, ``visibility_demand``, ``to_order``, ``unit`` (the
        product's, which every quantity of the row is in), ``min_quantity``
        and ``max_quantity`` (the rule's), ``vendor`` and ``supplier`` (its
        ``purchase.product_supplier`` record, or None) of a buy row,
        ``unit_price`` (the supplier's price for the quantity, else the cost
        price; None when unknown or for a transfer), ``price_reason``,
        ``amount`` (``to_order`` × ``unit_price``), ``source_warehouse``
        (transfer), ``trigger``, ``route``, ``explanation``, and
        ``exception`` (why it cannot be ordered, e.g. no vendor) or None.  A
        buy row's ``to_order`` is raised to the supplier's minimum.  Archived
        rules, and rules snoozed until after today, are left out.  Every
        warehouse's forecast counts what the transfer rows of the others
        would take from it; ``warehouse`` (a record or an id) keeps the rows
        of one warehouse.
        """
        warehouse = cls._warehouse_of(warehouse)
        if rules is None:
            plans = cls._plans([])
        else:
            ids = [getattr(r, "id", r) for r in rules]
            plans = [plan for chunk in chunks(ids) for plan in cls._plans([("id", "in", chunk)])]
        return cls._report(plans, warehouse)

    @classmethod
    def _warehouse_of(cls, warehouse):
        """The id of ``warehouse`` (a record or id of an existing location), refused unless it is a warehouse."""
        if warehouse is None:
            return None
        location = cls.env["stock.location"].browse([getattr(warehouse, "id", warehouse)])[0]
        if location.type != "warehouse":
            raise errors.ValidationError(
                f"{cls._name}: warehouse: {location.rec_name} is not a warehouse (it is a {location.type} "
                f"location); give a warehouse, or none for every one", {"warehouse": ["Must be a warehouse."]})
        return location.id

    @classmethod
    def _plans(cls, domain, awake=True):
        """The rules matching ``domain`` as plain plans: thousands of rules are read as rows, not records.

        ``awake``: only the active rules not snoozed after today (those the
        report and the scheduler work on).
        """
        table = cls.table
        query = sa.select(*(table.c[name] for name in _PLAN_COLUMNS)).where(
            *cls.sql_where(domain)).order_by(*cls.sql_order(None))
        if awake:
            query = query.where(table.c.active.is_(True), sa.or_(
                table.c.snoozed_until.is_(None), table.c.snoozed_until <= datetime.date.today()))
        return [_Plan(*row) for row in cls.env.execute(query)]

    @classmethod
    def _schedule(cls, plans):
        """Set each plan's position, vendor and supplier, lead times and forecasted date."""
        config = cls.env["stock.reorder.configuration"].get()
        today = datetime.date.today()
        vendors = cls._vendors([p for p in plans if p.route == "buy"], today)
        for position, plan in enumerate(plans):
            plan.position = position   # the rules' order, which the report keeps within a warehouse
            horizon = plan.horizon_days if plan.trigger == "manual" else 0
            if plan.route == "buy":
                plan.vendor, plan.supplier, plan.priced = vendors[plan.id]
                lead_time = plan.supplier.lead_time if plan.supplier is not None else 0
                plan.lead_times = {"vendor": lead_time, "security": config.security_days,
                                   "purchase": config.days_to_purchase, "horizon": horizon}
            else:
                plan.lead_times = {"transfer": plan.transfer_lead_time, "horizon": horizon}
            plan.date = _add_days(today, sum(plan.lead_times.values()))

    @classmethod
    def _report(cls, plans, warehouse):
        if not plans:
            return []
        cls._schedule(plans)
        until = max(_add_days(p.date, p.visibility_days) for p in plans)
        warehouses = {p.warehouse for p in plans} | {p.source_warehouse for p in plans if p.route == "transfer"}
        profiles = forecast.profiles(cls.env, sorted({p.product for p in plans}), sorted(warehouses), until)
        due = []
        for plan in cls._in_supply_order(plans):
            if cls._need(plan, profiles[plan.warehouse, plan.product]):
                due.append(plan)
                cls._pass_on(plan, profiles)
        due = sorted((p for p in due if warehouse in (None, p.warehouse)), key=lambda p: (p.warehouse, p.position))
        return cls._rows(due)

    @classmethod
    def _in_supply_order(cls, plans):
        """``plans`` in the order their needs are settled: a plan whose supply draws on others before them.

        A transfer rule comes before the rules of its source warehouse (see
        :func:`_destinations_first`).  A module adding a route whose supply
        takes stock of other rules' products orders them too (and calls
        ``super()``).
        """
        return _destinations_first(plans)

    @classmethod
    def _pass_on(cls, plan, profiles):
        """Count the demand ``plan``'s supply makes on other products or warehouses in ``profiles``.

        Called for each due plan, in the order of :meth:`_in_supply_order`,
        so that the plans settled after it see that demand in the same run:
        a transfer takes what it orders from its source warehouse.
        ``profiles`` maps ``(warehouse id, product id)`` to the forecast
        profile of every rule's product in every warehouse concerned.
        """
        if plan.route == "transfer":
            profiles[plan.source_warehouse, plan.product].add(plan.date, 0.0, plan.to_order)

    @classmethod
    def _vendors(cls, plans, date):
        """``{rule id: (vendor id or None, supplier row or None, priced row or None)}`` of buy plans.

        The vendor is the rule's, else the product's first supplier valid at
        ``date``; the supplier row is the vendor's own (its lead time and
        minimum), the priced row the one whose prices a purchase from the
        vendor takes (see ``purchase.product_supplier.choose``).
        """
        choices = cls.env["purchase.product_supplier"].choose([(p.product, p.vendor, date) for p in plans])
        return {plan.id: (plan.vendor if plan.vendor is not None else choice.own.party if choice.own else None,
                          choice.own, choice.preferred) for plan, choice in zip(plans, choices)}

    @staticmethod
    def _need(plan, profile):
        """Whether ``plan``'s rule is due now, or given a quantity by hand; if so, set how much to order and why."""
        level = profile.forecast(plan.date)
        due = level < plan.min_quantity - 1e-9
        if not due and plan.wanted is None:
            return False
        lead_times = plan.lead_times
        why = (f"forecast {level:g} on {plan.date} (on hand {profile.on_hand:g}; lead times "
               + " + ".join(f"{k} {v}" for k, v in lead_times.items() if v) + (")" if any(lead_times.values())
                                                                              else "none)"))
        visibility = 0.0
        if due:
            base = plan.max_quantity - level
            visibility = profile.demand(plan.date, _add_days(plan.date, plan.visibility_days)) \
                if plan.visibility_days else 0.0
            wanted = base + visibility
            to_order = math.ceil(wanted / plan.multiple - 1e-9) * plan.multiple
            why += f" is below min {plan.min_quantity:g}: max {plan.max_quantity:g} - forecast {level:g} = {base:g}"
            if visibility:
                why += f", + {visibility:g} due in the {plan.visibility_days} visibility days"
            if abs(to_order - wanted) > 1e-9:
                why += f", rounded up to a multiple of {plan.multiple:g}"
        else:
            to_order = 0.0
            why += f" is not below min {plan.min_quantity:g}: nothing to propose"
        if plan.wanted is not None:
            why += f"; {plan.wanted:g} given by hand instead"
            to_order = plan.wanted
        plan.on_hand, plan.forecast, plan.visibility, plan.to_order, plan.why = (
            profile.on_hand, level, visibility, to_order, why)
        return True

    @classmethod
    def _rows(cls, plans):
        """The report rows of the due ``plans``, with records read a batch at a time."""
        env = cls.env
        rules = cls.browse([p.id for p in plans])
        products = env["product.product"].browse([p.product for p in plans])
        places = {w.id: w for w in env["stock.location"].browse(
            {p.warehouse for p in plans} | {p.source_warehouse for p in plans if p.route == "transfer"})}
        parties = {v.id: v for v in env["party.party"].browse({p.vendor for p in plans if p.vendor})}
        bought = [p for p in plans if p.route == "buy" and p.vendor is not None]
        for plan in bought:
            _raise_to_minimum(plan, parties[plan.vendor])
        Supplier = env["purchase.product_supplier"]
        prices = dict(zip([p.id for p in bought], Supplier.price([p.priced for p in bought],
                                                                 [p.to_order for p in bought])))
        suppliers = {s.id: s for s in Supplier.browse({p.supplier.id for p in bought if p.supplier is not None})}
        rows = []
        for plan, rule, product in zip(plans, rules, products):
            vendor, source, supplier = parties.get(plan.vendor), None, None
            why, exception = plan.why, None
            unit_price, price_reason = None, None
            if plan.route == "transfer":
                source = places[plan.source_warehouse]
                vendor = None
                why += f" -> transfer {plan.to_order:g} from {source.code or source.name}"
            elif vendor is None:
                exception = (f"no vendor is set: {product.name} has no supplier and the rule no vendor, "
                             f"so nothing will be ordered")
                why += f" -> would order {plan.to_order:g}, but {exception}"
            else:
                why += f" -> order {plan.to_order:g}"
                supplier = suppliers.get(plan.supplier.id) if plan.supplier is not None else None
                unit_price, price_reason = prices[plan.id]
                if unit_price is None and product.cost_price is not None:
                    unit_price, price_reason = product.cost_price, "cost price"
                if unit_price is not None:
                    why += f" at {unit_price:.2f} ({price_reason})"
            amount = None if unit_price is None else (Decimal(repr(plan.to_order)) * unit_price).quantize(CENT)
            rows.append({"rule": rule, "product": product, "warehouse": places[plan.warehouse],
                         "on_hand": plan.on_hand, "forecast": plan.forecast, "forecasted_date": plan.date,
                         "lead_times": plan.lead_times, "visibility_demand": plan.visibility,
                         "to_order": plan.to_order, "unit": product.default_uom,
                         "min_quantity": plan.min_quantity, "max_quantity": plan.max_quantity,
                         "vendor": vendor, "supplier": supplier, "unit_price": unit_price,
                         "price_reason": price_reason, "amount": amount, "source_warehouse": source,
                         "trigger": plan.trigger, "route": plan.route, "explanation": why, "exception": exception})
        return rows

    @classmethod
    @expose("read", days=fields.Integer("Days", min=0, max=3650,
                                        help="Show at least this many days from today (default 14)."))
    def projection(cls, rules, days=14):
        """The projected stock of each rule's product in its warehouse, day by day (the report's chart).

        One dict per rule: ``rule``, ``product``, ``warehouse``,
        ``min_quantity``, ``max_quantity``, ``on_hand`` (today),
        ``forecasted_date``, ``until`` (the forecasted date plus the
        visibility days, and at least ``days`` from today), and ``points``:
        for each day with planned moves in or out up to ``until``, a dict
        ``date``, ``incoming``, ``outgoing`` and ``quantity`` (the level
        after that day), read as the report reads them.
        """
        ids = [getattr(r, "id", r) for r in rules]
        plans = [plan for chunk in chunks(ids) for plan in cls._plans([("id", "in", chunk)], awake=False)]
        if not plans:
            return []
        cls._schedule(plans)
        today = datetime.date.today()
        days = 14 if days is None else days
        untils = {p.id: max(_add_days(p.date, p.visibility_days), _add_days(today, days)) for p in plans}
        profiles = forecast.profiles(cls.env, sorted({p.product for p in plans}),
                                     sorted({p.warehouse for p in plans}), max(untils.values()))
        records = {r.id: r for r in cls.browse([p.id for p in plans])}
        result = []
        for plan in plans:
            profile, until = profiles[plan.warehouse, plan.product], untils[plan.id]
            points, level = [], profile.on_hand
            for date in sorted(d for d in profile.events if d <= until):
                incoming, outgoing = profile.events[date]
                level += incoming - outgoing
                points.append({"date": date, "incoming": incoming, "outgoing": outgoing, "quantity": level})
            rule = records[plan.id]
            result.append({"rule": rule, "product": rule.product, "warehouse": rule.warehouse,
                           "min_quantity": plan.min_quantity, "max_quantity": plan.max_quantity,
                           "on_hand": profile.on_hand, "forecasted_date": plan.date, "until": until,
                           "points": points})
        return result

    # -- ordering ---------------------------------------------------------------------
    @classmethod
    @expose("write", vendor=fields.Many2One("party.party", "Vendor",
                                            help="Buy from this party instead of the rule's vendor, at its prices."))
    def order(cls, rules, quantities=None, vendor=None):
        """Order what ``rules`` need now (the report's order action), as proposed or as edited.

        ``quantities`` (``{rule id: quantity in the product's unit}``)
        replace the proposal of those rules (ordered even if nothing is
        proposed, never raised to the supplier's minimum); ``vendor`` (a
        party) replaces the vendor of the buy rules, which are then priced,
        dated and raised to its minimum from its supplier record.  Archived
        and snoozed rules order nothing.  Returns the purchase lines and
        internal-shipment moves created or increased.
        """
        ids = [getattr(r, "id", r) for r in rules]
        quantities, vendor = cls._order_input(ids, quantities, vendor)
        with cls.env.atomic():
            cls.env["stock.reorder.configuration"].lock()
            plans = [plan for chunk in chunks(ids) for plan in cls._plans([("id", "in", chunk)])]
            for plan in plans:
                plan.wanted = quantities.get(plan.id)
                if vendor is not None and plan.route == "buy":
                    plan.vendor = vendor
            return cls._supply(cls._report(plans, None))

    @classmethod
    def _order_input(cls, ids, quantities, vendor):
        """``({rule id: float}, vendor id or None)``: each quantity a positive number, of a rule ordered."""
        where = f"{cls._name}.order"
        if quantities is None:
            quantities = {}
        if not isinstance(quantities, dict):
            raise errors.ValidationError(f"{where}: quantities must map rule ids to quantities, not "
                                         f"{quantities!r:.80}", {"quantities": ["A mapping of rule ids."]}, where)
        checked = {}
        for key, quantity in quantities.items():
            rule = getattr(key, "id", key)
            if isinstance(rule, str) and rule.isascii() and rule.isdigit():
                rule = int(rule)
            if rule not in ids:
                raise errors.ValidationError(
                    f"{where}: quantities name {key!r:.40}, which is not one of the rules ordered ({ids[:20]})",
                    {"quantities": ["Only the rules ordered."]}, where)
            number = float(quantity) if isinstance(quantity, (int, float, Decimal)) \
                and not isinstance(quantity, bool) else math.nan
            if not 0 < number <= 1e12:   # NaN too
                raise errors.ValidationError(
                    f"{cls._name} {rule}: quantity {quantity!r:.40} to order must be a number greater than zero",
                    {"quantities": ["Each quantity must be greater than zero."]}, f"{cls._name} {rule}")
            checked[rule] = number
        return checked, getattr(vendor, "id", vendor)   # an existing party: checked by the door (``expose``)

    @classmethod
    @expose("write", until=fields.Date("Until", help="Skip the rule until this date (today or later); empty: now."))
    def snooze(cls, rules, until=None):
        """Leave ``rules`` out of the report and the scheduler until ``until`` (the report's snooze).

        ``until`` is today or a later date: on that day the rules are back;
        None wakes them up now.  A date already past is refused.
        """
        records = cls.browse([getattr(r, "id", r) for r in rules])
        for rule in records:
            _refuse_past_snooze(f"{rule.rec_name} ({rule.product.name})", until)
        cls.write_unchecked(records, {"snoozed_until": until})

    @classmethod
    @expose("write", records=False, warehouse=fields.Many2One("stock.location", "Warehouse",
                                                               help="Only the auto rules of this warehouse."))
    def run_scheduler(cls, warehouse=None):
        """Order the needs of every auto rule (of ``warehouse``, when given).

        Returns the purchase lines and internal-shipment moves created or increased.
        """
        with cls.env.atomic():
            cls.env["stock.reorder.configuration"].lock()
            warehouse = cls._warehouse_of(warehouse)
            return cls._supply(cls._report(cls._plans([("trigger", "=", "auto")]), warehouse))

    @classmethod
    def _supply(cls, rows):
        rows = [r for r in rows if r["exception"] is None and r["to_order"] > 0]
        purchases = [{"vendor": r["vendor"], "warehouse": r["warehouse"], "product": r["product"],
                      "unit": r["product"].default_uom, "quantity": r["to_order"],
                      "delivery_date": r["forecasted_date"], "origin": r["rule"], "explanation": r["explanation"],
                      "unit_price": r["unit_price"], "price_reason": r["price_reason"]}
                     for r in rows if r["route"] == "buy"]
        transfers = [r for r in rows if r["route"] == "transfer"]
        return buy(cls.env, purchases, merge=True) + transfer(cls.env, transfers)


def _raise_to_minimum(plan, vendor):
    """A proposal below the supplier's minimum is raised to it (and to the rule's multiple), saying so.

    A quantity given by hand is kept; the explanation says when the
    supplier would not sell so little.
    """
    minimum = plan.supplier.min_quantity if plan.supplier is not None else 0.0
    if not minimum or plan.to_order >= minimum - 1e-9:
        return
    if plan.wanted is not None:
        plan.why += f" (below {vendor.name}'s minimum order of {minimum:g})"
        return
    plan.to_order = math.ceil(minimum / plan.multiple - 1e-9) * plan.multiple
    plan.why += f", raised to {vendor.name}'s minimum order of {minimum:g}"
    if abs(plan.to_order - minimum) > 1e-9:
        plan.why += f" and up to a multiple of {plan.multiple:g}"


def _refuse_past_snooze(where, until):
    if until is not None and until < datetime.date.today():
        raise errors.ValidationError(
            f"{where}: snoozed_until {until} is in the past: snooze until today or a later date",
            {"snoozed_until": ["Must be today or later."]}, where)


def _add_days(date, days):
    """``date`` + ``days``, kept within the calendar (a far date stays the last day)."""
    try:
        return date + datetime.timedelta(days=days)
    except OverflowError:
        return datetime.date.max if days > 0 else datetime.date.min


_PLAN_COLUMNS = ("id", "product", "warehouse", "min_quantity", "max_quantity", "multiple", "trigger", "route",
                 "vendor", "source_warehouse", "transfer_lead_time", "visibility_days", "horizon_days")


class _Plan:
    """One rule as the report works on it: its columns, then what the report computes.

    ``wanted``: a quantity given by hand (``Rule.order``), ordered whatever
    the proposal; ``supplier`` and ``priced``: the vendor's supplier row and
    the row pricing the purchase (see :meth:`Rule._vendors`);
    ``route_data``: what the module owning the plan's route keeps for it
    (production: the bill of materials and what it consumes).
    """

    __slots__ = _PLAN_COLUMNS + ("position", "lead_times", "date", "on_hand", "forecast", "visibility",
                                 "to_order", "why", "wanted", "supplier", "priced", "route_data")

    def __init__(self, *values):
        for name, value in zip(_PLAN_COLUMNS, values):
            setattr(self, name, value)
        self.route = supply_route(self.route, self.source_warehouse)
        self.wanted = self.supplier = self.priced = None
        self.route_data = None


def supply_route(route, source_warehouse):
    """The route in force: the one set, else transfer when a source warehouse is set, else buy."""
    return route or ("transfer" if source_warehouse is not None else "buy")


def _destinations_first(plans):
    """``plans`` ordered so that a transfer rule comes before the rules of its source warehouse.

    A warehouse's level is 0 when no transfer rule takes from it, else one
    more than the level of the warehouses taking from it.
    """
    taking = {}   # (product, source warehouse) -> destination warehouses
    for plan in plans:
        if plan.route == "transfer" and plan.source_warehouse is not None:
            taking.setdefault((plan.product, plan.source_warehouse), []).append(plan.warehouse)
    if not taking:
        return plans
    levels = {}

    def level(product, warehouse, seen=()):
        key = (product, warehouse)
        if key not in levels:
            takers = [w for w in taking.get(key, ()) if w not in seen]
            levels[key] = 1 + max((level(product, w, seen + (warehouse,)) for w in takers), default=-1)
        return levels[key]

    return sorted(plans, key=lambda p: level(p.product, p.warehouse))


def transfer(env, rows):
    """Add the transfer ``rows`` to the draft internal shipments of their warehouses; return the moves.

    One draft shipment per source and destination (made when missing); a
    product it already carries has its move increased.
    """
    if not rows:
        return []
    Shipment, Move = env["stock.shipment.internal"], env["stock.move"]
    pairs = sorted({(r["source_warehouse"].id, r["warehouse"].id) for r in rows})
    drafts = {}
    for shipment in Shipment.search([("state", "=", "draft"),
                                     ("from_location", "in", sorted({s for s, _ in pairs})),
                                     ("to_location", "in", sorted({d for _, d in pairs}))], order=[("id", "ASC")]):
        drafts.setdefault((shipment.from_location.id, shipment.to_location.id), shipment)
    missing = [pair for pair in pairs if pair not in drafts]
    first = {}   # the new shipments are planned for their earliest move
    for row in rows:
        pair = (row["source_warehouse"].id, row["warehouse"].id)
        first[pair] = min(first.get(pair, row["forecasted_date"]), row["forecasted_date"])
    for pair, shipment in zip(missing, Shipment.create_unchecked([
            {"from_location": s, "to_location": d, "planned_date": first[s, d]} for s, d in missing])):
        drafts[pair] = shipment
    existing = {}
    for move in Move.search([("shipment_internal", "in", [s.id for s in drafts.values()]),
                             ("product", "in", sorted({r["product"].id for r in rows})), ("state", "=", "draft")]):
        existing.setdefault((move.shipment_internal.id, move.product.id), move)
    Uom = env["product.uom"]
    increases, creations = {}, []
    for row in rows:
        shipment = drafts[row["source_warehouse"].id, row["warehouse"].id]
        product = row["product"]
        move = existing.get((shipment.id, product.id))
        if move is None:
            creations.append({"shipment_internal": shipment.id, "product": product.id, "unit": product.default_uom.id,
                              "quantity": row["to_order"], "planned_date": row["forecasted_date"],
                              "origin": row["rule"], "reorder_explanation": row["explanation"]})
            continue
        quantity = Uom.compute_quantity(product.default_uom, row["to_order"], move.unit, round=False)
        total, why, date = increases.get(move.id, (move.quantity, move.reorder_explanation or "", move.planned_date))
        increases[move.id] = (total + quantity, (why + "\n" if why else "") + row["explanation"],
                              min(date, row["forecasted_date"]))
    if increases:
        moves = {m.id: m for m in Move.browse(list(increases))}
        Move.write_rows([{"id": i, "quantity": q, "planned_date": date, "reorder_explanation": why,
                           "internal_quantity": Uom.compute_quantity(moves[i].unit, q, moves[i].product.default_uom,
                                                                     round=False)}
                          for i, (q, why, date) in increases.items()])
    return Move.browse(list(increases)) + Move.create_unchecked(creations)


def buy(env, demands, merge):
    """Add ``demands`` to the vendors' draft purchases of their warehouses (made when missing); return the lines.

    One draft purchase per vendor and warehouse.  The vendors are locked
    first, so that two transactions buying from one vendor at once (two
    sales confirmed together) find or make the same draft purchase instead
    of one each.  With ``merge``, a demand for a product the draft purchase
    already has increases that line; otherwise each demand gets its own line
    (make to order: each line keeps its sale line as origin).  Each line is
    priced as bought today from its vendor (:meth:`purchase.line.supplier_prices`),
    unless the demand brings its ``unit_price`` and ``price_reason``; a line
    increased is priced again for its new quantity, unless priced by hand.
    """
    if not demands:
        return []
    Purchase, Line = env["purchase.purchase"], env["purchase.line"]
    vendor_ids = sorted({d["vendor"].id for d in demands})
    env["party.party"].lock(env["party.party"].browse(vendor_ids))
    keys = sorted({(d["vendor"].id, d["warehouse"].id) for d in demands})
    drafts = {}
    for purchase in Purchase.search([("state", "=", "draft"), ("party", "in", vendor_ids),
                                     ("warehouse", "in", sorted({w for _, w in keys})),
                                     ("drop_ship", "!=", True)], order=[("id", "ASC")]):
        drafts.setdefault((purchase.party.id, purchase.warehouse.id), purchase)
    missing = [key for key in keys if key not in drafts]
    for key, purchase in zip(missing, Purchase.create_unchecked([{"party": v, "warehouse": w} for v, w in missing])):
        drafts[key] = purchase
    existing = {}
    if merge:
        for line in Line.search([("purchase", "in", [p.id for p in drafts.values()]),
                                 ("product", "in", list({d["product"].id for d in demands}))]):
            existing.setdefault((line.purchase.id, line.product.id), line)
    increases, creations = {}, []
    for demand in demands:
        purchase = drafts[demand["vendor"].id, demand["warehouse"].id]
        line = existing.get((purchase.id, demand["product"].id))
        if line is not None:
            quantity = env["product.uom"].compute_quantity(demand["unit"], demand["quantity"], line.unit, round=False)
            total, why = increases.get(line.id, (line.quantity, line.reorder_explanation or ""))
            increases[line.id] = (total + quantity, (why + "\n" if why else "") + demand["explanation"])
            continue
        creations.append({"purchase": purchase.id, "product": demand["product"].id, "unit": demand["unit"].id,
                          "quantity": demand["quantity"], "delivery_date": demand["delivery_date"],
                          "origin": demand["origin"], "reorder_explanation": demand["explanation"],
                          "unit_price": demand.get("unit_price"), "price_reason": demand.get("price_reason")})
    increased = Line.browse(list(increases))
    repriced = [line for line in increased if priced_by_supplier(line.price_reason)]
    todo = [values for values in creations if values["unit_price"] is None or values["price_reason"] is None]
    if todo or repriced:
        units = {u.id: u for u in env["product.uom"].browse({values["unit"] for values in todo})}
        products = {p.id: p for p in env["product.product"].browse({values["product"] for values in todo})}
        parties = {purchase.id: purchase.party.id for purchase in drafts.values()}
        prices = Line.supplier_prices(
            [products[v["product"]] for v in todo] + [line.product for line in repriced],
            [units[v["unit"]] for v in todo] + [line.unit for line in repriced],
            [parties[v["purchase"]] for v in todo] + [line.purchase.party.id for line in repriced],
            [datetime.date.today()] * (len(todo) + len(repriced)),
            [v["quantity"] for v in todo] + [increases[line.id][0] for line in repriced])
        for values, (price, reason, _) in zip(todo, prices):
            values["unit_price"], values["price_reason"] = price, reason
        if repriced:
            Line.write_rows([{"id": line.id, "unit_price": price, "price_reason": reason}
                             for line, (price, reason, _) in zip(repriced, prices[len(todo):])])
    if increases:
        Line.write_rows([{"id": i, "quantity": q, "reorder_explanation": why} for i, (q, why) in increases.items()])
    created = Line.create_unchecked(creations)
    return Line.browse(list(increases)) + created
