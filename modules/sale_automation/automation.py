"""Automation rules, their actions, the watch list, the log, and the engine that applies them.

A rule applies to a sale when the sale matches its conditions (a domain over
``sale.sale``, evaluated in SQL for every candidate sale at once: one query
per rule, not per sale) and every action can be performed (each action
type's condition, checked for the whole batch); its actions then apply
together, in one savepoint, or not at all.  A matching sale whose actions
cannot all be performed goes on the watch list and is tried again by each
run until it applies or no longer matches.

No double effects: every applied action is recorded in
``sale.automation.application`` under a database-unique key (rule, sale,
action, occurrence), written *before* the action's work inside the same
savepoint, so a second transaction applying the same rule to the same sale
waits for the first and then fails on the key, undoing its own work.  A rule
applies once per sale, or, marked ``repeat``, once each time the sale newly
matches (false → true between two evaluations, as Tryton's triggers).

Events (the sale hooks) evaluate the rules listening to them for the sales
concerned, right after the operation.  Actions that fire events themselves
(``set_status`` fires ``status_changed``) queue them: they are evaluated
after the rules of the current level, up to ``MAX_CASCADE`` levels deep, and
a rule never applies twice to a sale within one cascade.
"""
import datetime
import decimal
import logging
import weakref

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import in_
from modules.custom_field.values import CustomValues

from .actions import KINDS, Never
from .json_field import Json

EVENTS = [("created", "Created"), ("quoted", "Quoted"), ("confirmed", "Confirmed"), ("processed", "Processed"),
          ("status_changed", "Status changed"), ("paid", "Paid")]
OPEN_STATES = ("quotation", "confirmed", "processing")
MAX_CASCADE = 5
OUTCOMES = [("applied", "Applied"), ("watching", "Watching"), ("dropped", "Dropped")]

_passes = weakref.WeakKeyDictionary()   # environment -> the automation pass running in it
log = logging.getLogger("kitwork.sale_automation")


def untaxed_amount_clause(Sale, operator, value):
    """SQL for a condition on ``untaxed_amount``: the sum of the lines' amounts, each rounded to the cent."""
    if operator not in ("=", "!=", "<", "<=", ">", ">="):
        raise errors.UserError(f"untaxed_amount compares with =, !=, <, <=, > or >=, not {operator!r}")
    try:
        amount = decimal.Decimal(str(value)) if not isinstance(value, bool) else None
    except decimal.InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise errors.UserError(f"untaxed_amount {operator} {value!r}: the value must be an amount")
    lines = Sale.env["sale.line"].table
    total = sa.func.coalesce(sa.select(sa.func.sum(sa.func.round(
        sa.cast(lines.c.quantity, sa.Numeric(16, 4)) * lines.c.unit_price, 2)))
        .where(lines.c.sale == Sale.table.c.id).scalar_subquery(), 0)
    return Model.OPERATORS[operator](total, sa.literal(amount, sa.Numeric(16, 2)))


COMPUTED_CONDITIONS = {"untaxed_amount": untaxed_amount_clause}


def sale_ids(sales):
    """The ids of ``sales`` (sale records or ids); a UserError for anything else."""
    if isinstance(sales, (str, bytes, dict)) or not hasattr(sales, "__iter__"):
        raise errors.UserError(f"sale.automation.rule.run: expected a list of sales or their ids, got {sales!r:.80}")
    ids = []
    for sale in sales:
        if getattr(sale, "_name", None) == "sale.sale" or (type(sale) is int and 0 < sale < 2 ** 31):
            ids.append(getattr(sale, "id", sale))
        else:
            raise errors.UserError(f"sale.automation.rule.run: expected a sale or its id, got {sale!r:.80}")
    return list(dict.fromkeys(ids))


def now():
    return datetime.datetime.now().replace(microsecond=0)


