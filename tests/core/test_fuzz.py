"""Property-based hardening: hostile input through every door of every model.

For every model the built-in modules compose (the pool's own list, so models
added later are covered too) and every field type, hypothesis generates
plausible values with a few hostile ones mixed in: wrong types, huge and tiny
numbers, NaN and infinities, dates out of range, odd Unicode (NUL, lone
surrogates), unknown fields, nested garbage for One2Many fields, records of
the wrong model.  Each ``create``, ``write``, ``delete`` and ``search`` must
either succeed, its records reading back and dumping, or raise a UserError
that leaves every table as it was, even when the caller catches it and the
transaction commits.  A call given records must behave as the same call given
ids.  Every workflow transition is then called from every state, with ids and
with records of another model.  Whatever succeeds, no posted invoice changes:
its amounts, line taxes and tax lines stay as they were posted, whichever
door was called (a tax's rate, a unit's factor, a line of the invoice…).

One database per module: every built-in module active, filled by the modules'
demo chapters.  Examples are derandomized and bounded (``KITWORK_FUZZ_EXAMPLES``
per model and door, default 12), so the file runs in CI on both backends;
``KITWORK_FUZZ_RANDOM=1`` draws new examples each run, to hunt.
"""
import datetime
import io
import importlib
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core import errors
from core import fields as kfields
from core import modules as kmodules
from core.pool import get_pool

AVAILABLE = kmodules.discover()
BUILTIN = sorted(n for n, m in AVAILABLE.items() if m.package.startswith("modules."))
POOL = get_pool([AVAILABLE[n] for n in kmodules.resolve(BUILTIN, AVAILABLE)])
MODELS = sorted(POOL.models)
TRANSITIONS = {name: {attr: getattr(model, attr)._transition_to for attr in dir(model)
                      if getattr(getattr(model, attr, None), "_transition_to", None)}
               for name, model in sorted(POOL.models.items())}
TRANSITIONS = {name: methods for name, methods in TRANSITIONS.items() if methods}

FUZZ = settings(max_examples=int(os.environ.get("KITWORK_FUZZ_EXAMPLES", 12)), deadline=None,
                derandomize=not os.environ.get("KITWORK_FUZZ_RANDOM"), database=None,
                suppress_health_check=list(HealthCheck))


class Rollback(Exception):
    """Undo a call that succeeded, so that every example starts from the same database."""


class Rec:
    """A record to be: (model, id), made a real record inside the example's transaction."""

    def __init__(self, model, id_):
        self.model, self.id = model, id_

    def __repr__(self):
        return f"Rec({self.model!r}, {self.id})"


