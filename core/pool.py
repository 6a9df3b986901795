"""The pool: the models and hooks of one set of active modules.

Modules ship plain classes keyed by model name; the pool composes, for each
model, one class whose MRO puts the most dependent module's extension first
and the defining class last, so an override calling ``super()`` reaches the
modules it depends on.  Each pool has its own SQLAlchemy MetaData, marshmallow
schemas and pluggy plugin manager, so two databases with different modules
can live in one process.  Pools are cached per set of active modules.
"""
import difflib
import functools
import threading

import pluggy
import sqlalchemy as sa

from . import api, errors, hookspecs, modules, schema
from . import fields as kfields
from .model import Model, entry_point

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_name)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

_pools = {}
_lock = threading.Lock()


def get_pool(manifests, dormant=()):
    """The (cached) pool of ``manifests``, given in dependency order.

    ``dormant``: the manifests of the modules deactivated in the database,
    whose tables and columns are kept (see :attr:`Pool.kept_columns`).
    """
    key = tuple((m.name, m.version, m.package) for m in manifests), tuple(m.name for m in dormant)
    with _lock:
        pool = _pools.get(key)
        if pool is None:
            pool = _pools[key] = Pool(manifests, dormant)
        return pool


def table_name(model_name):
    return model_name.replace(".", "_")