class Rule(Model):
    """An automation rule: when a sale matches ``conditions``, its ``actions`` are applied.

    ``conditions`` is a domain over ``sale.sale`` as a JSON list of
    ``[field, operator, value]`` (joined by AND; ``[]`` matches every sale):
    stored fields and dotted paths (``party.tags.name``,
    ``lines.product.code``, ``warehouse.code``, ``status.name``), and
    ``untaxed_amount``.  It is checked when saved.
    """

    _name = "sale.automation.rule"
    _order = (("sequence", "ASC"), ("id", "ASC"))

    name = fields.Char("Name", required=True, size=128)
    sequence = fields.Integer("Sequence", default=10, help="Rules run in this order.")
    active = fields.Boolean("Active", default=True)
    events = Json("Events", default=list,
                  help="The sale events that run the rule at once: created, quoted, confirmed, processed, "
                       "status_changed, paid (with account_payment: every invoice paid); runs of the scheduler "
                       "check every rule anyway.")
    conditions = Json("Conditions", default=list, help="A domain over sale.sale: a list of [field, operator, value].")
    repeat = fields.Boolean("Repeat", help="Apply again each time the sale newly matches; default: once per sale.")
    actions = fields.One2Many("sale.automation.action", "rule", "Actions")

    @classmethod
    def validate(cls, rules):
        super().validate(rules)
        known = [value for value, _ in EVENTS]
        for rule in rules:
            events = rule.events
            if not isinstance(events, list) or not all(isinstance(e, str) and e in known for e in events):
                cls._invalid(rule, "events", f"must be a list of events among {', '.join(known)}, not {events!r:.80}")
            try:
                cls.condition_clauses(rule.conditions)
            except errors.UserError as exc:
                cls._invalid(rule, "conditions", f"not a valid domain over sale.sale: {exc}")
            if not rule.actions:
                cls._invalid(rule, "actions", "a rule needs at least one action")

    @staticmethod
    def _invalid(rule, field, message):
        raise errors.ValidationError(f"invalid {rule.rec_name}: {field}: {message}", {field: [message]},
                                     rule.rec_name)

    @classmethod
    def condition_clauses(cls, conditions):
        """The SQL conditions of a rule's ``conditions`` on ``sale.sale``; a UserError if it is no valid domain."""
        if not isinstance(conditions, list):
            raise errors.UserError(f"expected a list of [field, operator, value], not {conditions!r:.80}")
        Sale = cls.env["sale.sale"]
        plain, computed = [], []
        for clause in conditions:
            if not (isinstance(clause, (list, tuple)) and len(clause) == 3 and isinstance(clause[0], str)):
                raise errors.UserError(f"{clause!r:.80} is not a [field, operator, value] clause")
            builder = COMPUTED_CONDITIONS.get(clause[0])
            if builder is not None:
                computed.append(builder(Sale, clause[1], clause[2]))
            else:
                plain.append(tuple(clause))
        return list(Sale.sql_where(plain)) + computed

    # -- what rules refer to ---------------------------------------------------------
    @classmethod
    def custom_fields_used(cls, rules):
        """``{(model, custom field name): [(rule, where)]}``: the custom fields the rules' conditions, line
        domains and ``set_custom_field`` actions name (``where`` says which of them)."""
        env = cls.env
        used = {}
        for rule in rules:
            for model, name in custom_paths(env, "sale.sale", rule.conditions):
                used.setdefault((model, name), []).append((rule, "conditions"))
            for action in rule.actions:
                for model, name in custom_paths(env, "sale.line", action.line_domain):
                    used.setdefault((model, name), []).append((rule, f"{action.type} lines"))
                if action.custom_field is not None:
                    used.setdefault((action.custom_field.model, action.custom_field.name), []).append(
                        (rule, action.type))
        return used

    # -- running -------------------------------------------------------------------
    @classmethod
    def run(cls, sales=None):
        """Check every open sale (or the open ones of ``sales``) against every active rule, and the watch list.

        Open: quoted, confirmed or processing; a sale a rule watches is
        checked in any state but cancelled (a done sale may still be
        invoiced, say), and leaves the list once an action says it can never
        apply.  Rules go by sequence; the
        events their actions fire are evaluated after them.  Returns the
        ``sale.automation.log`` entries written.  Two runs at once take
        turns: each locks the active rules first.

        A transaction acting for a user needs the write right on the rules;
        the run then acts for the system, as ``kitwork automate`` does (the
        rules say what to do, not the user's rights on each model touched).
        """
        scope = None if sales is None else sale_ids(sales)
        env = cls.env
        if env.user is not None:
            env.check_access(cls._name, "write")
            with env.with_user(None), env.atomic():
                return cls.run(scope)
        if scope:
            cls._check_sales_exist(scope)
        with Pass(cls.env) as automation:
            rules = automation.rules()
            cls.lock(rules)
            for rule in rules:
                automation.evaluate(rule, scope, open_only=True)
            automation.drain()
            return automation.logs

    @classmethod
    def _check_sales_exist(cls, ids):
        """Refuse ids of no sale: a run told to check sale 99999 should say so, not do nothing."""
        table = cls.env["sale.sale"].table
        found = set()
        for start in range(0, len(ids), 1000):
            found.update(cls.env.execute(sa.select(table.c.id).where(in_(table.c.id, ids[start:start + 1000])))
                         .scalars())
        missing = [i for i in ids if i not in found]
        if missing:
            raise errors.UserError(f"sale.automation.rule.run: no sale.sale with id "
                                   f"{', '.join(map(str, missing[:10]))}{'…' if len(missing) > 10 else ''}")

    @classmethod
    def preview(cls, sales=None):
        """What :meth:`run` would do now, done then undone: ``[{rule, sale, outcome, detail}]`` (names, not records)."""
        class Undo(Exception):
            pass
        env = cls.env
        if env.user is not None:   # as run: the write right on the rules, then for the system
            env.check_access(cls._name, "write")
            with env.with_user(None):
                return cls.preview(sales)
        found, skipped = [], []
        try:
            with cls.env.atomic():
                for log_entry in cls.run(sales):
                    found.append({"rule": log_entry.rule.name if log_entry.rule else None,
                                  "sale": log_entry.sale.rec_name, "outcome": log_entry.outcome,
                                  "detail": log_entry.detail})
                skipped = [w for w in env.warnings if w.key == "sale_automation.rule_skipped"]
                raise Undo
        except Undo:
            pass
        for warning in skipped:   # the undo took back the warnings; a rule that cannot run is still worth saying
            env.warn(warning.key, warning.message, warning.record)
        return found

    @classmethod
    def trigger(cls, event, sales):
        """Evaluate the active rules listening to ``event`` for ``sales`` (what the sale hooks call).

        Inside an automation pass (an action fired the event) the evaluation
        is queued and runs once the current rule is done.  Returns the log
        entries written.
        """
        ids = [s.id for s in sales]
        if not ids:
            return []
        current = _passes.get(cls.env)
        if current is not None:
            current.queue.append((event, ids, current.depth + 1))
            return []
        with Pass(cls.env) as automation:
            automation.queue.append((event, ids, 0))
            automation.drain()
            return automation.logs


