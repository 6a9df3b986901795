"""Workflows: records moving between the values of their ``state``."""
from . import errors


def transition(state):
    """Declare a class method a public transition towards ``state``.

    The pool makes it a door of the model, like ``write``: it takes records or
    their ids, and runs whole, overrides included, in one savepoint.  Tests
    find the transitions of every model through this mark.
    """
    def mark(method):
        function = getattr(method, "__func__", method)
        function._transition_to = state
        return method
    return mark


class Workflow:
    """Mixin for a model with a ``state`` selection and allowed transitions.

    ``_transitions`` is a set of ``(from_state, to_state)``; a transition
    method (marked with :func:`transition`) calls
    ``cls._transition(records, to_state, "verb")`` which refuses, with a
    :class:`core.errors.WorkflowError` naming the record and its state, any
    record that cannot make the move, before anything changes.
    """

    _transitions = frozenset()

    @classmethod
    def _transition(cls, records, state, verb, values=None):
        records = cls._check_transition(records, state, verb)
        if not values:
            cls._write(records, {"state": state})
            return records
        cls._write_each([{**values[record.id], "id": record.id, "state": state} for record in records])
        cls._env._invalidate()
        cls.validate(records)
        return records

    @classmethod
    def _check_transition(cls, records, state, verb):
        """Refuse, before anything changes, records that cannot move to ``state``; return them as a list."""
        records = cls._as_records(records)
        for record in records:
            if (record.state, state) not in cls._transitions:
                allowed = sorted(f for f, t in cls._transitions if t == state)
                raise errors.WorkflowError(
                    f"cannot {verb} {record.rec_name}: it is {record.state}; "
                    f"{verb} is allowed from {' or '.join(allowed) or 'no state'}")
        return records

    # -- the extension API ------------------------------------------------------------
    @classmethod
    def change_state(cls, records, state, verb, values=None):
        """Move ``records`` to ``state`` on the system's behalf, if every one may; return them as a list.

        ``verb`` words the refusal: a :class:`core.errors.WorkflowError`
        naming the first record that cannot make the move and the states it
        is allowed from, raised before anything changes.  It writes ``state``
        with ``write_unchecked``: no door, no savepoint of its own; a
        transition method (marked with :func:`transition`) calls it.
        ``values`` (``{record id: {column: value}}``, the same columns for
        every record, as stored) are written with the state in the same
        statement: what the move gives each record, an order its number.
        """
        return cls._transition(records, state, verb, values)

    @classmethod
    def check_state_change(cls, records, state, verb):
        """Refuse, as :meth:`change_state` would, records that cannot move to ``state``; change nothing."""
        return cls._check_transition(records, state, verb)
