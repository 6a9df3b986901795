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
behalf).  Its parameters are checked by their fields whoever calls it, from
Python as over HTTP: a ``required`` parameter missing or None, a value of the
wrong type, out of bounds, or a Many2One naming no record is a
:class:`~core.errors.ValidationError` before the method runs.
"""
import dataclasses
import inspect
import types

import marshmallow
import sqlalchemy as sa

from . import errors, fields
from .environment import OPERATIONS


@dataclasses.dataclass(frozen=True)
class Exposed:
    """A published method of a composed model (see :attr:`core.Model.exposed_methods`).

    ``access`` is the right it needs on the model (``read``, ``create``,
    ``write`` or ``delete``); ``records``: whether it takes a list of records
    (or ids) first; ``params``: its keyword parameters, ``{name: field}`` (a
    bound :class:`core.fields.Field` that checks and describes the value);
    ``doc``: its docstring; ``signature``: the method's, which matches
    positional arguments to parameters when the call is checked;
    ``returns``: what it returns, as :func:`expose` declares it (a
    transition: :data:`NOTHING`; None: not said).
    """

    name: str
    access: str
    records: bool
    params: types.MappingProxyType
    doc: str
    signature: inspect.Signature = dataclasses.field(default=None, compare=False, repr=False)
    returns: object = None


NOTHING = "nothing"   # ``returns`` of a method whose result means nothing to its callers (a transition)


def expose(access="write", records=True, returns=None, **params):
    """Publish a class method (place it under ``@classmethod``).

    ``access``: the right the caller needs on the model; ``records``: whether
    the method takes records first (``order(rules)``) or not
    (``run_scheduler()``); ``params``: each keyword parameter as a field,
    e.g. ``warehouse=fields.Many2One("stock.location", "Warehouse")``.  On a
    transition it adds parameters to the published transition.
    ``returns`` says what the method returns, for front ends to describe and
    check: a model name (a list of its records), a field (one value of its
    type), a dict ``{key: field}`` (a list of rows with those keys),
    :data:`NOTHING`, or None (not said: any JSON value).
    """
    if access not in OPERATIONS:
        raise ValueError(f"access must be one of {OPERATIONS}, not {access!r}")

    def mark(method):
        function = getattr(method, "__func__", method)
        function._exposed = (access, records, dict(params), returns)
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
        access, records, params, returns = marked or ("write", True, {}, None)
        if hasattr(method, "_transition_to") and returns is None:
            returns = NOTHING
        bound = {name: field.bind(name, f"{model_name}.{attr}", owner) for name, field in params.items()}
        if isinstance(returns, fields.Field):
            returns = returns.bind("result", f"{model_name}.{attr}", owner)
        elif isinstance(returns, dict):
            returns = types.MappingProxyType({key: field.bind(key, f"{model_name}.{attr}", owner)
                                              for key, field in returns.items()})
        result[attr] = Exposed(attr, access, records, types.MappingProxyType(bound),
                               " ".join((method.__doc__ or "").split()), inspect.signature(method), returns)
    return result


MISSING = "Missing data for required parameter."


def missing_required(exposed, arguments):
    """``{parameter: [message]}`` of the ``required`` parameters of ``exposed`` that ``arguments`` lacks or gives None.

    Shared by :func:`check_arguments` and front ends that check a call
    before opening a transaction, so both word it alike.
    """
    return {name: [MISSING] for name, field in exposed.params.items()
            if field.required and arguments.get(name) is None}


def check_arguments(model, exposed, arguments):
    """``arguments`` (``{parameter: value}``) of a call of ``exposed`` on ``model``, checked by the fields.

    A ``required`` parameter must be given, not None.  Each declared
    parameter given a value other than None is converted by its field's
    schema (a record of a Many2One's target stays the record); a Many2One
    value must name an existing record (one query each).  Returns the
    arguments to call with; raises ValidationError naming the method and
    every parameter at fault.
    """
    where = f"{model._name}.{exposed.name}"
    problems, said, result = missing_required(exposed, arguments), {}, dict(arguments)
    for name, field in exposed.params.items():
        value = arguments.get(name)
        if value is None:
            continue
        if isinstance(field, fields.Boolean) and type(value) is not bool:   # not "yes", not 1
            problems[name] = ["Must be true or false."]
            said[name] = f"must be True or False, not {value!r:.40}"
            continue
        try:
            converted = field.schema_field().deserialize(value)
        except marshmallow.ValidationError as exc:
            messages = exc.messages if isinstance(exc.messages, list) else [str(exc.messages)]
            problems[name] = [str(m) for m in messages]
            continue
        if isinstance(field, fields.Many2One):
            table = model.env[field.target].table
            if model.env.execute(sa.select(table.c.id).where(table.c.id == converted)).first() is None:
                problems[name] = [f"No {field.target} with id {converted}."]
                said[name] = f"no {field.target} with id {converted}"
                continue
            if getattr(value, "_name", None) == field.target:
                converted = value
        result[name] = converted
    if problems:
        detail = "; ".join(f"{name}: {said.get(name) or ' '.join(messages)}"
                           for name, messages in sorted(problems.items()))
        raise errors.ValidationError(f"invalid call of {where}: {detail}", problems, where)
    return result


def checking_arguments(composed, name, exposed):
    """The door ``name`` of ``composed``, its declared parameters checked first (see :func:`check_arguments`).

    The user's right is checked before the parameters, as the door does
    (a refusal then tells nothing of which records exist).  Positional
    arguments are matched to their parameters by the method's signature.
    """
    door = getattr(composed, name).__func__
    signature = exposed.signature

    def checked(cls, *args, **kwargs):
        env = cls._env
        if env._user is not None and not env._inside:
            env.check_access(cls._name, exposed.access)
        try:
            bound = signature.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise errors.UserError(f"{cls._name}.{name}: {exc}") from None
        given = {key: value for key, value in bound.arguments.items() if key in exposed.params}
        bound.arguments.update(check_arguments(cls, exposed, given))
        try:   # a required parameter missing was refused above, in the declared words
            signature.bind(*bound.args, **bound.kwargs)
        except TypeError as exc:
            raise errors.UserError(f"{cls._name}.{name}: {exc}") from None
        return door(cls, *bound.args, **bound.kwargs)

    checked.__name__, checked.__qualname__, checked.__doc__ = name, door.__qualname__, door.__doc__
    if hasattr(door, "_transition_to"):
        checked._transition_to = door._transition_to
    return classmethod(checked)
