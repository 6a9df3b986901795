"""The base of every model: the layers composed, the declarations and the public extension API.

``Model`` inherits the layers of the package, storage first; a module's model
subclasses it and the pool composes the extensions in front of it, so an
override of any layer's method that calls ``super()`` reaches it.
:func:`entry_point` wraps each door of a composed model in one savepoint.
"""
import types

from .storage import Storage


class classproperty:
    """A read-only attribute computed from the class, read alike on the class and on its records."""

    def __init__(self, getter):
        self.getter = getter
        self.__doc__ = getter.__doc__

    def __get__(self, record, owner):
        return self.getter(owner)


class Model(Storage):
    """Base of a model definition; see :mod:`core.model`."""

    _name = None
    _description = ""
    _order = (("id", "ASC"),)
    _indexes = {}   # name -> tuple of field names: composite indexes (extensions may add some)

    # Set by the pool on the composed class:
    _fields = {}
    _many2many = {}
    _exposed = {}
    _table = None
    _schema = None
    _pool = None
    # Set on the class bound to a transaction:
    _env = None

    # -- the extension API: what module code may use ------------------------------------
    # Thin public names over the implementations of the layers below.  They
    # call the underscore methods, so a module overriding ``_create``,
    # ``_write`` or ``_complete`` is still obeyed whichever name its callers use.
    @classproperty
    def env(cls):
        """The :class:`~core.environment.Environment` (transaction) the class or record is bound to."""
        return cls._env

    @classproperty
    def fields(cls):
        """The composed model's fields: a read-only mapping from name to :class:`~core.fields.Field`."""
        return types.MappingProxyType(cls._fields)

    @classproperty
    def schema(cls):
        """The model's marshmallow schema (one per composed model): what ``dump`` writes and input loads.

        For front ends describing the model (an OpenAPI document) or checking
        input before a transaction starts; ``create`` and ``write`` check
        their input themselves.
        """
        return cls._schema

    @classproperty
    def exposed_methods(cls):
        """The methods the model publishes, ``{name: core.api.Exposed}``: its transitions and ``@expose`` methods."""
        return types.MappingProxyType(cls._exposed)

    @classproperty
    def table(cls):
        """The model's SQLAlchemy ``Table``, for set-based statements run with ``env.execute``."""
        return cls._table

    @classmethod
    def sql_where(cls, domain):
        """The SQLAlchemy conditions of a search domain, for set-based statements on :attr:`table`.

        The same checks and conversions as :meth:`search` (unknown fields,
        wrongly typed values: a :class:`~core.errors.UserError`).
        """
        return cls._where(domain)

    @classmethod
    def sql_order(cls, order=None):
        """The SQLAlchemy ORDER BY clauses of ``order`` (default: the model's), ``id`` last."""
        return cls._order_by(order)

    @classmethod
    def create_unchecked(cls, vlist):
        """Create records on the system's behalf, without the API's input checks.

        ``vlist`` holds already-typed values (ids or records for Many2One,
        lists of dicts for One2Many).  Skipped: input conversion and type
        checks (unknown keys are ignored), the read-only rule, the check that
        Many2One ids exist, every override of :meth:`create` (draft-only
        rules, say) and the savepoint :meth:`create` opens.  Still done:
        defaults, :meth:`_complete`, required and unique fields, rounding to
        each field's digits, the One2Many children, :meth:`validate`.
        """
        return cls._create(list(vlist))

    @classmethod
    def write_unchecked(cls, records, values):
        """Write ``values`` on ``records`` on the system's behalf (a workflow setting ``state``).

        As :meth:`create_unchecked`, it skips input conversion, the read-only
        rule, the Many2One existence check and the overrides of :meth:`write`;
        it still refuses emptying a required field, applies One2Many actions
        and calls :meth:`validate`.
        """
        cls._write(list(records), values)

    @classmethod
    def write_rows(cls, rows):
        """Write different column values on many records in one statement (renumbering, say).

        ``rows`` are dicts with the same keys: ``id`` and stored field names
        with values as the columns store them.  The lowest level: no default,
        no check, no One2Many, no :meth:`validate`.
        """
        cls._write_each(rows)

    @classmethod
    def delete_unchecked(cls, records):
        """Delete records on the system's behalf, skipping the overrides of :meth:`delete`.

        The ``ondelete`` of every Many2One pointing to them still applies
        (cascade, set null, restrict).
        """
        cls._delete(list(records))

    @classmethod
    def delete_where(cls, domain):
        """Delete every record matching ``domain`` in a few set-based statements.

        As :meth:`delete_unchecked`: no override of :meth:`delete` runs, the
        ``ondelete`` rules apply.
        """
        cls._delete_where(domain)


def entry_point(composed, name, takes_records, access):
    """The door ``name`` of a composed model: the whole call, overrides included, in one savepoint.

    Extensions override ``create``, ``write``, ``delete`` and the workflow
    transitions, and check things before or after ``super()``; wrapping the
    outermost override means that whatever any of them raises, nothing of
    the call stays behind, even when the caller catches the error and
    commits.  ``takes_records`` doors also accept ids (see ``_as_records``).
    A transaction acting for a user checks the user's ``access`` right on the
    model when a call comes in from outside any door; inside, module code
    acts for the system.
    """
    inner = getattr(composed, name)

    def door(cls, *args, **kwargs):
        env = cls._env
        if env._user is not None and not env._inside:
            env.check_access(cls._name, access)
        if takes_records and args:
            args = (cls._as_records(args[0]),) + args[1:]
            if not env._inside:
                cls._check_exist(args[0], name)
        env._inside += 1
        try:
            with env.atomic():
                return getattr(super(composed, cls), name)(*args, **kwargs)
        finally:
            env._inside -= 1

    door.__name__, door.__qualname__, door.__doc__ = name, f"{composed.__name__}.{name}", inner.__doc__
    if hasattr(inner, "_transition_to"):
        door._transition_to = inner._transition_to
    return classmethod(door)