def materialize(value, env, as_records=False):
    """``value`` with every Rec a record of ``env`` (and, with ``as_records``, ids of known records too)."""
    if isinstance(value, Id):
        return env[value.model].browse([value.id])[0] if as_records else value.id
    if isinstance(value, Rec):
        return env[value.model].browse([value.id])[0]
    if isinstance(value, dict):
        return {k: materialize(v, env, as_records) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(materialize(v, env, as_records) for v in value)
    return value


class Id(Rec):
    """An id of an existing record, given as an id, or as the record in the twin call."""


# -- the database ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def world(full_db, snapshot):
    """The demo's records, a kit with one component, records in every state; and the baseline snapshot."""
    for name in full_db.active_modules:
        chapter = getattr(importlib.import_module(AVAILABLE[name].package), "demo", None)
        if chapter is not None:
            chapter(full_db, io.StringIO())
    with full_db.transaction() as env:
        unit, = env["product.uom"].search([("symbol", "=", "u")], limit=1)
        part, = env["product.product"].create([{"name": "Fuzz part", "default_uom": unit.id}])
        env["product.product"].create([{"name": "Fuzz kit", "type": "kit", "default_uom": unit.id,
                                        "components": [{"product": part.id, "quantity": 1}]}])
    with full_db.transaction() as env:   # a posted invoice with a percentage and a fixed tax, in dozens
        units = {u.symbol: u.id for u in env["product.uom"].search([])}
        revenue, = env["account.account"].search([("code", "=", "4000")])
        vat, eco = env["account.tax"].create([{"name": "Fuzz VAT", "rate": Decimal("0.2")},
                                              {"name": "Fuzz eco", "type": "fixed", "amount": Decimal("0.5")}])
        bulb, = env["product.product"].create([{"name": "Fuzz bulb", "default_uom": units["u"],
                                                "list_price": Decimal("3"), "revenue_account": revenue.id}])
        party, = env["party.party"].search([], limit=1)
        invoice, = env["account.invoice"].create([{"party": party.id, "lines": [
            {"product": bulb.id, "quantity": 2, "unit": units["dz"], "taxes": [vat.id, eco.id]}]}])
        env["account.invoice"].post([invoice])
    for model_name, methods in TRANSITIONS.items():
        _every_state(full_db, model_name, methods)
    with full_db.transaction() as env:
        ids = {name: [r.id for r in env[name].search([], order=[("id", "ASC")])] for name in MODELS}
        baseline = snapshot(env)
        posted = posted_invoices(env)
    assert len(posted) >= 2 and any(len(taxes) == 2 for *_, taxes in posted.values())
    return {"db": full_db, "ids": ids, "baseline": baseline, "snapshot": snapshot, "posted": posted}


def posted_invoices(env, ids=None):
    """``{invoice id: (untaxed, tax, total, line tax amounts, tax lines)}`` of the posted (numbered) invoices."""
    Invoice = env["account.invoice"]
    invoices = Invoice.browse(ids) if ids is not None else Invoice.search([("number", "!=", None)])
    return {i.id: (i.untaxed_amount, i.tax_amount, i.total_amount, tuple(line.tax_amount for line in i.lines),
                   tuple((t.description, t.base, t.amount) for t in i.taxes)) for i in invoices}


def _copy_values(env, model_name, record, depth=1):
    """Writable values of ``record`` (children too, one level): a new record like it, in its first state."""
    Model = env[model_name]
    dumped = Model.dump([record])[0]
    values = {}
    for name, field in Model._fields.items():
        if field.readonly or field.unique or isinstance(field, kfields.Function):
            continue
        if isinstance(field, kfields.One2Many):
            if depth:
                Target = env[field.target]
                values[name] = [{k: v for k, v in _copy_values(env, field.target, child, 0).items()
                                 if k != field.field} for child in Target.browse(dumped[name])]
        elif field.stored:
            values[name] = dumped[name]
    return values


def _every_state(database, model_name, methods):
    """Give the model a record in every state its transitions reach (copies of an existing record)."""
    with database.transaction() as env:
        Model = env[model_name]
        records = Model.search([])
        if not records:
            return
        present = {r.state for r in records}
        template = _copy_values(env, model_name, records[0])
    first = Model._fields["state"].default
    paths, todo = {first: []}, [first]
    while todo:
        state = todo.pop(0)
        for method, target in sorted(methods.items()):
            if (state, target) in POOL.models[model_name]._transitions and target not in paths:
                paths[target] = paths[state] + [method]
                todo.append(target)
    for state, path in paths.items():
        if state in present:
            continue
        try:
            with database.transaction() as env:
                record, = env[model_name].create([template])
                for method in path:
                    getattr(env[model_name], method)([record])
        except errors.UserError:
            pass


# -- values -------------------------------------------------------------------------------
ODD_CHARACTERS = [
    "\x00", "\ud800", "\udfff", "\u202e", "\ufeff", "\u0301", "é", "𝔘", "\n", "'", '"', "%", "_", "\\"]
odd_text = st.text(st.one_of(st.characters(), st.sampled_from(ODD_CHARACTERS)), max_size=12) | st.sampled_from(
    ["", " ", "x" * 300, "\x00", "\ud800", "a\x00b", "DROP TABLE party_party; --", "2026-02-30", "1e400", "NaN"])
huge_numbers = st.sampled_from([2 ** 31, -2 ** 31 - 1, 10 ** 20, 10 ** 400, -10 ** 400, 1e30, -1e308, 5e-324,
                                1e12 + 1, float("nan"), float("inf"), -float("inf"), Decimal("1e20"),
                                Decimal("1e400"), Decimal("-1e-400"), Decimal("NaN"), Decimal("sNaN"),
                                Decimal("Infinity"), Decimal("999999999999.99995")])
odd_dates = st.dates() | st.datetimes() | st.sampled_from(
    [datetime.date.min, datetime.date.max, "not-a-date", "2024-02-30", "9999-12-31", "0001-01-01",
     "2026-03-01T10:00:00", "2026-03-01"])
wrong_types = st.one_of(
    st.booleans(), st.integers(), st.floats(), st.decimals(), st.binary(max_size=4), st.just(object()),
    st.lists(st.integers(), max_size=3), st.tuples(st.text(max_size=3), st.integers()),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.just({"id": 1}))


def other_records(ids, not_model=None):
    choices = [(m, i) for m in MODELS if m != not_model for i in ids[m][:1]]
    return st.sampled_from(choices).map(lambda c: Rec(*c))


def plausible(field, ids, depth):
    """Values a user would give: mostly accepted."""
    if isinstance(field, kfields.Many2One):
        known = ids[field.target]
        return st.sampled_from(known).map(lambda i: Id(field.target, i)) if known else st.none()
    if isinstance(field, kfields.One2Many):
        if not depth:
            return st.just([])
        return st.lists(record_values(POOL.models[field.target], ids, depth - 1, exclude=field.field), max_size=2)
    if isinstance(field, kfields.Selection):
        return st.sampled_from(field.values)
    if isinstance(field, kfields.Boolean):
        return st.booleans()
    if isinstance(field, kfields.Integer):
        return st.integers(max(field.min, -3), min(field.max, 30))
    if isinstance(field, kfields.Float):
        return st.floats(max(field.min, 0.001), min(field.max, 500), allow_nan=False).map(lambda v: round(v, 3))
    if isinstance(field, kfields.Numeric):
        return st.decimals(0, 1000, places=field.digits)
    if isinstance(field, kfields.Date):
        return st.dates(max(field.min, datetime.date(2020, 1, 1)), min(field.max, datetime.date(2030, 12, 31)))
    if isinstance(field, kfields.DateTime):
        return st.datetimes(datetime.datetime(2020, 1, 1), datetime.datetime(2030, 12, 31))
    if isinstance(field, kfields.Binary):
        return st.binary(max_size=20)
    if isinstance(field, kfields.Reference):
        return st.sampled_from([f"{m},{i}" for m in MODELS for i in ids[m][:1]] or [None])
    size = getattr(field, "size", None) or 40
    return st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=min(size, 20))