def custom_paths(env, model_name, domain):
    """The ``(model, custom field name)`` pairs that the paths of ``domain`` (over ``model_name``) reach."""
    if not isinstance(domain, list):
        return
    for clause in domain:
        if not (isinstance(clause, (list, tuple)) and clause and isinstance(clause[0], str)):
            continue
        model, parts = env[model_name], clause[0].split(".")
        for position, part in enumerate(parts):
            field = model.fields.get(part)
            if isinstance(field, CustomValues):
                if position + 1 < len(parts):
                    yield model._name, parts[position + 1]
                break
            target = getattr(field, "target", None)
            if target is None or target not in env:
                break
            model = env[target]


class CustomField:
    """Custom fields that automation rules use stay: deleting one would leave the rules unable to run."""

    _name = "custom.field"

    @classmethod
    def delete(cls, definitions_):
        """Refused while a rule (active or not) names one of them; the message names the rules."""
        Rule = cls.env["sale.automation.rule"]
        used = Rule.custom_fields_used(Rule.search([]))   # inactive rules too: they may run again
        for definition in definitions_:
            users = used.get((definition.model, definition.name))
            if users:
                names = ", ".join(dict.fromkeys(f"{rule.name!r} ({where})" for rule, where in users))
                raise errors.ValidationError(
                    f"cannot delete custom field {definition.model}.{definition.name}: automation rule(s) "
                    f"{names} use it; change or delete those rules first",
                    {"id": ["Used by automation rules."]}, definition.rec_name)
        super().delete(definitions_)


