import datetime
import math

import sqlalchemy as sa

from core import Model, errors, fields

from . import forecast


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
        table = cls._table
        cls._env.execute(table.update().values(security_days=table.c.security_days))


class Product:
    _name = "product.product"

    supply_on_sale = fields.Boolean(
        "Supply on sale", help="Make to order: confirming a sale of it buys the same quantity from its supplier.")


class PurchaseLine:
    _name = "purchase.line"

    reorder_explanation = fields.Text("Why it was ordered", readonly=True)


class Rule(Model):
    """Keep a product's forecast in a warehouse between ``min_quantity`` and ``max_quantity``."""

    _name = "stock.reorder.rule"
    _order = (("product", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True, ondelete="cascade")
    warehouse = fields.Many2One("stock.location", "Warehouse", required=True)
    min_quantity = fields.Float("Minimum", required=True, default=0.0)
    max_quantity = fields.Float("Maximum", required=True, default=0.0)
    multiple = fields.Float("Multiple", required=True, default=1.0, help="Order in multiples of it.")
    trigger = fields.Selection([("auto", "Auto"), ("manual", "Manual")], "Trigger", required=True, default="auto")
    route = fields.Selection([("buy", "Buy")], "Route",
                             help="How to replenish; empty: the first route available, buy first.")
    vendor = fields.Many2One("party.party", "Vendor", help="Default: the product's first supplier.")
    visibility_days = fields.Integer("Visibility days", required=True, default=0, min=0, max=3650)
    horizon_days = fields.Integer("Horizon days", required=True, default=0, min=0, max=3650)

    ROUTE_PRIORITY = ("buy",)

    @classmethod
    def default_warehouse(cls):
        return cls._env["stock.location"].warehouse().id

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
            if rule.visibility_days < 0 or rule.horizon_days < 0:
                problems["visibility_days" if rule.visibility_days < 0 else "horizon_days"] = ["Cannot be negative."]
            if problems:
                detail = "; ".join(f"{n}: {m[0]}" for n, m in sorted(problems.items()))
                raise errors.ValidationError(f"invalid {where}: {detail}", problems, where)
        table = cls._table
        keys = [(r.product.id, r.warehouse.id) for r in rules]
        clash = cls._env.execute(
            sa.select(table.c.product, table.c.warehouse, sa.func.count()).where(
                table.c.product.in_([k[0] for k in keys])).group_by(table.c.product, table.c.warehouse)
            .having(sa.func.count() > 1)).first()
        if clash:
            product = cls._env["product.product"].browse([clash[0]])[0]
            raise errors.ValidationError(
                f"{product.name} already has a reordering rule for this warehouse: one rule per product and "
                f"warehouse", {"product": ["One rule per product and warehouse."]})

    # -- the replenishment report ----------------------------------------------------
    @classmethod
    def needs(cls, warehouse=None, rules=None):
        """The rules that need ordering now, with how much and why (the replenishment report).

        Each row is a dict: ``rule``, ``product``, ``warehouse``, ``on_hand``,
        ``forecast`` (at ``forecasted_date``), ``forecasted_date``,
        ``lead_times``, ``visibility_demand``, ``to_order``, ``vendor``,
        ``trigger``, ``route``, ``explanation``, and ``exception`` (why it cannot
        be ordered, e.g. no vendor) or None.
        """
        if rules is None:
            domain = [("warehouse", "=", warehouse)] if warehouse is not None else []
            rules = cls.search(domain)
        if not rules:
            return []
        config = cls._env["stock.reorder.configuration"].get()
        today = datetime.date.today()
        vendors = cls._vendors(rules)
        rows = []
        for warehouse_id in sorted({r.warehouse.id for r in rules}):
            group = [r for r in rules if r.warehouse.id == warehouse_id]
            plans = []
            for rule in group:
                vendor, lead_time = vendors[rule.id]
                lead_times = {"vendor": lead_time, "security": config.security_days,
                              "purchase": config.days_to_purchase,
                              "horizon": rule.horizon_days if rule.trigger == "manual" else 0}
                plans.append((rule, vendor, lead_times, today + datetime.timedelta(days=sum(lead_times.values()))))
            until = max(date + datetime.timedelta(days=rule.visibility_days) for rule, _, _, date in plans)
            profiles = forecast.profiles(cls._env, sorted({r.product.id for r in group}),
                                         group[0].warehouse, until)
            for rule, vendor, lead_times, date in plans:
                row = cls._need(rule, vendor, lead_times, date, profiles[rule.product.id])
                if row is not None:
                    rows.append(row)
        return rows

    @classmethod
    def _vendors(cls, rules):
        """``{rule id: (vendor or None, lead time)}``: the rule's vendor, else the first supplier."""
        suppliers = cls._env["purchase.product_supplier"].search(
            [("product", "in", list({r.product.id for r in rules}))])
        by_product = {}
        for supplier in suppliers:
            by_product.setdefault(supplier.product.id, []).append(supplier)
        result = {}
        for rule in rules:
            candidates = by_product.get(rule.product.id, [])
            if rule.vendor is not None:
                match = next((s for s in candidates if s.party.id == rule.vendor.id), None)
                result[rule.id] = (rule.vendor, match.lead_time if match else 0)
            elif candidates:
                result[rule.id] = (candidates[0].party, candidates[0].lead_time)
            else:
                result[rule.id] = (None, 0)
        return result

    @classmethod
    def _need(cls, rule, vendor, lead_times, date, profile):
        """The report row of one rule, or None when nothing is due now."""
        level = profile.forecast(date)
        if level >= rule.min_quantity - 1e-9:
            return None
        base = rule.max_quantity - level
        visibility = profile.demand(date, date + datetime.timedelta(days=rule.visibility_days)) \
            if rule.visibility_days else 0.0
        wanted = base + visibility
        to_order = math.ceil(wanted / rule.multiple - 1e-9) * rule.multiple
        why = (f"forecast {level:g} on {date} (on hand {profile.on_hand:g}; lead times "
               + " + ".join(f"{k} {v}" for k, v in lead_times.items() if v) + (")" if any(lead_times.values())
                                                                              else "none)")
               + f" is below min {rule.min_quantity:g}: max {rule.max_quantity:g} - forecast {level:g} = {base:g}")
        if visibility:
            why += f", + {visibility:g} due in the {rule.visibility_days} visibility days"
        if abs(to_order - wanted) > 1e-9:
            why += f", rounded up to a multiple of {rule.multiple:g}"
        why += f" -> order {to_order:g}"
        route = rule.route or cls.ROUTE_PRIORITY[0]
        exception = None
        if route == "buy" and vendor is None:
            exception = f"{rule.product.name} has no supplier and the rule no vendor: nothing can be bought"
        return {"rule": rule, "product": rule.product, "warehouse": rule.warehouse, "on_hand": profile.on_hand,
                "forecast": level, "forecasted_date": date, "lead_times": lead_times,
                "visibility_demand": visibility, "to_order": to_order, "vendor": vendor,
                "trigger": rule.trigger, "route": route, "explanation": why, "exception": exception}

    # -- ordering ---------------------------------------------------------------------
    @classmethod
    def order(cls, rules):
        """Order what ``rules`` need now (the report's order action); return the purchase lines."""
        with cls._env.atomic():
            cls._env["stock.reorder.configuration"].lock()
            rows = cls.needs(rules=cls.browse([r.id for r in rules]))
            return cls._buy(rows)

    @classmethod
    def run_scheduler(cls, warehouse=None):
        """Order the needs of every auto rule; return the purchase lines created or increased."""
        with cls._env.atomic():
            cls._env["stock.reorder.configuration"].lock()
            domain = [("trigger", "=", "auto")] + ([("warehouse", "=", warehouse)] if warehouse else [])
            return cls._buy(cls.needs(rules=cls.search(domain)))

    @classmethod
    def _buy(cls, rows):
        rows = [r for r in rows if r["exception"] is None and r["to_order"] > 0 and r["route"] == "buy"]
        demands = [{"vendor": r["vendor"], "product": r["product"], "unit": r["product"].default_uom,
                    "quantity": r["to_order"], "delivery_date": r["forecasted_date"], "origin": r["rule"],
                    "explanation": r["explanation"]} for r in rows]
        return buy(cls._env, demands, merge=True)


def buy(env, demands, merge):
    """Add ``demands`` to the vendors' draft purchases (made when missing); return the lines.

    With ``merge``, a demand for a product the draft purchase already has
    increases that line; otherwise each demand gets its own line (make to
    order: each line keeps its sale line as origin).
    """
    if not demands:
        return []
    Purchase, Line = env["purchase.purchase"], env["purchase.line"]
    vendor_ids = sorted({d["vendor"].id for d in demands})
    drafts = {}
    for purchase in Purchase.search([("state", "=", "draft"), ("party", "in", vendor_ids)], order=[("id", "ASC")]):
        drafts.setdefault(purchase.party.id, purchase)
    missing = [v for v in vendor_ids if v not in drafts]
    for vendor_id, purchase in zip(missing, Purchase._create([{"party": v} for v in missing])):
        drafts[vendor_id] = purchase
    existing = {}
    if merge:
        for line in Line.search([("purchase", "in", [p.id for p in drafts.values()]),
                                 ("product", "in", list({d["product"].id for d in demands}))]):
            existing.setdefault((line.purchase.id, line.product.id), line)
    increases, creations = {}, []
    for demand in demands:
        purchase = drafts[demand["vendor"].id]
        line = existing.get((purchase.id, demand["product"].id))
        if line is not None:
            quantity = env["product.uom"].compute_quantity(demand["unit"], demand["quantity"], line.unit, round=False)
            total, why = increases.get(line.id, (line.quantity, line.reorder_explanation or ""))
            increases[line.id] = (total + quantity, (why + "\n" if why else "") + demand["explanation"])
            continue
        creations.append({"purchase": purchase.id, "product": demand["product"].id, "unit": demand["unit"].id,
                          "quantity": demand["quantity"], "delivery_date": demand["delivery_date"],
                          "origin": demand["origin"], "reorder_explanation": demand["explanation"]})
    if increases:
        Line._write_each([{"id": i, "quantity": q, "reorder_explanation": why} for i, (q, why) in increases.items()])
    created = Line._create(creations)
    return Line.browse(list(increases)) + created
