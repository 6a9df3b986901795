"""Methods a model publishes: what the HTTP API (and any other front end) may call.

A model's records are reached through ``create``, ``search``, ``write`` and
``delete``; its other class methods stay internal unless the model publishes
them.  Workflow transitions (:func:`core.transition`) are published as they
are; any other class method is published with :func:`expose`, which says
which right it needs and describes its parameters with Kitwork fields, so a
front end can check a call's arguments and document them without running it.
A published method is a door of the model, like ``write``: it runs whole in
one savepoint, and a transaction acting for a user checks the user's right
once, when the call comes in (what the method does inside is on the system's
behalf).
"""
import dataclasses
import types

import sqlalchemy as sa

from . import errors, fields, schema
from .environment import OPERATIONS


@dataclasses.dataclass(frozen=True)
class Exposed:
    """A published method of a composed model (see :attr:`core.Model.exposed_methods`).

    ``access`` is the right it needs on the model (``read``, ``create``,
    ``write`` or ``delete``); ``records``: whether it takes a list of records
    (or ids) first; ``params``: its keyword parameters, ``{name: field}`` (a
    bound :class:`core.fields.Field` that checks and describes the value);
    ``doc``: its docstring.
    """

    name: str
    access: str
    records: bool
    params: types.MappingProxyType
    doc: str


def expose(access="write", records=True, **params):
    """Publish a class method (place it under ``@classmethod``).

    ``access``: the right the caller needs on the model; ``records``: whether
    the method takes records first (``order(rules)``) or not
    (``run_scheduler()``); ``params``: each keyword parameter as a field,
    e.g. ``warehouse=fields.Many2One("stock.location", "Warehouse")``.  On a
    transition it adds parameters to the published transition.
    """
    if access not in OPERATIONS:
        raise ValueError(f"access must be one of {OPERATIONS}, not {access!r}")

    def mark(method):
        function = getattr(method, "__func__", method)
        function._exposed = (access, records, dict(params))
        return method
    return mark


def exposed_of(composed, model_name, owner):
    """``{name: Exposed}`` of a composed model: its transitions and its ``@expose`` methods."""
    result = {}
    for attr in dir(composed):
        method = getattr(composed, attr, None)
        marked = getattr(method, "_exposed", None)
        if marked is None and not hasattr(method, "_transition_to"):
            continue
        access, records, params = marked or ("write", True, {})
        bound = {name: field.bind(name, f"{model_name}.{attr}", owner) for name, field in params.items()}
        result[attr] = Exposed(attr, access, records, types.MappingProxyType(bound),
                               " ".join((method.__doc__ or "").split()))
    return result


def check_arguments(model, exposed, signature, args, kwargs):
    """Refuse a call of a published method that the declared parameters do not allow, before it runs.

    A ``required`` parameter missing or None, or a Many2One parameter that is
    not an id or record of its target, or names no record: a
    :class:`~core.errors.ValidationError` by parameter.  The same check for
    Python callers and the HTTP API (which calls the door).
    """
    try:
        given = signature.bind_partial(*args, **kwargs).arguments
    except TypeError:   # Python words a wrong call itself
        return
    problems, references = {}, []
    for name, field in exposed.params.items():
        value = given.get(name)
        if value is None:
            if field.required:
                problems[name] = ["Missing data for required parameter."]
            continue
        if isinstance(field, fields.Many2One):
            id_ = value.id if getattr(value, "_name", None) == field.target else value
            if type(id_) is int and 0 < id_ <= schema.INTEGER_RANGE[1]:
                references.append((name, field, id_))
            else:
                problems[name] = [f"Not a {field.target} id or record: {value!r:.40}."]
    for name, field, id_ in references:
        table = model.env[field.target].table
        if model.env.execute(sa.select(table.c.id).where(table.c.id == id_)).first() is None:
            problems[name] = [f"No {field.target} with id {id_}."]
    if problems:
        detail = "; ".join(f"{n}: {' '.join(m)}" for n, m in sorted(problems.items()))
        raise errors.ValidationError(f"invalid call of {model._name}.{exposed.name}: {detail}", problems)