class Pool:
    def __init__(self, manifests, dormant=()):
        self.manifests = tuple(manifests)
        self.dormant = tuple(dormant)
        self.modules = tuple(m.name for m in self.manifests)
        active = set(self.modules)
        self.registrations = [modules.load_registration(m) for m in self.manifests]
        self.metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)
        self.models = {}
        self.owners = {}          # model name -> branch that defines it
        self.references = {}      # target model -> [(model name, Many2One field)]
        self.index_owners = {}    # composite index name -> branch that declares it
        self.link_owners = {}     # Many2Many table -> branch that declares the field
        self.links = {}           # model -> [(Many2Many table, "origin" or "target")]: pairs to drop with it
        self._compose(active)
        self.hooks = self._plugin_manager(active)

    def __getitem__(self, name):
        try:
            return self.models[name]
        except KeyError:
            raise errors.UserError(
                f"unknown model {name!r}; the active modules ({', '.join(self.modules)}) "
                f"provide: {', '.join(sorted(self.models))}") from None

    # -- models ------------------------------------------------------------------
    def _compose(self, active):
        classes = {}   # model name -> [(class, owner)] in dependency order
        for registration in self.registrations:
            name = registration.manifest.name
            for cls, extras in registration.models:
                if active.issuperset(extras):
                    classes.setdefault(cls._name, []).append((cls, modules.owner(name, extras)))
        for model_name, parts in classes.items():
            self.models[model_name] = self._compose_model(model_name, parts)
        for model_class in self.models.values():
            self._build_table(model_class)
        for model_class in self.models.values():
            model_class._schema = schema.build(model_class._name, model_class._fields)()
            model_class._loader = schema.Loader(model_class._schema, model_class._fields)

    def _compose_model(self, model_name, parts):
        (base, base_owner), extensions = parts[0], parts[1:]
        if not issubclass(base, Model):
            raise errors.ModuleError(
                f"module {base_owner!r} extends model {model_name!r}, which no module before it defines")
        for cls, owner in extensions:
            if issubclass(cls, Model):
                raise errors.ModuleError(
                    f"model {model_name!r} is defined twice: by {base_owner!r} and by {owner!r} "
                    f"(an extension must not subclass Model)")
        bases = tuple(cls for cls, _ in reversed(extensions)) + (base,)
        composed = type(base.__name__, bases, {"__module__": base.__module__, "_pool": self})
        owner_of = {cls: owner for cls, owner in parts}
        collected = {}
        for klass in reversed(composed.__mro__):
            owner = owner_of.get(klass, base_owner)
            for attr, value in vars(klass).items():
                if isinstance(value, kfields.Field):
                    if attr in collected and collected[attr][1] != owner:
                        raise errors.ModuleError(
                            f"module {owner!r} redeclares field {model_name}.{attr}, which module "
                            f"{collected[attr][1]!r} declares: an extension adds fields of its own, "
                            f"under another name")
                    collected[attr] = (value, owner)
                elif isinstance(value, kfields.SelectionExtension):
                    if attr not in collected:
                        raise errors.ModuleError(f"{owner!r} extends {model_name}.{attr}, which does not exist")
                    field, field_owner = collected[attr]
                    collected[attr] = (value.apply(field, attr), field_owner)
        composed._index_owners = {}
        for klass in reversed(composed.__mro__):
            for index_name in vars(klass).get("_indexes", {}):
                composed._index_owners[index_name] = owner_of.get(klass, base_owner)
        composed._fields = {}
        for attr, (field, owner) in collected.items():
            bound = field.bind(attr, model_name, owner)
            composed._fields[attr] = bound
            setattr(composed, attr, bound)
        fields = composed._fields
        composed._converters = [(n, None if type(f).to_sql is kfields.Field.to_sql else f.to_sql)
                                for n, f in fields.items() if f.stored]
        composed._stored_fields = tuple((n, f) for n, f in fields.items() if f.stored)
        composed._plain_columns = tuple(n for n, c in composed._converters if c is None)
        composed._converted_columns = tuple((n, c) for n, c in composed._converters if c is not None)
        composed._one2many = {n: f for n, f in fields.items() if isinstance(f, kfields.One2Many)}
        composed._many2many = {n: f for n, f in fields.items() if isinstance(f, kfields.Many2Many)}
        composed._readonly_names = frozenset(n for n, f in fields.items() if f.readonly)
        composed._required_names = tuple(n for n, f in fields.items() if f.required and f.stored)
        composed._unique_names = tuple(n for n, f in fields.items() if f.unique)
        for attr, field in fields.items():
            if isinstance(field, kfields.Function) and not callable(getattr(composed, field.getter, None)):
                raise errors.ModuleError(
                    f"module {field.owner!r}: the Function field {model_name}.{attr} names the getter "
                    f"{field.getter!r}, which is not a method of {model_name}")
        composed._id_field = kfields.Many2One(model_name).bind("id", model_name, base_owner)
        composed._exposed = api.exposed_of(composed, model_name, base_owner)
        doors = {"create": (False, "create"), "write": (True, "write"), "delete": (True, "delete")}
        doors.update((attr, (exposed.records, exposed.access)) for attr, exposed in composed._exposed.items())
        for attr, (takes_records, access) in doors.items():
            setattr(composed, attr, entry_point(composed, attr, takes_records, access))
        for attr, exposed in composed._exposed.items():
            if exposed.params:
                setattr(composed, attr, api.checking_arguments(composed, attr, exposed))
        self.owners[model_name] = base_owner
        return composed

    def _build_table(self, model_class):
        columns = [sa.Column("id", sa.Integer(), primary_key=True)]
        for field in model_class._fields.values():
            if isinstance(field, (kfields.Many2One, kfields.One2Many)) and field.target not in self.models:
                raise errors.ModuleError(
                    f"{model_class._name}.{field.name} refers to model {field.target!r}, "
                    f"which no active module defines")
            if isinstance(field, kfields.Many2One):
                self.references.setdefault(field.target, []).append((model_class._name, field))
            if field.stored:
                columns.append(field.column())
        table = model_class._table = sa.Table(table_name(model_class._name), self.metadata, *columns)
        for field in model_class._fields.values():
            if isinstance(field, kfields.Many2Many):
                if field.target not in self.models:
                    raise errors.ModuleError(
                        f"{model_class._name}.{field.name} refers to model {field.target!r}, "
                        f"which no active module defines")
                field.table = field.link_table(self.metadata)
                self.link_owners[field.relation] = field.owner
                for model_name, side in ((model_class._name, "origin"), (field.target, "target")):
                    self.links.setdefault(model_name, []).append((field.table, side))
        for index_name, owner in model_class._index_owners.items():
            names = model_class._indexes[index_name]
            sa.Index(f"ix_{table.name}_{index_name}", *[table.c[n] for n in names])
            self.index_owners[f"ix_{table.name}_{index_name}"] = owner

    def owner_of(self, table_name_, column_name=None):
        """The branch (module or module+extra) that owns a table or one of its columns."""
        if table_name_ in self.link_owners:
            return self.link_owners[table_name_]
        for model_name, model_class in self.models.items():
            if model_class._table.name == table_name_:
                if column_name is None:
                    return self.owners[model_name]
                field = model_class._fields.get(column_name)
                return field.owner if field is not None else self.owners[model_name]
        return None

    @functools.cached_property
    def kept_columns(self):
        """``{(table name, column name): (Table, field)}``: what deactivated modules keep in the database.

        The stored fields the pool of the active and deactivated modules
        together declares and this one does not (their owner: ``field.owner``).
        """
        if not self.dormant:
            return {}
        everything = {m.name: m for m in (*self.manifests, *self.dormant)}
        whole = get_pool([everything[n] for n in modules.resolve(sorted(everything), everything)])
        kept = {}
        for name, model_class in whole.models.items():
            mine = self.models.get(name)
            for field_name, field in model_class._fields.items():
                if field.stored and (mine is None or field_name not in mine._fields):
                    kept[(model_class._table.name, field_name)] = (model_class._table, field)
        return kept

    @functools.cached_property
    def kept_references(self):
        """``{model: [(table, column, field)]}``: kept Many2One columns referring to records of active models."""
        references = {}
        for (_, name), (table, field) in self.kept_columns.items():
            if isinstance(field, kfields.Many2One) and field.target in self.models:
                references.setdefault(field.target, []).append((table, table.c[name], field))
        return references

    # -- hooks -------------------------------------------------------------------
    def _plugin_manager(self, active):
        """One pluggy manager with the hooks of the active modules.

        Implementations of a hook run in dependency order, dependencies
        first: a module's implementations run after those of every module it
        depends on (and of the extras it integrates with), and a module's own
        implementations in the order its ``register()`` added them.
        ``@hookimpl(tryfirst=True)`` and ``@hookimpl(trylast=True)`` move an
        implementation to the front or the back.
        """
        manager = pluggy.PluginManager(hookspecs.PROJECT)
        manager.add_hookspecs(hookspecs)
        for registration in self.registrations:
            for namespace, extras in registration.hookspecs:
                if active.issuperset(extras):
                    manager.add_hookspecs(namespace)
        plugins = [(f"{registration.manifest.name}:{namespace.__name__}", namespace)
                   for registration in self.registrations
                   for namespace, extras in registration.hooks if active.issuperset(extras)]
        for name, namespace in reversed(plugins):   # pluggy calls the last registered first
            try:
                manager.register(namespace, name=name)
            except pluggy.PluginValidationError as exc:
                raise errors.ModuleError(f"module {name.split(':')[0]!r}, hooks of {namespace.__name__}: "
                                         f"{' '.join(str(exc).split())}") from None
        for hook_name, caller in vars(manager.hook).items():   # what check_pending() refuses, in our words
            required = [i for i in caller.get_hookimpls() if not i.optionalhook]
            if not hook_name.startswith("_") and not caller.has_spec() and required:
                raise errors.ModuleError(self._unknown_hook(manager, hook_name, required[0]))
        return manager

    @staticmethod
    def _unknown_hook(manager, hook_name, implementation):
        module = implementation.plugin_name.split(":")[0]
        known = [name for name, caller in vars(manager.hook).items()
                 if not name.startswith("_") and caller.has_spec()]
        close = difflib.get_close_matches(hook_name, known, n=1)
        hint = f"did you mean {close[0]!r}?" if close else "no active module declares it"
        return (f"module {module!r} implements hook {hook_name!r}, which no active module declares "
                f"({hint}); a hook of a module it does not depend on is registered with "
                f"add_hooks(..., extra=NAME)")