class Action(Model):
    """One action of a rule: its ``type`` and the parameters of that type.

    Parameters are fields; those of another type must stay empty.  Many2One
    parameters take ids.  Checked when saved: a missing or foreign parameter
    is a ``ValidationError`` and nothing is saved.
    """

    _name = "sale.automation.action"
    _order = (("sequence", "ASC"), ("id", "ASC"))

    rule = fields.Many2One("sale.automation.rule", "Rule", required=True, ondelete="cascade")
    sequence = fields.Integer("Sequence", default=10)
    type = fields.Selection([(name, kind.label) for name, kind in KINDS.items()], "Type", required=True)
    product = fields.Many2One("product.product", "Product", ondelete="restrict", help="add_free_product: what to add.")
    quantity = fields.Float("Quantity", help="add_free_product: how many, in the product's unit (default 1).")
    from_warehouse = fields.Many2One("stock.location", "From warehouse", ondelete="restrict",
                                     help="create_transfer: where the goods come from.")
    to_warehouse = fields.Many2One("stock.location", "To warehouse", ondelete="restrict",
                                   help="create_transfer: where they are missing.")
    tag = fields.Many2One("party.tag", "Tag", ondelete="restrict", help="tag_customer, untag_customer.")
    delivery_date = fields.Date("Delivery date", help="set_delivery_date: a fixed date.")
    delivery_days = fields.Integer("Delivery days", min=0, max=3650,
                                   help="set_delivery_date: days after delivery_from.")
    delivery_from = fields.Selection([("sale_date", "Sale date"), ("today", "Today")], "Delivery days from",
                                     help="set_delivery_date: what delivery_days count from.")
    shipping_method = fields.Many2One("sale.shipping_method", "Shipping method", ondelete="restrict",
                                      help="set_shipping_method.")
    status = fields.Many2One("sale.status", "Status", ondelete="restrict", help="set_status.")
    warehouse = fields.Many2One("stock.location", "Warehouse", ondelete="restrict", help="set_warehouse.")
    partial = fields.Boolean("Partial", help="allocate, fulfil: what is available, not only whole sales.")
    alternative_warehouse = fields.Many2One(
        "stock.location", "Alternative warehouse", ondelete="restrict",
        help="allocate, fulfil: where what the sale's warehouse lacks is taken from.")
    line_domain = Json("Lines", help="advanced_fulfil: a domain over sale.line choosing the lines.")
    method = fields.Selection([("ship", "Ship what is available"), ("allocate", "Allocate only")], "Method",
                              help="advanced_fulfil: ship the chosen lines' available goods, or only allocate them.")
    custom_field = fields.Many2One("custom.field", "Custom field", ondelete="restrict",
                                   help="set_custom_field: a field of sale.sale, or of party.party (the customer).")
    value = Json("Value", help="set_custom_field: the value to set, of the custom field's type.")
    increment = fields.Numeric("Increment", digits=4, help="set_custom_field: added to a number field instead.")
    vendor = fields.Many2One("party.party", "Vendor", ondelete="restrict",
                             help="create_purchase: who to buy from; default each product's first supplier.")
    drop_ship = fields.Boolean("Drop ship", help="create_purchase: the supplier delivers the customer directly.")
    send = fields.Boolean("Send", help="invoice: also mail the invoice's PDF to the customer.")
    account = fields.Many2One("account.account", "Account", ondelete="restrict",
                              help="set_nominal_code: the nominal code to book the lines to.")
    only_empty = fields.Boolean("Only lines without one", help="set_nominal_code: leave lines that have an account.")

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        return [{**v, "quantity": 1.0} if v.get("type") == "add_free_product" and v.get("quantity") is None else v
                for v in vlist]

    @classmethod
    def parameter_names(cls):
        """Every parameter field of every action type."""
        return sorted({name for kind in KINDS.values() for name in kind.parameters} & set(cls.fields))

    @classmethod
    def validate(cls, actions):
        super().validate(actions)
        everything = cls.parameter_names()
        for action in actions:
            kind = KINDS[action.type]
            problems = {}
            for name in kind.required:
                if getattr(action, name) is None:
                    problems[name] = f"{action.type} needs {name}"
            for name in everything:
                if name not in kind.parameters and getattr(action, name) not in (None, False):
                    problems[name] = f"not a parameter of {action.type}"
            if not problems:
                problems = kind.check(action)
            if problems:
                detail = "; ".join(f"{name}: {message}" for name, message in sorted(problems.items()))
                raise errors.ValidationError(
                    f"invalid {action.type} action of {action.rule.rec_name}: {detail}",
                    {name: [message] for name, message in problems.items()}, action.rec_name)

    @classmethod
    def can_apply(cls, actions, sales):
        """``{sale id: [reasons]}``: the sales some of ``actions`` cannot be applied to now, and why.

        A reason that is a :class:`~modules.sale_automation.actions.Never`
        says the action can never be performed for the sale (it is done):
        the sale leaves the watch list instead of waiting.
        """
        reasons = {}
        for action in actions:
            for sale_id, reason in KINDS[action.type].can_apply(cls.env, action, sales).items():
                text = f"{action.type}: {reason}"
                reasons.setdefault(sale_id, []).append(Never(text) if isinstance(reason, Never) else text)
        return reasons

    @classmethod
    def apply(cls, actions, sales):
        """Apply ``actions`` in order to ``sales``; ``{sale id: [what each action did]}``.

        A ``UserError`` means one of them could not be done after all; the
        caller's savepoint undoes the others.
        """
        done = {s.id: [] for s in sales}
        for action in actions:
            for sale_id, detail in KINDS[action.type].apply(cls.env, action, sales).items():
                done[sale_id].append(f"{action.type}: {detail}")
        return done


