"""Models and their records.

A model is defined by one module as a subclass of :class:`Model` and extended
by others with plain classes carrying the same ``_name``; the pool composes
them.  Through ``env[name]`` one gets the composed class bound to a
transaction, whose class methods are the record API:

``create``, ``write`` and ``delete`` are the doors of the API: they check the
input (types, required and read-only fields, selection values, ranges) before
anything is written, and the pool runs each whole call, every module's
override included, in one savepoint (:func:`entry_point`).  ``_create``,
``_write`` and ``_delete`` do the work; a module calls them when it changes
records on the system's behalf (a workflow setting ``state``, quoting creating
line components), through their public names ``create_unchecked``,
``write_unchecked``, ``write_rows``, ``delete_unchecked`` and ``delete_where``
(the extension API of :class:`Model`).  Both paths end in
``validate(records)``, the per-model rules that extensions override.

Records hold only their id; values live in the transaction's cache, filled a
whole batch at a time (every record returned by one call shares a prefetch
group), and emptied by any change.  Reading a field of N records costs one
query per field kind, not N.

``Model`` inherits one layer per responsibility, each in a file of its own
that imports only the files above it in this list:

- ``sql.py``: ``in_``, ``batches``, ``chunks``: SQL helpers every layer uses;
- ``records.py``: records, the cache and prefetching (``browse``, ``lock``, ``dump``);
- ``domains.py``: ``search``, ``search_count``, domains and orders made SQL;
- ``checks.py``: defaults, input checks, references, required and unique
  fields, ``validate``;
- ``bulk.py``: how a batch of rows reaches each backend (SQLite plain tuples,
  PostgreSQL arrays with the foreign keys checked per batch);
- ``storage.py``: ``create``, ``write``, ``delete``: the doors and the work
  behind them, children, links, ``ondelete``;
- ``base.py``: ``Model`` itself: declarations, the public extension API,
  :func:`entry_point`.
"""
from .base import Model, classproperty, entry_point
# The underscore names below are internal; they stay importable from here as before the split.
from .bulk import _array_type, _insert_rows
from .checks import _check_pending_references, _references_checked_together
from .records import Prefetch
from .sql import CHUNK, MAX_ID, _InList, batches, chunks, in_, is_list
from .storage import collection_deferred

__all__ = ["CHUNK", "MAX_ID", "Model", "Prefetch", "batches", "chunks", "classproperty", "collection_deferred",
           "entry_point", "in_", "is_list"]
