"""Errors a user can cause.

Every error that bad input, a wrong module name or a transition from the wrong
state can provoke is a :class:`UserError`: its ``str()`` is a sentence meant for
the user (which record, which field, what to do).  Anything else escaping from
Kitwork is a bug.
"""


class UserError(Exception):
    """Base of every error a user can cause."""


class ValidationError(UserError):
    """Input that does not fit a model's fields or rules.

    ``errors`` maps a field name to the list of messages about it; ``record``
    names the record (or the position in a batch) the errors are about.
    ``path`` says where that record sits in the input of ``create``, when
    known: positions in lists and One2Many field names from the outermost,
    ``(0, "lines", 2)`` for the third line of the first record (``()``:
    not known, or not an input position).
    """

    def __init__(self, message, errors=None, record=None, path=()):
        super().__init__(message)
        self.errors = dict(errors or {})
        self.record = record
        self.path = tuple(path)
        self._batch = None   # (model, size) of the create batch ``path[0]`` counts in, while it is known


class WorkflowError(UserError):
    """A transition that is not allowed from a record's current state."""


class AccessError(UserError):
    """A call the caller may not make: a change the API does not allow, or a right the user lacks.

    ``db.transaction(user=LOGIN)`` raises it when none of the user's groups
    grants the right (read, create, write, delete) on the model.
    """


class QuestionError(UserError):
    """A change that needs the caller's answer first (e.g. pass it on to dependent records or not).

    The message names the records and asks the question; the caller repeats
    the call with the answer (an argument the message names).  Nothing was
    changed.
    """


class ModuleError(UserError):
    """A problem with the module graph."""


class ModuleNotFound(ModuleError):
    """A module name that no installed package provides."""


class MissingDependency(ModuleNotFound):
    """A module depends on (or is extended by) a module that is not available."""


class DependencyCycle(ModuleError):
    """Modules that depend on each other in a loop; ``cycle`` lists them."""

    def __init__(self, cycle):
        self.cycle = list(cycle)
        super().__init__("dependency cycle between modules: " + " -> ".join(self.cycle))