class Kept:
    """Records kept by the automation engine: refused through the API's create and write."""

    @classmethod
    def create(cls, vlist):
        """Refused: the automation engine writes these records."""
        raise errors.UserError(f"{cls._name} records are written by the automation rules, not by hand")

    @classmethod
    def write(cls, records, values):
        """Refused: the automation engine writes these records."""
        raise errors.UserError(f"{cls._name} records are written by the automation rules, not by hand")


class Application(Kept, Model):
    """An action applied to a sale by a rule, under a database-unique key: never applied twice.

    ``key`` is ``rule-sale-action-occurrence``; ``occurrence`` counts the
    times a ``repeat`` rule applied to the sale (1 for the others);
    ``current`` says the sale has matched the rule since (a repeat rule
    applies again only once it was seen not matching).  Deleting the
    applications of a rule and sale lets the rule apply again.
    """

    _name = "sale.automation.application"
    _order = (("id", "ASC"),)

    key = fields.Char("Key", required=True, size=64, unique=True, readonly=True)
    rule = fields.Many2One("sale.automation.rule", "Rule", required=True, ondelete="cascade", readonly=True)
    sale = fields.Many2One("sale.sale", "Sale", required=True, ondelete="cascade", readonly=True)
    action = fields.Many2One("sale.automation.action", "Action", ondelete="set null", readonly=True)
    occurrence = fields.Integer("Occurrence", required=True, default=1, readonly=True)
    current = fields.Boolean("Current", default=True, readonly=True,
                             help="The sale has matched the rule since this application.")
    date = fields.DateTime("Date", required=True, readonly=True)


