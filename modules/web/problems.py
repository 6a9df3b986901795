"""Checking a request before its transaction, and errors as ``application/problem+json`` (RFC 9457).

| status | when |
| --- | --- |
| 400 | the request cannot be read: malformed JSON, a body or query parameter of the wrong shape, a search the model refuses |
| 401 | no API key, or one that is unknown, revoked or of an inactive user |
| 403 | the user's groups do not grant the right (``core.errors.AccessError``) |
| 404 | unknown model, method or route, or no record with that id |
| 409 | a workflow transition from the wrong state (``core.errors.WorkflowError``) |
| 413 | a body over the size limit |
| 415 | a body sent with a Content-Type that is not JSON (``application/json`` or ``*+json``) |
| 422 | values the model refuses (``core.errors.ValidationError``: ``errors`` by field; any other ``UserError``) |
| 503 | the database cannot be used now (a lock held too long, a lost server) |
"""
import datetime
import decimal
import json
import logging
import math
import re

import marshmallow
from starlette.responses import JSONResponse

from core import Model, errors, fields as kfields
from core import api, schema as kschema
from modules.res import AuthenticationError

from .idempotency import KeyReused

MEDIA_TYPE = "application/problem+json"
MAX_ID = 2 ** 31 - 1
FIELD_PATH = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")

log = logging.getLogger("kitwork.web")


# The ``type`` of a problem document (RFC 9457 §3.1.1), by class of problem: what a client branches on.
# Each is also a page of this server (GET /problems/NAME) saying what it means.
TYPES = {
    "malformed": "The request cannot be read: malformed JSON, a parameter or body of the wrong shape, an unknown "
                 "field or operator in a domain, a body too large or not sent as JSON.",
    "access": "No valid API key or session (401), or the user's groups do not grant the right (403).",
    "not-found": "No such model, method, route or record.",
    "workflow": "A transition not allowed from the record's current state: read the record again and decide.",
    "conflict": "The request clashes with another one: the same Idempotency-Key is being answered, or another "
                "body was already sent with it.",
    "validation": "Values the model refuses; errors maps a path (lines[2].quantity, prefixed by [N]. for the "
                  "N-th record of a posted list, counting from 0) to messages.",
    "unavailable": "The database cannot be used now; retry after Retry-After seconds.",
    "internal": "An unexpected error, logged on the server.",
}
BY_STATUS = {400: "malformed", 401: "access", 403: "access", 404: "not-found", 405: "not-found", 409: "conflict",
             413: "malformed", 415: "malformed", 422: "validation", 503: "unavailable", 500: "internal"}


class Problem(Exception):
    """An HTTP error with its status, a short title, a sentence of detail and, for 422, errors by path.

    ``kind`` is the class of problem (a key of :data:`TYPES`), by default
    the one of its status.
    """

    def __init__(self, status, title, detail, errors=None, headers=None, kind=None):
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors
        self.headers = headers or {}
        self.kind = kind or BY_STATUS.get(status, "malformed")


def path_key(path, name):
    """The key of ``errors`` for field ``name`` of the record at ``path``: ``[0].lines[2].quantity``."""
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else f"{'.' if text else ''}{step}"
    return f"{text}.{name}" if text else name


