"""Finding modules and ordering them.

A module is a Python package holding a ``manifest.toml`` (name, version,
depends, extras) and a ``register(module)`` function that declares what the
package brings: model classes, hook specifications, hook implementations.
Every module, built-in or not, is found through the ``kitwork.modules``
entry-point group (``name = package.path``): Kitwork's own distribution
declares the built-in ones (the sub-packages of :mod:`modules`) in its
setup.cfg exactly as a third-party package declares its own, so the core
never imports a module package it was not pointed to.
"""
import dataclasses
import difflib
import importlib
import importlib.metadata
import importlib.resources
import tomllib
from pathlib import Path

from . import errors

ENTRY_POINT_GROUP = "kitwork.modules"
BUILTIN_DISTRIBUTION = "kitwork"   # the distribution whose modules are the built-in ones


@dataclasses.dataclass(frozen=True)
class Manifest:
    """What a module says about itself."""

    name: str
    version: str
    package: str
    depends: tuple = ()
    extras: tuple = ()
    description: str = ""
    distribution: str = ""   # the installed distribution declaring it

    @property
    def builtin(self):
        """Whether the module ships with Kitwork itself (``kitwork init`` activates those)."""
        return self.distribution == BUILTIN_DISTRIBUTION

    @property
    def path(self):
        return Path(importlib.import_module(self.package).__file__).parent

    @property
    def migrations(self):
        """The module's alembic version folder, or None if it has no migration."""
        folder = self.path / "migrations"
        return folder if folder.is_dir() else None


def read_manifest(package, distribution=""):
    """Read the manifest of the module package ``package`` (a dotted path)."""
    try:
        text = importlib.resources.files(package).joinpath("manifest.toml").read_text()
    except (ModuleNotFoundError, FileNotFoundError) as exc:
        raise errors.ModuleError(f"package {package!r} is not a Kitwork module: {exc}") from None
    data = tomllib.loads(text)
    return Manifest(
        name=data["name"],
        version=str(data["version"]),
        package=package,
        depends=tuple(data.get("depends", ())),
        extras=tuple(data.get("extras", ())),
        description=data.get("description", ""),
        distribution=distribution,
    )


def discover():
    """Return ``{name: Manifest}`` of every module that can be activated.

    Kitwork's own modules come first: another package's entry point cannot
    shadow a built-in module.
    """
    names = {}   # one parse of a distribution's metadata, not one per entry point (it is slow)

    def distribution(entry_point):
        key = id(entry_point.dist)
        if key not in names:
            names[key] = _distribution(entry_point)
        return names[key]

    entry_points = sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                          key=lambda ep: (distribution(ep) != BUILTIN_DISTRIBUTION, ep.name))
    found = {}
    for entry_point in entry_points:
        if entry_point.name in found:
            continue
        manifest = read_manifest(entry_point.value, distribution(entry_point))
        if manifest.name != entry_point.name:
            raise errors.ModuleError(
                f"entry point {entry_point.name!r} points to module {manifest.name!r}: the names must match")
        found[manifest.name] = manifest
    return found


def _distribution(entry_point):
    dist = entry_point.dist
    return dist.name if dist is not None else ""


def resolve(names, available):
    """Return ``names`` with all their dependencies, dependencies first.

    The order is deterministic: a depth-first walk visiting dependencies in
    alphabetical order.  A module comes after the modules it lists in
    ``extras`` when they are in the set too, so its integration with them
    composes on top of them.
    """
    closure = _walk(names, available, lambda manifest: manifest.depends)
    members = set(closure)
    return _walk(sorted(members), available,
                 lambda manifest: manifest.depends + tuple(e for e in manifest.extras if e in members))


def _walk(names, available, edges):
    order, visiting = [], []

    def visit(name, wanted_by):
        if name in order:
            return
        if name in visiting:
            raise errors.DependencyCycle(visiting[visiting.index(name):] + [name])
        manifest = available.get(name)
        if manifest is None:
            if wanted_by is None:
                close = difflib.get_close_matches(str(name), list(available), n=1, cutoff=0.6)
                hint = f"did you mean {close[0]!r}? " if close else ""
                raise errors.ModuleNotFound(
                    f"unknown module {name!r}; {hint}available modules: {', '.join(sorted(available)) or 'none'}")
            raise errors.MissingDependency(
                f"module {wanted_by!r} depends on {name!r}, which is not available")
        visiting.append(name)
        for dependency in sorted(edges(manifest)):
            visit(dependency, name)
        visiting.pop()
        order.append(name)

    for name in names:
        visit(name, None)
    return order


class Registration:
    """What one module hands to the pool, collected by its ``register()``.

    Everything registered with ``extra=NAME`` (or a tuple of names) is used
    only while those modules are active too: that is how a module integrates
    with others it does not depend on (product_kit with sale; product_kit
    with sale and stock together).
    """

    def __init__(self, manifest):
        self.manifest = manifest
        self.models = []      # (class, extras: tuple)
        self.hookspecs = []   # (namespace, extras: tuple)
        self.hooks = []       # (namespace, extras: tuple)

    def add_models(self, *classes, extra=()):
        """Model classes: new models (subclasses of ``Model``) or extensions (plain classes with a ``_name``)."""
        extras = self._extras(extra)
        self.models.extend((cls, extras) for cls in classes)

    def add_hookspecs(self, namespace, extra=()):
        """The hooks the module owns: an object (usually its ``hookspecs`` sub-module) of ``@hookspec`` functions."""
        self.hookspecs.append((namespace, self._extras(extra)))

    def add_hooks(self, namespace, extra=()):
        """Hook implementations: any object (a sub-module, a class) whose ``@hookimpl`` functions implement hooks.

        Implementations run after those of the modules this one depends on;
        a module's own run in the order it added them.
        """
        self.hooks.append((namespace, self._extras(extra)))

    def _extras(self, extra):
        extras = (extra,) if isinstance(extra, str) else tuple(extra or ())
        for name in extras:
            if name not in self.manifest.extras:
                raise errors.ModuleError(
                    f"module {self.manifest.name!r} registers for extra {name!r}, "
                    f"which its manifest does not list in 'extras'")
        return tuple(sorted(extras))


def load_registration(manifest):
    """Import a module package and collect what its ``register()`` declares."""
    package = importlib.import_module(manifest.package)
    registration = Registration(manifest)
    package.register(registration)
    return registration


def owner(module, extras=()):
    """The name of the alembic branch (and owner) for a module or an integration.

    ``product_kit`` alone, ``product_kit+sale`` with sale, ``product_kit+sale+stock``
    with both.
    """
    return "+".join((module,) + tuple(sorted(extras)))


def split_owner(branch):
    """``"product_kit+sale+stock"`` -> ``("product_kit", ("sale", "stock"))``."""
    module, *extras = branch.split("+")
    return module, tuple(extras)
