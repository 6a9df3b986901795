"""The manufacture route of reordering rules (with stock_reorder).

A rule whose ``route`` is ``manufacture`` is replenished by draft
productions of its product in its warehouse, with the rule's ``bom`` (by
default the product's first).  Its forecasted date is today plus the
product's production lead time (plus the horizon days of a manual rule):
the production is planned to deliver then, and starts that lead time
earlier.  Its explanation reads like a purchase's.

Several levels at once: the rules are settled from finished products down
to their components (a product's low-level code: how deep it is in the
BOMs of the products manufactured), and each production a rule proposes
counts, in the same run, as demand on its inputs' rules on its start date.
The productions made are drafts whose moves count in the forecasts, so a
later run sees them and never orders the same need twice; two schedulers
at once are serialized by stock_reorder's lock.
"""
import datetime

import sqlalchemy as sa

from core import errors, fields
from core.model import chunks

from .bom import first_boms, line_quantities
from .production import shift_days


class Rule:
    _name = "stock.reorder.rule"

    route = fields.Selection.extend([("manufacture", "Manufacture")])
    bom = fields.Many2One("production.bom", "Bill of materials", ondelete="restrict",
                          help="Of a manufacture rule: how to make the product. Default: the product's first.")

    @classmethod
    def _complete(cls, vlist):
        """A manufacture rule without a BOM takes its product's first (one query per batch)."""
        vlist = super()._complete(vlist)
        wanted = {_id(v["product"]) for v in vlist if v.get("route") == "manufacture" and v.get("bom") is None
                  and v.get("product") is not None}
        if not wanted:
            return vlist
        firsts = first_boms(cls.env, wanted)
        return [{**v, "bom": firsts.get(_id(v.get("product")))}
                if v.get("route") == "manufacture" and v.get("bom") is None else v for v in vlist]

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        for rule in rules:
            if rule.bom is not None and not rule.bom.output_quantity(rule.product) > 0:
                where = f"{rule.rec_name} ({rule.product.name})"
                raise errors.ValidationError(
                    f"invalid {where}: bill of materials {rule.bom.rec_name} does not make {rule.product.name}",
                    {"bom": [f"Must have {rule.product.name} among its outputs."]}, where)

    # -- the report ------------------------------------------------------------------------
    @classmethod
    def _schedule(cls, plans):
        """Manufacture plans: the production lead time, the BOM and what one unit of product consumes."""
        super()._schedule(plans)
        made = [p for p in plans if p.route == "manufacture"]
        if not made:
            return
        recipes = _recipes(cls.env, made)
        today = datetime.date.today()
        for plan in made:
            plan.route_data = recipe = recipes[plan.id]
            horizon = plan.horizon_days if plan.trigger == "manual" else 0
            plan.lead_times = {"production": recipe.lead_time, "horizon": horizon}
            plan.date = shift_days(today, recipe.lead_time + horizon)

    @classmethod
    def _in_supply_order(cls, plans):
        """Finished products before their components, so that a component's rule sees what productions need."""
        ordered = super()._in_supply_order(plans)
        edges = {}
        for plan in plans:
            if plan.route == "manufacture" and plan.route_data is not None:
                edges.setdefault(plan.product, set()).update(plan.route_data.per_unit)
        if not edges:
            return ordered
        depth = _low_level_codes(edges)
        return sorted(ordered, key=lambda p: depth.get(p.product, 0))

    @classmethod
    def _pass_on(cls, plan, profiles):
        """A production proposed takes its inputs from the warehouse on its start date."""
        super()._pass_on(plan, profiles)
        recipe = plan.route_data
        if plan.route != "manufacture" or recipe is None or recipe.bom is None:
            return
        start = max(shift_days(plan.date, -recipe.lead_time), datetime.date.today())
        for component, per_unit in recipe.per_unit.items():
            profile = profiles.get((plan.warehouse, component))
            if profile is not None:
                profile.add(start, 0.0, per_unit * plan.to_order)

    @classmethod
    def _rows(cls, plans):
        """The rows of manufacture plans say which BOM they would use (or that there is none)."""
        made = [p for p in plans if p.route == "manufacture"]
        if not made:
            return super()._rows(plans)
        rows = super()._rows([p for p in plans if p.route != "manufacture"])
        boms = {b.id: b for b in cls.env["production.bom"].browse(
            {p.route_data.bom for p in made if p.route_data.bom is not None})}
        rules = cls.browse([p.id for p in made])
        places = {w.id: w for w in cls.env["stock.location"].browse({p.warehouse for p in made})}
        for plan, rule in zip(made, rules):
            bom, exception = boms.get(plan.route_data.bom), None
            why = plan.why
            if bom is None:
                exception = (f"no bill of materials: {rule.product.name} has none and the rule names none, so "
                             f"nothing will be made")
                why += f" -> would manufacture {plan.to_order:g}, but {exception}"
            else:
                why += f" -> manufacture {plan.to_order:g} with {bom.name}"
            rows.append({"rule": rule, "product": rule.product, "warehouse": places[plan.warehouse],
                         "on_hand": plan.on_hand, "forecast": plan.forecast, "forecasted_date": plan.date,
                         "lead_times": plan.lead_times, "visibility_demand": plan.visibility,
                         "to_order": plan.to_order, "unit": rule.product.default_uom,
                         "min_quantity": plan.min_quantity, "max_quantity": plan.max_quantity, "vendor": None,
                         "source_warehouse": None, "bom": bom, "trigger": plan.trigger, "route": plan.route,
                         "explanation": why, "exception": exception})
        by_rule = {row["rule"].id: row for row in rows}
        return [by_rule[p.id] for p in plans]

    # -- ordering ----------------------------------------------------------------------------
    @classmethod
    def _supply(cls, rows):
        """Manufacture rows become draft productions; the other routes order as before."""
        made = [r for r in rows if r["route"] == "manufacture"]
        supplied = super()._supply([r for r in rows if r["route"] != "manufacture"])
        return supplied + manufacture(cls.env, [r for r in made if r["exception"] is None and r["to_order"] > 0])


