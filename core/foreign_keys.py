"""Foreign keys of a big insert checked once per batch, on PostgreSQL.

Before version 19, PostgreSQL checks each inserted row against each foreign
key of its table with a query of its own (an internal trigger, about 5 µs
each).  When quoting inserts eight thousand line components with four
foreign keys, those 32,000 queries are nine tenths of the statement's time,
and what made PostgreSQL 2.5x slower than SQLite on the kit workload.

For an insert of at least :data:`THRESHOLD` rows, Kitwork does the same
check set-based, inside the insert statement itself (see
``Model._insert_arrays``), in this order:

1. it locks the referenced rows ``FOR KEY SHARE``, exactly as the per-row
   checks do, so that no other transaction can delete them or change their
   key before this one ends, and counts them;
2. if one is missing, it inserts nothing (Kitwork then names the missing
   ids); else, when it is safe and allowed, it switches the per-row checks
   off (``session_replication_role = replica``, local to the transaction);
3. it inserts the rows;
4. it switches the per-row checks on again.

PostgreSQL decides whether a row's checks run when it inserts the row, so
rows inserted between 2 and 4 skip them and no other row does; an error
anywhere aborts the statement, and the rollback undoes the switch too.

The switch is made only when the database says it is safe and allowed, asked
by the same statement each time: the role may set ``session_replication_role``
(a superuser; on PostgreSQL 15 and later, a role granted ``SET ON PARAMETER
session_replication_role``), the table's foreign keys in the database are
exactly those the model declares (the ones just checked), and nothing else
fires on insert (no trigger or rule of a module or an administrator, which
replica mode would skip too).  Otherwise the rows are inserted with their
per-row checks, after the same set-based check.
"""
import sqlalchemy as sa

THRESHOLD = 200
"""Rows from which an insert's foreign keys are checked per batch (below it, per-row checks cost less)."""

_INT8 = (-2 ** 63, 2 ** 63 - 1)

# The table's foreign keys as the database has them now, one "column>target.column" each (a key of several
# columns shows as "*", which no model declares).
_KEYS_IN_DATABASE = """(
SELECT coalesce(string_agg(key, ',' ORDER BY key COLLATE "C"), '') FROM (
    SELECT CASE WHEN cardinality(c.conkey) = 1
                THEN a.attname || '>' || CAST(c.confrelid AS regclass)::text || '.' || f.attname ELSE '*' END AS key
    FROM pg_constraint c
    JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
    JOIN pg_attribute f ON f.attrelid = c.confrelid AND f.attnum = c.confkey[1]
    WHERE c.conrelid = CAST(%(kitwork_fk_table)s AS regclass) AND c.contype = 'f') AS keys)"""

# Nothing but the foreign-key checks fires on insert: bit 2 of tgtype is INSERT, ev_type '3' an insert rule.
_ONLY_KEY_CHECKS = (
    "NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = CAST(%(kitwork_fk_table)s AS regclass) "
    "AND tgtype & 4 <> 0 AND tgfoid <> CAST('pg_catalog.\"RI_FKey_check_ins\"' AS regproc)) "
    "AND NOT EXISTS (SELECT FROM pg_rewrite WHERE ev_class = CAST(%(kitwork_fk_table)s AS regclass) "
    "AND ev_type = '3')")

_SWITCH_ON = "set_config('session_replication_role', 'origin', true)"


def _may_switch(connection):
    """SQL: whether the current role may set session_replication_role, written for the server's version."""
    superuser = "current_setting('is_superuser') = 'on'"
    if connection.dialect.server_version_info >= (15,):
        return f"({superuser} OR has_parameter_privilege('session_replication_role', 'SET'))"
    return superuser


def _ids(values):
    """The distinct ids of a column's ``values``, or None when one is not an integer of 64 bits."""
    wanted = set(values)
    wanted.discard(None)
    if not all(type(value) is int and _INT8[0] <= value <= _INT8[1] for value in wanted):
        return None
    return sorted(wanted)


