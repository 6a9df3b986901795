"""Domains: searching, and the SQL conditions and order a domain and an order become.

A domain is checked whole before its query runs (fields, operators, the
types of values), so a refused search is a UserError that leaves the
transaction usable; set-based module code gets the same clauses through
``sql_where`` and ``sql_order``.
"""
import sqlalchemy as sa

from .. import errors
from .. import fields as kfields
from ..schema import UNSTORABLE
from .records import Records
from .sql import MAX_ID, in_, is_list

JOINS = ("OR", "AND")   # a domain beginning with one of these joins its other clauses so
MAX_DEPTH = 32          # levels of nested domains


def is_subdomain(clause):
    """Whether a clause of a domain is a domain itself: ``["OR", ...]``, ``["AND", ...]`` or a list of clauses."""
    return isinstance(clause, (list, tuple)) and len(clause) > 0 and (
        (isinstance(clause[0], str) and clause[0] in JOINS) or isinstance(clause[0], (list, tuple)))


def all_of(conditions):
    """SQL: every one of ``conditions`` holds (true when there are none)."""
    return sa.and_(*conditions) if conditions else sa.true()


class Domains(Records):
    """Searches: a domain checked and compiled to SQL conditions, an order to ORDER BY clauses."""

    @classmethod
    def search(cls, domain=(), order=None, limit=None, offset=None):
        """Records matching ``domain`` (a list of ``(field, operator, value)``).

        Everything is checked before the query runs: a refused search raises
        a UserError and leaves the transaction usable.
        """
        if cls._env._user is not None and not cls._env._inside:
            cls._env.check_access(cls._name, "read")
        table = cls._table
        query = sa.select(table).where(*cls._where(domain)).order_by(*cls._order_by(order))
        for name, value in (("limit", limit), ("offset", offset)):
            if value is not None and not (type(value) is int and 0 <= value < 2 ** 63):
                raise errors.UserError(
                    f"search of {cls._name}: {name} must be a whole number, 0 or more, not {value!r:.80}")
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        ids = cls._cache_rows(cls._env.execute(query))
        return cls._records(ids)

    @classmethod
    def search_count(cls, domain=()):
        """The number of records matching ``domain``."""
        if cls._env._user is not None and not cls._env._inside:
            cls._env.check_access(cls._name, "read")
        query = sa.select(sa.func.count()).select_from(cls._table).where(*cls._where(domain))
        return cls._env.execute(query).scalar_one()

    OPERATORS = {
        "=": lambda c, v: c.is_(None) if v is None else c == v,
        "!=": lambda c, v: c.is_not(None) if v is None else sa.or_(c != v, c.is_(None)),
        "<": lambda c, v: c < v,
        "<=": lambda c, v: c <= v,
        ">": lambda c, v: c > v,
        ">=": lambda c, v: c >= v,
        "in": lambda c, v: in_(c, v),
        "not in": lambda c, v: sa.or_(in_(c, v, negate=True), c.is_(None)),
        "like": lambda c, v: c.like(v),
        "ilike": lambda c, v: c.ilike(v),
    }

    @classmethod
    def _where(cls, domain, depth=0):
        """SQL conditions for a domain; ``a.b`` paths follow Many2One, One2Many and Many2Many fields.

        As in Tryton, a domain (or a clause that is a list itself) may begin
        with ``"OR"`` or ``"AND"``: ``["OR", clause, ["AND", clause, clause]]``;
        a clause that is a list of clauses is a sub-domain joined by AND.  An
        empty OR matches nothing, an empty AND everything.
        """
        if not is_list(domain):
            raise errors.UserError(f"invalid domain {domain!r:.80} on {cls._name}: expected a list of clauses")
        domain = list(domain)
        if depth > MAX_DEPTH:
            raise errors.UserError(f"invalid domain on {cls._name}: nested deeper than {MAX_DEPTH} levels")
        if domain and isinstance(domain[0], str) and domain[0] in JOINS:
            joined = [all_of(cls._where(sub if is_subdomain(sub) else [sub], depth + 1)) for sub in domain[1:]]
            if domain[0] == "OR":
                return [sa.or_(*joined) if joined else sa.false()]
            return joined
        clauses = []
        for clause in domain:
            if is_subdomain(clause):
                clauses.append(all_of(cls._where(clause, depth + 1)))
                continue
            try:
                name, operator, value = clause
            except (TypeError, ValueError):
                raise errors.UserError(
                    f"invalid domain clause {clause!r:.80} on {cls._name}: expected (field, operator, value)") from None
            if not isinstance(name, str):
                raise errors.UserError(f"invalid domain clause {clause!r:.80} on {cls._name}: the field is not a name")
            if not isinstance(operator, str) or operator not in cls.OPERATORS:
                raise errors.UserError(
                    f"unknown operator {operator!r:.80} in domain of {cls._name}; "
                    f"use one of {', '.join(cls.OPERATORS)}")
            head, _, rest = name.partition(".")
            field = cls._fields.get(head) if head != "id" else None
            if isinstance(field, (kfields.One2Many, kfields.Many2Many)):
                clauses.append(cls._related_clause(field, rest, operator, value))
                continue
            if head != "id" and (field is None or not field.stored):
                raise errors.UserError(f"{cls._name} has no stored field {head!r:.80} to search on")
            column = cls._table.c[head]
            if rest:
                if field is None:
                    raise errors.UserError(f"{cls._name}.id is not a Many2One: cannot search on {name!r}")
                if not isinstance(field, kfields.Many2One):   # a field with parts of its own, or an error
                    clauses.append(field.search_path(cls, rest, operator, value))
                    continue
                target = cls._path_target(field, name)
                sub = sa.select(target._table.c.id).where(*target._where([(rest, operator, value)]))
                clauses.append(column.in_(sub))
                continue
            if isinstance(value, sa.Select):   # a sub-query, from set-based code
                clauses.append(column.in_(value) if operator == "in" else column.not_in(value))
                continue
            field = field if field is not None else cls._id_field
            if operator in ("in", "not in"):
                if not is_list(value):
                    raise errors.UserError(
                        f"cannot search {cls._name}.{name} {operator} {value!r:.80}: give a list of values")
                value = [field.domain_value(v, operator) for v in value]
            elif operator in ("like", "ilike"):
                if field.python_type is not str or not isinstance(value, str) or UNSTORABLE.search(value):
                    raise errors.UserError(f"cannot search {cls._name}.{name} {operator} {value!r:.80}: {operator} "
                                           f"compares a text field with a text pattern (no NUL, no lone surrogate)")
            else:
                value = field.domain_value(value, operator)
                if operator not in ("=", "!=") and (value is None or isinstance(value, bool)):
                    raise errors.UserError(f"cannot search {cls._name}.{name} {operator} {value!r}: "
                                           f"empty values and booleans compare with = or != only")
            clauses.append(cls.OPERATORS[operator](column, value))
        return clauses

    @classmethod
    def _path_target(cls, field, path):
        """The model a domain path goes on into, once the user may read it.

        Searching through a relation reveals the related records' values
        (which sales have a party of this email): for a transaction acting
        for a user it needs the read right on the related model too.
        """
        env = cls._env
        if env._user is not None and not env._inside and not env.has_access(field.target, "read"):
            raise errors.AccessError(
                f"user {env._user!r} may not read {field.target}: cannot search {cls._name} "
                f"on {path!r} (none of their groups grants it)")
        return env[field.target]

    @classmethod
    def _related_clause(cls, field, rest, operator, value):
        """The records of which any related record matches: ``lines.product.code``, ``tags`` in ids.

        Without a path, the value names related ids: ``in`` / ``not in`` a
        list, ``=`` / ``!=`` one id, or None for "has none" / "has some".
        """
        target = cls._env[field.target] if not rest else cls._path_target(field, f"{field.name}.{rest}")
        if rest:
            matching, positive = sa.select(target._table.c.id).where(*target._where([(rest, operator, value)])), True
        elif operator in ("in", "not in", "=", "!=") and (value is None or operator in ("=", "!=")
                                                          or isinstance(value, (list, tuple))):
            positive = operator in ("in", "=")
            if value is None:
                matching, positive = None, not positive
            else:
                ids = [getattr(v, "id", v) for v in (value if isinstance(value, (list, tuple)) else [value])]
                if not all(type(i) is int and -MAX_ID <= i <= MAX_ID for i in ids):
                    raise errors.UserError(f"{cls._name}.{field.name}: {value!r} is not a list of {field.target} ids")
                matching = ids
        else:
            raise errors.UserError(f"{cls._name}.{field.name} compares with 'in', 'not in', '=' or '!=' and ids, "
                                   f"or through a path ({field.name}.name); not {operator!r} {value!r}")
        if isinstance(field, kfields.Many2Many):
            owner, related = field.table.c.origin, field.table.c.target
        else:
            owner, related = target._table.c[field.field], target._table.c.id
        holders = sa.select(owner)
        if matching is not None:
            holders = holders.where(in_(related, matching))
        return cls._table.c.id.in_(holders) if positive else cls._table.c.id.not_in(holders.where(owner.is_not(None)))

    @classmethod
    def _order_by(cls, order):
        result = []
        if not is_list(order or ()):
            raise errors.UserError(
                f"invalid order {order!r:.80} on {cls._name}: expected a list of (field, direction)")
        for item in (order or cls._order):
            try:
                name, direction = item
                direction = direction.upper()
                if not isinstance(name, str):
                    raise TypeError
            except (TypeError, ValueError, AttributeError):
                raise errors.UserError(
                    f"invalid order {item!r:.80} on {cls._name}: expected (field name, 'ASC' or 'DESC')") from None
            if name != "id" and (name not in cls._fields or not cls._fields[name].stored):
                raise errors.UserError(f"{cls._name} has no stored field {name!r} to order by")
            if direction not in ("ASC", "DESC"):
                raise errors.UserError(f"order direction must be ASC or DESC, not {direction!r}")
            column = cls._table.c[name]
            result.append(column.asc() if direction == "ASC" else column.desc())
        if not any(name == "id" for name, _ in (order or cls._order)):
            result.append(cls._table.c.id.asc())
        return result