def hostile(field, ids, depth):
    """Values a careless or hostile caller gives: mostly refused, never a crash."""
    options = [st.none(), wrong_types, huge_numbers, odd_text, odd_dates, other_records(ids)]
    if isinstance(field, kfields.Many2One):
        options += [st.integers(-2, 10 ** 6), st.just(Rec(field.target, 10 ** 6)), st.just(Rec(field.target, -1))]
    if isinstance(field, kfields.One2Many) and depth:
        target = POOL.models[field.target]
        garbage = record_values(target, ids, 0, exclude=field.field, hostile_fields=3)
        known = ids[field.target]
        some_ids = st.lists(st.sampled_from(known) if known else st.integers(-2, 5), max_size=2)
        options += [st.lists(garbage, max_size=2), st.lists(wrong_types, min_size=1, max_size=2),
                    st.lists(st.one_of(
                        st.tuples(st.just("create"), st.lists(garbage, max_size=2)),
                        st.tuples(st.just("write"), some_ids | wrong_types, garbage | wrong_types),
                        st.tuples(st.just("delete"), some_ids | wrong_types | st.lists(odd_text, max_size=2)),
                        st.tuples(st.sampled_from(["add", "set", "", "create"])),
                        st.tuples(st.just("create"), garbage)), min_size=1, max_size=2)]
    return st.one_of(options)


@st.composite
def record_values(draw, model, ids, depth=1, exclude=None, hostile_fields=None):
    """A dict for ``create``/``write``: plausible values, a few fields hostile, maybe unknown names."""
    names = [n for n, f in model._fields.items() if n != exclude and not isinstance(f, kfields.Function)]
    values = {}
    for name in names:
        field = model._fields[name]
        if field.readonly:
            continue
        if field.required or draw(st.booleans()):
            values[name] = draw(plausible(field, ids, depth))
    count = draw(st.integers(0, 3)) if hostile_fields is None else hostile_fields
    for name in draw(st.lists(st.sampled_from(sorted(model._fields) + ["no_such_field", "id"]),
                              max_size=count, unique=True)):
        field = model._fields.get(name) or kfields.Char()
        values[name] = draw(hostile(field, ids, depth))
    return values