def manufacture(env, rows):
    """Make a draft production for each report row (its BOM, due on its forecasted date); return them."""
    if not rows:
        return []
    return env["production.production"].create_unchecked([
        {"product": r["product"].id, "bom": r["bom"].id, "quantity": r["to_order"],
         "unit": r["product"].default_uom.id, "warehouse": r["warehouse"].id,
         "planned_date": r["forecasted_date"], "origin": r["rule"], "reorder_explanation": r["explanation"]}
        for r in rows])


class _Recipe:
    """How a manufacture plan makes its product: the BOM, the lead time, what one unit consumes."""

    __slots__ = ("bom", "lead_time", "per_unit")

    def __init__(self, bom, lead_time):
        self.bom, self.lead_time, self.per_unit = bom, lead_time, {}


def _recipes(env, plans):
    """``{plan id: _Recipe}``: each plan's BOM (the rule's, else the product's first), read set-based.

    Four queries whatever the number of plans: the rules' BOMs, the
    products' lead times and first BOMs, the BOMs' outputs of the products
    and their inputs, each converted to the products' own units.
    """
    rule, product = env["stock.reorder.rule"].table, env["product.product"].table
    ids, products = [p.id for p in plans], sorted({p.product for p in plans})
    chosen, lead_times = {}, {}
    for chunk in chunks(ids):
        chosen.update(env.execute(sa.select(rule.c.id, rule.c.bom).where(rule.c.id.in_(chunk))).all())
    for chunk in chunks(products):
        lead_times.update(env.execute(sa.select(product.c.id, product.c.production_lead_time)
                                      .where(product.c.id.in_(chunk))).all())
    firsts = first_boms(env, products)
    recipes = {}
    for plan in plans:
        recipes[plan.id] = _Recipe(chosen.get(plan.id) or firsts.get(plan.product), lead_times.get(plan.product, 0))
    pairs = {(r.bom, p.product) for p, r in ((p, recipes[p.id]) for p in plans) if r.bom is not None}
    made = line_quantities(env, "production.bom.output", sorted({b for b, _ in pairs}))
    used = line_quantities(env, "production.bom.input", sorted({b for b, _ in pairs}))
    for plan in plans:
        recipe = recipes[plan.id]
        output = made.get(recipe.bom, {}).get(plan.product, 0.0)
        if output > 0:
            recipe.per_unit = {component: quantity / output
                               for component, quantity in used.get(recipe.bom, {}).items()}
    return recipes


def _low_level_codes(edges):
    """``{product: depth}``: 0 for products no manufactured product needs, else 1 + the deepest user's."""
    depth = {}

    def visit(product, level, trail):
        if depth.get(product, -1) >= level or product in trail:
            return
        depth[product] = level
        for component in edges.get(product, ()):
            visit(component, level + 1, trail | {product})

    for product in edges:
        visit(product, 0, frozenset())
    return depth


def _id(value):
    return getattr(value, "id", value)
