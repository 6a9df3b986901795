"""Lists over HTTP: nested domains checked before the transaction, chosen fields, the total and the next page.

``GET /api/{model}`` answers the page of records asked for, with the number
of all the records matching in ``X-Total-Count`` and, while more remain, the
URL of the next page in ``Link: <…>; rel="next"`` (RFC 8288), so a client
pages without counting.  ``fields=name,party.name`` answers only those fields
(and ``id``); a dotted path goes through Many2One fields and answers a flat
``"party.name"`` key, read with one query per relation for the whole page.
"""
from core import Model, fields as kfields

from .problems import FIELD_PATH, MAX_ID, Problem, json_query

JOINS = ("OR", "AND")
MAX_DEPTH = 32      # levels of nested domains (the model refuses deeper ones too)
MAX_FIELDS = 200    # paths in one fields= parameter


class Answer:
    """A JSON body with headers of its own (a list's total and next link)."""

    def __init__(self, body, headers):
        self.body, self.headers = body, headers


def search_parameters(models, model, query, default_limit, max_limit):
    """``(domain, order, limit, offset, fields)`` from a list's query string, shapes checked; 400 if wrong."""
    known = {"domain", "order", "limit", "offset", "fields"}
    unknown = sorted(set(query) - known)
    if unknown:
        raise Problem(400, "Invalid query", f"unknown query parameter(s) {', '.join(unknown)}; "
                      f"use domain, order, limit, offset, fields")

    def number(name, default, low, high):
        text = query.get(name)
        if text is None:
            return default
        if not (text.isascii() and text.isdigit()) or not low <= int(text) <= high:
            raise Problem(400, "Invalid query", f"{name} must be a whole number from {low} to {high}, "
                          f"not {text!r:.40}")
        return int(text)

    limit = number("limit", default_limit, 1, max_limit)
    offset = number("offset", 0, 0, MAX_ID)
    domain = json_query(query, "domain", [])
    check_domain(model, domain)
    order = json_query(query, "order", None)
    if order is not None and (not isinstance(order, list) or not all(
            isinstance(o, list) and len(o) == 2 and all(isinstance(p, str) for p in o) for o in order)):
        raise Problem(400, "Invalid order", 'order must be a JSON list of [field, "ASC" or "DESC"] pairs')
    fields = parse_fields(models, model, query.get("fields"))
    return domain, [tuple(o) for o in order] if order else None, limit, offset, fields


def check_domain(model, domain, depth=0):
    """Refuse with 400, before any transaction, a domain that is not one: its shape, fields and operators.

    Clauses are ``[field, operator, value]``; a domain or a clause may
    begin with ``"OR"`` or ``"AND"``, and a clause may be a list of clauses.
    """
    if not isinstance(domain, list):
        raise Problem(400, "Invalid domain", 'domain must be a JSON list of [field, operator, value] clauses, '
                      'e.g. [["state", "=", "draft"]], optionally beginning with "OR" or "AND"')
    if depth > MAX_DEPTH:
        raise Problem(400, "Invalid domain", f"the domain is nested deeper than {MAX_DEPTH} levels")
    clauses = domain[1:] if domain and domain[0] in JOINS else domain
    for clause in clauses:
        if isinstance(clause, list) and clause and (clause[0] in JOINS or isinstance(clause[0], list)):
            check_domain(model, clause, depth + 1)
        else:
            check_clause(model, clause)


def check_clause(model, clause):
    if not (isinstance(clause, list) and len(clause) == 3 and isinstance(clause[0], str)
            and isinstance(clause[1], str)):
        raise Problem(400, "Invalid domain", f"{clause!r:.80} is not a clause: give [field, operator, value] "
                      f'(or a nested ["OR", clause, …] / ["AND", clause, …])')
    name, operator, value = clause
    head = name.split(".", 1)[0]
    if not FIELD_PATH.fullmatch(name) or (head != "id" and head not in model.fields):
        raise Problem(400, "Invalid domain", f"{model._name} has no field {name!r:.80}")
    if operator not in Model.OPERATORS:
        raise Problem(400, "Invalid domain", f"unknown operator {operator!r:.40} in {clause!r:.80}; use one of "
                      f"{', '.join(Model.OPERATORS)}")
    scalars = value if isinstance(value, list) else [value]
    if isinstance(value, dict) or any(isinstance(v, (dict, list)) for v in scalars):
        raise Problem(400, "Invalid domain", f"the value of {name!r} must be a JSON scalar, or a list "
                      f"of scalars for in / not in")


def parse_fields(models, model, text):
    """The paths of a ``fields=`` parameter, each checked (400 naming the first unknown one); None if absent."""
    if text is None:
        return None
    paths = [p.strip() for p in text.split(",") if p.strip()]
    if not paths or len(paths) > MAX_FIELDS:
        raise Problem(400, "Invalid fields", f"fields= names 1 to {MAX_FIELDS} fields, separated by commas, "
                      f"e.g. fields=name,party.name")
    for path in paths:
        current = model
        parts = path.split(".")
        for position, part in enumerate(parts):
            field = current.fields.get(part)
            if part == "id" and position == len(parts) - 1:
                break
            if field is None or not FIELD_PATH.fullmatch(part):
                raise Problem(400, "Invalid fields", f"{current._name} has no field {part!r:.80} "
                              f"(fields={path[:80]!r})")
            if position < len(parts) - 1:
                if not isinstance(field, kfields.Many2One):
                    raise Problem(400, "Invalid fields", f"{current._name}.{part} is not a Many2One: "
                                  f"fields={path[:80]!r} cannot go through it")
                current = models[field.target]
    return list(dict.fromkeys(paths))


def select(env, name, records, paths):
    """The records of ``name`` dumped with only ``paths`` (and ``id``); dotted paths as flat keys."""
    Model = env[name]
    if paths is None:
        return Model.dump(records)
    own = [p for p in paths if "." not in p]
    through = {}
    for path in paths:
        head, dot, rest = path.partition(".")
        if dot:
            through.setdefault(head, []).append(rest)
    rows = Model.dump(records, fields=own + [h for h in through if h not in own])
    for head, rests in through.items():
        target = Model.fields[head].target
        ids = list(dict.fromkeys(row[head] for row in rows if row[head] is not None))
        related = {row["id"]: row for row in select(env, target, env[target].browse(ids), rests)}
        for row in rows:
            value = related.get(row[head])
            for rest in rests:
                row[f"{head}.{rest}"] = None if value is None else value[rest]
        if head not in own:
            for row in rows:
                del row[head]
    return rows


def next_link(url, offset, limit, total):
    """The ``Link`` header of the next page, while records remain after this one; else None."""
    if offset + limit >= total:
        return None
    return f'<{url.include_query_params(offset=offset + limit, limit=limit)}>; rel="next"'
