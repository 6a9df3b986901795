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