def domain_clause(model, ids):
    names = sorted(n for n, f in model._fields.items() if f.stored) + ["id"]
    paths = [f"{n}.{t}" for n, f in model._fields.items() if isinstance(f, kfields.Many2One)
             for t in sorted(n2 for n2, f2 in POOL.models[f.target]._fields.items() if f2.stored)[:3]]
    field_names = st.sampled_from(names + paths) | st.sampled_from(["no_such_field", "", "id.id", "a.b.c"])
    operators = st.sampled_from(list(model.OPERATORS)) | st.sampled_from(["==", "LIKE", "in ", ""]) | wrong_types
    plausible_value = st.sampled_from(names).flatmap(
        lambda n: plausible(model._fields[n], ids, 0) if n in model._fields else st.integers(1, 5))
    values = st.one_of(plausible_value, st.lists(plausible_value, max_size=3), hostile(kfields.Char(), ids, 0),
                       st.lists(hostile(kfields.Char(), ids, 0), max_size=2))
    clause = st.tuples(field_names, operators, values)
    return clause | st.sampled_from([(), ("id",), ("id", "="), ("id", "=", 1, 2), "id", None, 5])


# -- the property -----------------------------------------------------------------------
def outcome(world, call):
    """Run ``call(env)``: "ok" (read back, dumped, rolled back) or the UserError class, tables unchanged."""
    db, snapshot, baseline = world["db"], world["snapshot"], world["baseline"]
    result = None
    try:
        with db.transaction() as env:
            try:
                records = call(env)
            except errors.UserError as exc:
                assert snapshot(env) == baseline, f"{type(exc).__name__} ({exc}) left changes behind"
                result = type(exc)
            else:
                for record in records or ():
                    Model = env[record._name]
                    Model.dump(Model.browse([record.id]))
                assert posted_invoices(env, list(world["posted"])) == world["posted"], \
                    "a posted invoice changed"
                raise Rollback
    except Rollback:
        return "ok"
    with db.transaction() as env:
        assert snapshot(env) == baseline, "a refused call left changes behind after the commit"
    return result


def twins(world, call, values):
    """The call given ids and the same call given records: the same outcome."""
    by_id = outcome(world, lambda env: call(env, materialize(values, env)))
    if _has_ids(values):
        by_record = outcome(world, lambda env: call(env, materialize(values, env, as_records=True)))
        assert by_id == by_record, f"given ids: {by_id}; given records: {by_record}"