class Watch(Kept, Model):
    """A sale that matches a rule whose actions cannot all be performed yet: tried again by each run.

    ``reason`` says why (which action, what is missing); ``tries`` counts
    the evaluations since ``since``.  Delete an entry to stop watching.
    """

    _name = "sale.automation.watch"
    _order = (("since", "ASC"), ("id", "ASC"))

    key = fields.Char("Key", required=True, size=32, unique=True, readonly=True, help="rule-sale: once per pair.")
    rule = fields.Many2One("sale.automation.rule", "Rule", required=True, ondelete="cascade", readonly=True)
    sale = fields.Many2One("sale.sale", "Sale", required=True, ondelete="cascade", readonly=True)
    reason = fields.Text("Reason", readonly=True)
    since = fields.DateTime("Since", required=True, readonly=True)
    tries = fields.Integer("Tries", required=True, default=1, readonly=True)
    last_try = fields.DateTime("Last try", readonly=True)


class Log(Kept, Model):
    """What the automation did: a rule applied to a sale, put it on the watch list, or dropped it."""

    _name = "sale.automation.log"
    _order = (("date", "DESC"), ("id", "DESC"))

    rule = fields.Many2One("sale.automation.rule", "Rule", ondelete="set null", readonly=True)
    sale = fields.Many2One("sale.sale", "Sale", required=True, ondelete="cascade", readonly=True)
    date = fields.DateTime("Date", required=True, readonly=True)
    outcome = fields.Selection(OUTCOMES, "Outcome", required=True, readonly=True)
    detail = fields.Text("Detail", readonly=True, help="Which actions, what they did, or why they could not.")


class Clash(Exception):
    """Another transaction applied the rule to the sale first (its application key exists)."""