class BatchCheck:
    """The set-based check of one insert's foreign keys: the SQL to wrap around it, and what it found."""

    def __init__(self, connection, table, keys):
        self.connection, self.table, self.keys = connection, table, keys   # keys: [(ForeignKey, ids)]
        quote = connection.dialect.identifier_preparer.quote
        self.params = {"kitwork_fk_table": quote(table.name), "kitwork_fk_expected": ",".join(sorted(
            (f"{key.parent.name}>{quote(key.column.table.name)}.{key.column.name}" for key, _ in keys),
            key=lambda text: text.encode()))}
        counts, complete = [], []
        for position, (key, ids) in enumerate(keys):
            self.params[f"kitwork_fk{position}"], self.params[f"kitwork_fn{position}"] = ids, len(ids)
            counts.append(
                f"(SELECT count(*) FROM (SELECT FROM {quote(key.column.table.name)} WHERE {quote(key.column.name)} "
                f"= ANY(CAST(%(kitwork_fk{position})s AS bigint[])) FOR KEY SHARE) AS locked) AS f{position}")
            complete.append(f"f{position} = %(kitwork_fn{position})s")
        found = " AND ".join(complete)
        # A WITH query locking and counting the referenced rows, switching the row checks off if it may.
        self.found = (
            f"kitwork_found AS MATERIALIZED (SELECT {found} AS found, CASE WHEN {found} "
            f"AND current_setting('session_replication_role') = 'origin' AND {_may_switch(connection)} "
            f"AND {_KEYS_IN_DATABASE} = %(kitwork_fk_expected)s AND {_ONLY_KEY_CHECKS} "
            f"THEN set_config('session_replication_role', 'replica', true) END AS switched "
            f"FROM (SELECT {', '.join(counts)}) AS counted)")
        # The condition on the rows to insert: every referenced row is there (else insert nothing).
        self.guard = "(SELECT found FROM kitwork_found)"

    def restored(self, inserted):
        """A ``WITH`` query switching the row checks back on once the ``inserted`` query has run to its end."""
        return (f"kitwork_restored AS MATERIALIZED (SELECT CASE WHEN (SELECT switched FROM kitwork_found) "
                f"IS NOT NULL THEN {_SWITCH_ON} END AS role FROM (SELECT count(*) FROM {inserted}) AS done)")

    # What the statement returns besides the ids: whether it switched, and what it switched back to.
    columns = "(SELECT switched FROM kitwork_found), (SELECT role FROM kitwork_restored)"

    def finish(self, results):
        """After the statement, with its ``(id, switched, role)`` rows: the ids, or ``{column: missing ids}``.

        The rows come back empty only when a referenced row was missing for
        the insert (``{}`` if another transaction has added it since).
        """
        if not results:
            return self._missing()
        _, switched, role = results[0]
        if switched is not None and role != "origin":   # cannot happen; never leave the checks off
            self.connection.exec_driver_sql(f"SELECT {_SWITCH_ON}")
        return [row[0] for row in results]

    def _missing(self):
        quote = self.connection.dialect.identifier_preparer.quote
        missing = {}
        for key, ids in self.keys:
            present = set(self.connection.exec_driver_sql(
                f"SELECT {quote(key.column.name)} FROM {quote(key.column.table.name)} "
                f"WHERE {quote(key.column.name)} = ANY(CAST(%(ids)s AS bigint[]))", {"ids": ids}).scalars())
            if len(present) < len(ids):
                missing[key.parent.name] = [id_ for id_ in ids if id_ not in present]
        return missing


def batch_check(connection, table, columns):
    """A :class:`BatchCheck` for inserting into ``table`` on PostgreSQL, or None for per-row checks.

    ``columns`` maps the names of the columns inserted to their lists of
    values.  None for small batches, tables that declare no foreign key,
    keys whose column is not inserted, keys to a column that is not an
    integer, and values that are not plain ids or are all NULL.
    """
    size = len(next(iter(columns.values()), ()))
    if size < THRESHOLD or connection.dialect.name != "postgresql" or not table.foreign_keys:
        return None
    keys = []
    for key in sorted(table.foreign_keys, key=lambda key: key.parent.name):   # the same statement each time
        if key.parent.name not in columns or not isinstance(key.column.type, sa.Integer):
            return None
        ids = _ids(columns[key.parent.name])
        if ids is None:
            return None
        keys.append((key, ids))
    if not any(ids for _, ids in keys):
        return None
    return BatchCheck(connection, table, keys)