def _has_ids(value):
    if isinstance(value, Id):
        return True
    if isinstance(value, dict):
        return any(_has_ids(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_ids(v) for v in value)
    return False


# -- the tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("model_name", MODELS)
@FUZZ
@given(data=st.data())
def test_create(world, model_name, data):
    model = POOL.models[model_name]
    vlist = data.draw(st.lists(record_values(model, world["ids"]), min_size=1, max_size=2)
                      | st.sampled_from([[], {}, "abc", 5, None, [None], [[]], [{"x": 1}]]), label="vlist")
    twins(world, lambda env, vlist: env[model_name].create(vlist), vlist)


@pytest.mark.parametrize("model_name", MODELS)
@FUZZ
@given(data=st.data())
def test_write(world, model_name, data):
    model, ids = POOL.models[model_name], world["ids"]
    targets = data.draw(st.lists(st.sampled_from(ids[model_name]), min_size=1, max_size=2, unique=True)
                        if ids[model_name] else st.just([]), label="ids")
    values = data.draw(record_values(model, ids), label="values")
    records = [Id(model_name, i) for i in targets]
    twins(world, lambda env, args: env[model_name].write(*args) or env[model_name].browse(args[0]),
          (records, values))


@pytest.mark.parametrize("model_name", MODELS)
@FUZZ
@given(data=st.data())
def test_delete(world, model_name, data):
    ids = world["ids"][model_name]
    targets = data.draw(st.lists(st.sampled_from(ids), min_size=1, max_size=4, unique=True) if ids
                        else st.just([]), label="ids")
    twins(world, lambda env, records: env[model_name].delete(records), [Id(model_name, i) for i in targets])


@pytest.mark.parametrize("model_name", MODELS)
@FUZZ
@given(data=st.data())
def test_search(world, model_name, data):
    model, ids = POOL.models[model_name], world["ids"]
    domain = data.draw(st.lists(domain_clause(model, ids), max_size=3) | wrong_types, label="domain")
    options = data.draw(st.fixed_dictionaries({}, optional={
        "limit": st.none() | st.integers(-2, 3) | wrong_types | huge_numbers,
        "offset": st.none() | st.integers(-2, 3) | wrong_types,
        "order": st.lists(st.tuples(st.sampled_from(sorted(model._fields) + ["id", "nope"]),
                                    st.sampled_from(["ASC", "desc", "up", 1])), max_size=2) | wrong_types}),
        label="options")
    twins(world, lambda env, domain: env[model_name].search(domain, **options)[:5], domain)


# What a posted invoice's figures were computed from: writes that succeed here must leave it as posted.
FIGURES = {
    "account.tax": st.fixed_dictionaries({}, optional={
        "type": st.sampled_from(["percentage", "fixed"]), "rate": st.decimals(0, 1, places=6),
        "amount": st.decimals(0, 100, places=4), "name": st.text("abcVAT %", min_size=1, max_size=12)}),
    "product.uom": st.fixed_dictionaries({}, optional={
        "factor": st.floats(0.01, 1000).map(lambda v: round(v, 3)), "rounding": st.sampled_from([0.01, 0.5, 1.0]),
        "symbol": st.text("abcdz", min_size=1, max_size=4)}),
    "account.invoice.line": st.fixed_dictionaries({}, optional={
        "quantity": st.floats(0.5, 50).map(lambda v: round(v, 1)), "unit_price": st.decimals(0, 100, places=2),
        "taxes": st.just([("set", [])])}),
}


@pytest.mark.parametrize("model_name", sorted(FIGURES))
@FUZZ
@given(data=st.data())
def test_no_write_changes_a_posted_invoice(world, model_name, data):
    """Plausible writes, many accepted, to every record the posted invoices' figures come from."""
    targets = data.draw(st.lists(st.sampled_from(world["ids"][model_name]), min_size=1, max_size=3, unique=True),
                        label="ids")
    values = data.draw(FIGURES[model_name], label="values")
    twins(world, lambda env, args: env[model_name].write(*args) or env[model_name].browse(args[0]),
          ([Id(model_name, i) for i in targets], values))


@pytest.mark.parametrize("model_name, method", [(m, t) for m, methods in TRANSITIONS.items() for t in sorted(methods)])
def test_transition_from_every_state(world, model_name, method):
    """From a state the transition does not leave: a UserError; with records of another model: one too."""
    target = TRANSITIONS[model_name][method]
    allowed = POOL.models[model_name]._transitions
    with world["db"].transaction() as env:
        by_state = {}
        for record in env[model_name].browse(world["ids"][model_name]):
            by_state.setdefault(record.state, record.id)
    assert len(by_state) > 1, f"{model_name}: the fixture should give records in several states"
    for state, id_ in sorted(by_state.items()):
        call = lambda env, records: getattr(env[model_name], method)(records)   # noqa: E731
        result = outcome(world, lambda env: call(env, [id_]))
        assert result == outcome(world, lambda env: call(env, env[model_name].browse([id_])))
        if (state, target) not in allowed:
            assert refused(result, errors.WorkflowError), (state, result)
            mixed = [i for s, i in by_state.items() if (s, target) in allowed][:1] + [id_]
            assert refused(outcome(world, lambda env: call(env, mixed)), errors.UserError)
    for other in [m for m in MODELS if m != model_name and world["ids"][m]][:3] + [model_name]:
        strangers = ["1", None, 1.5, Rec(other, world["ids"][other][0])] if other != model_name else [[], 0, -1]
        for stranger in strangers:
            result = outcome(world, lambda env: getattr(env[model_name], method)([materialize(stranger, env)]))
            assert refused(result, errors.UserError), (stranger, result)


def refused(result, error):
    return result != "ok" and issubclass(result, error)