class Pass:
    """One automation pass in a transaction: rules evaluated, events queued by actions, logs written."""

    def __init__(self, env):
        self.env = env
        self.queue = []          # (event, sale ids, depth)
        self.depth = 0
        self.applied = set()     # (rule id, sale id) applied during this pass
        self.logs = []
        self._rules = None
        self._clauses = {}

    def __enter__(self):
        self.outer = _passes.get(self.env)
        _passes[self.env] = self
        return self

    def __exit__(self, *exc):
        if self.outer is None:
            del _passes[self.env]
        else:
            _passes[self.env] = self.outer

    def rules(self):
        if self._rules is None:
            self._rules = self.env["sale.automation.rule"].search([("active", "=", True)])
        return self._rules

    def drain(self):
        """Evaluate the queued events, each for the rules listening to it, until none is left or too deep."""
        while self.queue:
            event, ids, depth = self.queue.pop(0)
            if depth > MAX_CASCADE:
                self.env.warn("sale_automation.cascade",
                              f"automation cascade stopped after {MAX_CASCADE} levels: event {event} "
                              f"of {len(ids)} sale(s) not evaluated")
                continue
            self.depth = depth
            for rule in self.rules():
                if event in rule.events:
                    self.evaluate(rule, ids, open_only=False)

    # -- one rule ---------------------------------------------------------------------
    def clauses(self, rule):
        """The SQL conditions of ``rule``, or None (said once) when they can no longer be evaluated."""
        if rule.id not in self._clauses:
            try:
                self._clauses[rule.id] = rule.condition_clauses(rule.conditions)
            except errors.UserError as exc:
                self._clauses[rule.id] = None
                self.skip(rule, exc)
        return self._clauses[rule.id]

    def skip(self, rule, exc):
        """A rule that cannot be evaluated is skipped, never blocking the sale's operation: logged and warned."""
        message = (f"automation rule {rule.name!r} cannot be evaluated and was skipped: {exc}; "
                   f"fix its conditions (or deactivate it)")
        log.warning("%s", message)
        self.env.warn("sale_automation.rule_skipped", message, rule)

    def evaluate(self, rule, scope, open_only):
        """Apply ``rule`` to the sales of ``scope`` (ids; None: every sale) that match it, or watch them."""
        env = self.env
        if not rule.actions:   # its last action was deleted: nothing to apply
            return
        clauses = self.clauses(rule)
        if clauses is None:
            return
        Sale, App, Watch_ = env["sale.sale"], env["sale.automation.application"], env["sale.automation.watch"]
        sales, apps = Sale.table, App.table
        where = []
        if scope is not None:
            where.append(in_(sales.c.id, scope))
        if open_only:   # open sales, and the sales the rule watches unless cancelled
            watches = Watch_.table
            where.append(sa.or_(sales.c.state.in_(OPEN_STATES), sa.and_(
                sales.c.state != "cancelled",
                sales.c.id.in_(sa.select(watches.c.sale).where(watches.c.rule == rule.id)))))
        if rule.repeat:   # sales seen not matching: a later match is a new one
            matching = sa.select(sales.c.id).where(*where, *clauses)
            stale = [apps.c.rule == rule.id, apps.c.current.is_(True), apps.c.sale.not_in(matching)]
            if where:
                stale.append(apps.c.sale.in_(sa.select(sales.c.id).where(*where)))
            env.execute(apps.update().where(*stale).values(current=False))
        done = sa.select(apps.c.sale).where(apps.c.rule == rule.id)
        if rule.repeat:
            done = done.where(apps.c.current.is_(True))
        query = sa.select(sales.c.id).where(*where, *clauses, sales.c.id.not_in(done)).order_by(
            sales.c.sale_date, sales.c.id)
        matching = [i for i in env.execute(query).scalars() if (rule.id, i) not in self.applied]
        watch_domain = [("rule", "=", rule.id)] + ([("sale", "in", scope)] if scope is not None else [])
        watched = {w.sale.id: w for w in Watch_.search(watch_domain)}
        candidates = set(matching)
        self.drop(rule, [w for sale_id, w in watched.items() if sale_id not in candidates])
        if not matching:
            return
        records = Sale.browse(matching)
        actions = rule.actions
        queued = len(self.queue)
        reasons = env["sale.automation.action"].can_apply(actions, records)
        del self.queue[queued:]   # what trials fired was undone
        never = {i: why for i, why in reasons.items() if any(isinstance(r, Never) for r in why)}
        self.drop(rule, [watched[i] for i in never if i in watched],
                  {i: "it can never apply: " + "; ".join(why) for i, why in never.items()})
        reasons = {i: why for i, why in reasons.items() if i not in never}
        ready = [s for s in records if s.id not in reasons and s.id not in never]
        failed = self.apply(rule, actions, ready)
        reasons.update({i: [why] for i, why in failed.items()})
        self.watch(rule, reasons, watched)

    def apply(self, rule, actions, sales):
        """Apply ``actions`` to ``sales`` together; on an error, sale by sale. ``{sale id: why it failed}``."""
        if not sales:
            return {}
        failed = {}
        try:
            done = self.attempt(rule, actions, sales)
        except (errors.UserError, Clash) as exc:
            if len(sales) == 1:
                return {} if isinstance(exc, Clash) else {sales[0].id: str(exc)}
            done = {}
            for sale in sales:
                try:
                    done.update(self.attempt(rule, actions, [sale]))
                except Clash:
                    continue
                except errors.UserError as exc:
                    failed[sale.id] = str(exc)
        if done:
            self.record(rule, done, "applied", lambda details: "applied: " + "; ".join(details))
            self.env["sale.automation.watch"].delete_where([("rule", "=", rule.id), ("sale", "in", list(done))])
        return failed

    def attempt(self, rule, actions, sales):
        """In one savepoint: the application keys, then the actions; undone whole if anything raises."""
        env = self.env
        queued = len(self.queue)
        try:
            with env.atomic():
                self.claim(rule, actions, sales)
                done = env["sale.automation.action"].apply(actions, sales)
        except BaseException:
            del self.queue[queued:]   # the events of undone work never happened
            raise
        self.applied.update((rule.id, s.id) for s in sales)
        return done

    def claim(self, rule, actions, sales):
        """Insert the application keys of ``rule`` on ``sales``; Clash if one exists (another run applied it)."""
        env = self.env
        App = env["sale.automation.application"]
        occurrence = dict.fromkeys((s.id for s in sales), 1)
        if rule.repeat:
            apps = App.table
            query = (sa.select(apps.c.sale, sa.func.max(apps.c.occurrence))
                     .where(apps.c.rule == rule.id, in_(apps.c.sale, list(occurrence))).group_by(apps.c.sale))
            for sale_id, last in env.execute(query):
                occurrence[sale_id] = last + 1
        date = now()
        rows = [{"key": f"{rule.id}-{sale_id}-{action.id}-{n}", "rule": rule.id, "sale": sale_id,
                 "action": action.id, "occurrence": n, "current": True, "date": date}
                for sale_id, n in occurrence.items() for action in actions]
        try:
            App.create_unchecked(rows)
        except errors.ValidationError as exc:
            if "key" in exc.errors:
                raise Clash() from None
            raise
        except sa.exc.IntegrityError:
            raise Clash() from None

    def watch(self, rule, reasons, watched):
        """Put the sales of ``reasons`` on the watch list (once), or count one more try for those on it."""
        if not reasons:
            return
        Watch_ = self.env["sale.automation.watch"]
        moment = now()
        texts = {i: "; ".join(why) for i, why in reasons.items()}
        again = [w for i, w in watched.items() if i in texts]
        if again:
            Watch_.write_rows([{"id": w.id, "tries": w.tries + 1, "last_try": moment, "reason": texts[w.sale.id]}
                               for w in again])
        changed = {w.sale.id: texts[w.sale.id] for w in again if w.reason != texts[w.sale.id]}
        new = {i: text for i, text in texts.items() if i not in watched}
        if new:
            rows = [{"key": f"{rule.id}-{i}", "rule": rule.id, "sale": i, "reason": text, "since": moment,
                     "tries": 1, "last_try": moment} for i, text in new.items()]
            try:
                with self.env.atomic():
                    Watch_.create_unchecked(rows)
            except (errors.ValidationError, sa.exc.IntegrityError):   # another transaction watches some
                for row in rows:
                    try:
                        with self.env.atomic():
                            Watch_.create_unchecked([row])
                    except (errors.ValidationError, sa.exc.IntegrityError):
                        new.pop(row["sale"])
        self.record(rule, {**changed, **new}, "watching", lambda text: f"cannot apply yet: {text}")

    def drop(self, rule, watches, why=None):
        """Take off the watch list the sales that no longer match the rule (or ``why``: {sale id: reason})."""
        if not watches:
            return
        texts = {w.sale.id: f"dropped from the watch list after {w.tries} tries: " + (
            why[w.sale.id] if why else f"the sale is {w.sale.state}" if w.sale.state == "cancelled"
            else "the sale no longer matches the conditions") for w in watches}
        self.env["sale.automation.watch"].delete_unchecked(watches)
        self.record(rule, texts, "dropped", lambda text: text)

    def record(self, rule, details, outcome, word):
        if not details:
            return
        moment = now()
        self.logs.extend(self.env["sale.automation.log"].create_unchecked([
            {"rule": rule.id, "sale": sale_id, "date": moment, "outcome": outcome,
             "detail": f"{rule.name}: {word(detail)}"} for sale_id, detail in details.items()]))
