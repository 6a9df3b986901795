import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_


class Category(Model):
    """A family of products inside a parent family (Furniture / Chairs): price lists reach a whole tree of them."""

    _name = "product.category"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128)
    parent = fields.Many2One("product.category", "Parent", ondelete="restrict",
                             help="The wider family it belongs to; empty for a top category.")
    children = fields.One2Many("product.category", "parent", "Children")

    @classmethod
    def validate(cls, categories):
        """A category cannot be its own ancestor: the tree has no cycle."""
        super().validate(categories)
        parents = {c.id: c.parent.id for c in categories if c.parent is not None}
        above = cls.ancestors(sorted(set(parents.values())))
        for category in categories:
            if category.id in parents and category.id in above[parents[category.id]]:
                names = [category.name] + cls._path(parents[category.id], category.id)
                raise errors.ValidationError(
                    f"{category.rec_name}: parent {category.parent.name} makes a cycle "
                    f"({' < '.join(names)}): a category cannot be inside itself; choose another parent",
                    {"parent": ["Makes a cycle: a category cannot be its own ancestor."]}, category.rec_name)

    @classmethod
    def _path(cls, start, stop):
        """The names from ``start`` up through the parents until ``stop`` (included): the cycle, for the message."""
        names, seen, category = [], set(), cls.browse([start])[0]
        while category is not None and category.id not in seen:
            seen.add(category.id)
            names.append(category.name)
            if category.id == stop:
                break
            category = category.parent
        return names

    @classmethod
    def ancestors(cls, ids):
        """``{id: frozenset}``: each category's id with the ids of all its ancestors.

        One recursive query per batch of ids, walking up the parents; it
        ends on a cycle too (a row met twice is not followed again).
        """
        env, table = cls.env, cls.table
        result = {i: {i} for i in ids}
        for batch in batches(env, list(ids)):
            up = (sa.select(table.c.id.label("start"), table.c.parent.label("node"))
                  .where(in_(table.c.id, batch), table.c.parent.is_not(None)).cte("up", recursive=True))
            step, parent = up.alias("step"), table.alias("parent")
            up = up.union(sa.select(step.c.start, parent.c.parent)
                          .join_from(step, parent, parent.c.id == step.c.node).where(parent.c.parent.is_not(None)))
            for start, node in env.execute(sa.select(up.c.start, up.c.node)):
                result[start].add(node)
        return {i: frozenset(nodes) for i, nodes in result.items()}