def problem_of(exc):
    """The Problem an exception means."""
    if isinstance(exc, Problem):
        return exc
    message = " ".join(str(exc).split())
    if isinstance(exc, AuthenticationError):
        return Problem(401, "Unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="kitwork"'})
    if isinstance(exc, errors.AccessError):
        return Problem(403, "Forbidden", message)
    if isinstance(exc, errors.WorkflowError):
        return Problem(409, "Conflict", message, kind="workflow")
    if isinstance(exc, errors.ValidationError):
        return Problem(422, "Idempotency-Key reused" if isinstance(exc, KeyReused) else "Invalid data", message,
                       kind="conflict" if isinstance(exc, KeyReused) else "validation", errors={
            path_key(exc.path, name): [str(m) for m in (messages if isinstance(messages, list) else [messages])]
            for name, messages in exc.errors.items()})
    if isinstance(exc, errors.UserError):
        if message.startswith(("cannot use database", "cannot open database")):
            return Problem(503, "Database unavailable", message, headers={"Retry-After": "1"})
        return Problem(422, "Refused", message, errors={})
    log.exception("unexpected error", exc_info=exc)
    return Problem(500, "Internal error", "an unexpected error happened; it is logged on the server")


def document(problem):
    """The JSON body of a problem."""
    body = {"type": f"/problems/{problem.kind}", "title": problem.title, "status": problem.status,
            "detail": problem.detail}
    if problem.errors is not None:
        body["errors"] = problem.errors
    return body


def response(exc):
    problem = problem_of(exc)
    return JSONResponse(document(problem), status_code=problem.status, headers=problem.headers,
                        media_type=MEDIA_TYPE)


def _refuse_constant(name):
    raise ValueError(f"{name} is not JSON")


def parse_json(body):
    """The JSON value of a request body; 400 if it is none."""
    try:
        return json.loads(body, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:   # JSONDecodeError and bad UTF-8 are ValueErrors
        raise Problem(400, "Malformed JSON", f"the request body is not valid JSON: {exc}") from None


def bearer(request):
    """The API key of a request: its ``Authorization: Bearer`` header; None without one.

    The API never reads a page's session cookie: pages read their session
    with :mod:`modules.web.security`.
    """
    header = request.headers.get("authorization")
    if header is not None:
        scheme, _, key = header.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError("malformed Authorization header: give 'Authorization: Bearer <key>'")
        return key.strip()
    return None


async def read_body(request, limit):
    """The request's body, or None as soon as it exceeds ``limit`` bytes (the rest is never read).

    A ``Content-Length`` over the limit is refused before reading anything;
    a chunked body (no length) is counted as it streams in, so a client
    cannot make the server hold more than the limit, authenticated or not.
    """
    length = request.headers.get("content-length")
    if length is not None and length.strip().isdigit() and int(length) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


def path_id(text):
    """The id of ``/api/{model}/{id}``: a whole number, else 0 (no record has it)."""
    return int(text) if text.isascii() and text.isdigit() and len(text) <= 12 else 0


def check_id(model, id_):
    if not 0 < id_ <= MAX_ID:
        raise Problem(404, "No such record", f"no {model} with id {id_}")
    return id_


_checks = {}


def _fast_checks(model):
    """``{field: fast check or None}`` of a composed model: plain typed values skip marshmallow."""
    checks = _checks.get(model)
    if checks is None:
        checks = _checks[model] = {name: field.fast_check() for name, field in model.fields.items()}
    return checks


def check_values(models, model, values, label, creating, path=()):
    """Refuse, before any transaction, values of unknown or read-only fields and values of the wrong type.

    ``path`` is where the record sits in the body (``(0, "lines", 2)``): the
    keys of the errors.  The model checks everything again (and what needs
    the database: references, required fields, its rules) inside the
    transaction.
    """
    if not isinstance(values, dict):
        raise Problem(400, "Malformed request", f"{model._name} ({label}): expected a JSON object of field "
                      f"values, got {type(values).__name__}")
    problems = {}
    fields = model.fields
    for name, value in values.items():
        field = fields.get(name)
        if field is None:
            problems[name] = [f"Unknown field of {model._name}."]
        elif field.readonly:
            problems[name] = ["Field is read-only."]
    checks = _fast_checks(model)
    slow = {name: value for name, value in values.items() if name not in problems
            and (value is not None and ((check := checks[name]) is None or check(value) is kschema.SLOW))}
    for name, messages in (model.schema.validate(slow, partial=True) if slow else {}).items():
        problems.setdefault(name, []).extend(messages if isinstance(messages, list) else [str(messages)])
    if creating:
        for name, value in values.items():
            field = fields.get(name)
            if name in problems or not isinstance(field, kfields.One2Many) or not isinstance(value, list):
                continue
            child = models[field.target]
            for position, item in enumerate(value):
                if isinstance(item, dict):
                    item = {k: v for k, v in item.items() if k != field.field}
                check_values(models, child, item, f"line {position + 1} of {name} of {label}", creating=True,
                             path=(*path, name, position))
    if problems:
        detail = "; ".join(f"{n}: {' '.join(map(str, m))}" for n, m in sorted(problems.items()))
        raise Problem(422, "Invalid data", f"invalid {model._name} ({label}): {detail}",
                      errors={path_key(path, n): [str(m) for m in ms] for n, ms in problems.items()})


def check_call(model, exposed, arguments, max_ids):
    """``(ids, params)`` of a method call's body, checked against what the method declares."""
    where = f"{model._name}.{exposed.name}"
    if not isinstance(arguments, dict):
        raise Problem(400, "Malformed request", f"{where} takes a JSON object of arguments")
    arguments = dict(arguments)
    ids = None
    if exposed.records:
        ids = arguments.pop("ids", None)
        if not isinstance(ids, list) or not ids or len(ids) > max_ids \
                or not all(type(i) is int and 0 < i <= MAX_ID for i in ids):
            raise Problem(422, "Invalid data", f"{where} needs 'ids': a list of 1 to {max_ids} record ids",
                          errors={"ids": [f"A list of 1 to {max_ids} {model._name} ids."]})
        ids = list(dict.fromkeys(ids))
    problems, params = {}, {}
    for name, value in arguments.items():
        field = exposed.params.get(name)
        if field is None:
            problems[name] = [f"Unknown parameter of {where}; it takes: "
                              f"{', '.join((['ids'] if exposed.records else []) + list(exposed.params)) or 'none'}."]
            continue
        if isinstance(field, kfields.Boolean) and value is not None and type(value) is not bool:
            problems[name] = ["Must be true or false."]
            continue
        try:
            params[name] = None if value is None else field.schema_field().deserialize(value)
        except marshmallow.ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
            problems[name] = [str(m) for m in messages]
    for name, messages in api.missing_required(exposed, arguments).items():
        problems.setdefault(name, messages)
    if problems:
        detail = "; ".join(f"{n}: {' '.join(m)}" for n, m in sorted(problems.items()))
        raise Problem(422, "Invalid data", f"invalid call of {where}: {detail}", errors=problems)
    return ids, params


def json_query(query, name, default):
    """The JSON value of query parameter ``name`` (``default`` when absent); 400 if it is not JSON."""
    text = query.get(name)
    if text is None:
        return default
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as exc:
        raise Problem(400, "Malformed JSON", f"the {name} parameter is not valid JSON: {exc}") from None


def jsonable(value):
    """A method's result as JSON: records as ``{"model", "id"}``, Decimals as strings, dates in ISO."""
    if isinstance(value, Model):
        return {"model": value._name, "id": value.id}
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
