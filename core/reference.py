"""What the modules bring, read from the code itself.

The generated reference of the documentation and the test that every hook,
model and field is documented both read it, so neither can fall behind the
code: models, fields, methods and hooks are found by walking a composed
pool, never listed by hand.
"""
import inspect

from . import hookspecs, modules
from . import fields as kfields
from .pool import get_pool


def builtin_pool():
    """The pool of every built-in module (the sub-packages of :mod:`modules`)."""
    available = modules.discover()
    names = sorted(n for n, m in available.items() if m.package.startswith("modules."))
    return get_pool([available[n] for n in modules.resolve(names, available)])


def hookspecs_of(pool):
    """``[(owner, function)]`` of every hook specification: core's, then each module's."""
    found = [("core", function) for function in _specs(hookspecs)]
    for registration in pool.registrations:
        for namespace, _ in registration.hookspecs:
            found += [(registration.manifest.name, function) for function in _specs(namespace)]
    return found


def _specs(namespace):
    marker = f"{hookspecs.PROJECT}_spec"
    return [f for f in vars(namespace).values() if inspect.isfunction(f) and hasattr(f, marker)]


def implementations(pool, hook_name):
    """``[(plugin, option)]`` implementing ``hook_name``, in the order they run.

    ``plugin`` is ``module:namespace``; ``option`` is ``"tryfirst"``,
    ``"trylast"`` or ``""``.
    """
    caller = getattr(pool.hooks.hook, hook_name)
    return [(impl.plugin_name, "tryfirst" if impl.tryfirst else "trylast" if impl.trylast else "")
            for impl in reversed(caller.get_hookimpls())]


def parts(pool):
    """``{model name: [(class, branch)]}``: the registered classes of each model, the defining one first."""
    active = set(pool.modules)
    found = {}
    for registration in pool.registrations:
        for cls, extras in registration.models:
            if active.issuperset(extras):
                found.setdefault(cls._name, []).append(
                    (cls, modules.owner(registration.manifest.name, extras)))
    return found


def describe_type(field):
    """A field's type as the reference shows it: ``Many2One → party.party``, ``Function(Numeric)``."""
    kind = type(field).__name__
    if isinstance(field, kfields.Function):
        return f"Function({describe_type(field.field)})"
    if isinstance(field, kfields.One2Many):
        return f"One2Many → {field.target}" + (f" (by {field.field})" if field.field else "")
    if isinstance(field, kfields.Many2One):
        return f"Many2One → {field.target}"
    if isinstance(field, kfields.Selection):
        return f"Selection: {', '.join(field.values)}"
    return kind


def methods(model_class, model_parts):
    """``[(name, function, [(qualified class name, branch)])]``: the public methods modules give a model.

    Methods only the core defines (``create``, ``search`` …) and the getters
    of Function fields are left out; each method lists the module classes
    defining it, most derived first, a mixin counting for the module whose
    class brings it.
    """
    branch_of = dict(model_parts)
    getters = {f.getter for f in model_class._fields.values() if isinstance(f, kfields.Function)}
    definers = {}
    branch = None
    for klass in model_class.__mro__[1:]:
        if klass.__module__.split(".")[0] == "core" or klass is object:
            continue
        branch = branch_of.get(klass, branch)
        for name, value in vars(klass).items():
            if name.startswith("_") or name in getters or isinstance(value, kfields.Field):
                continue
            if not isinstance(value, (classmethod, staticmethod)) and not callable(value):
                continue
            definers.setdefault(name, []).append((f"{klass.__module__}.{klass.__qualname__}", branch))
    return [(name, getattr(model_class, name), classes) for name, classes in sorted(definers.items())]


def undocumented(pool):
    """What lacks documentation: hookspecs without a docstring, models without one, fields without a string."""
    problems = []
    for owner, function in hookspecs_of(pool):
        if not (function.__doc__ or "").strip():
            problems.append(f"hookspec {function.__name__} ({owner}) has no docstring")
    for model_name, model_parts in parts(pool).items():
        base, branch = model_parts[0]
        if not (vars(base).get("__doc__") or "").strip():
            problems.append(f"model {model_name} ({branch}) has no docstring")
    for model_name, model_class in pool.models.items():
        for name, field in model_class._fields.items():
            if not (field.string or "").strip():
                problems.append(f"field {model_name}.{name} ({field.owner}) has no string")
    return problems
