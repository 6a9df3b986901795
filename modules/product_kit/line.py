"""Exploding order lines into components, for sale and purchase alike.

Quoting calls :func:`explode` with the orders quoted; resetting to draft
calls :func:`remove`.  Both work on every line of every order at once: the
number of statements depends on how deeply kits nest, not on how many lines
there are.

What a line explodes into is *chosen*: the commercial alternative (the
line's ``bom``, or the product's only one), the variant of each variant
group and the accepted options (the line's ``choices``, which also hold the
choices of nested kits).  A kit line gets line components, dependent on it;
another product with components gets child lines, either regenerated at
each quote or made once and independent (see ``product.component_lines``).
"""
import collections
from decimal import Decimal

import sqlalchemy as sa

from core import errors, fields
from core.model import batches, in_
from modules.product.amendment import Amended
from modules.product.product import refuse_unit_category_change

LINE_TYPES = [("normal", "Normal"), ("kit", "Kit"), ("bom", "BOM"),
              ("kit_component", "Kit component"), ("kit_option", "Kit option"), ("kit_variant", "Kit variant"),
              ("bom_component", "BOM component"), ("bom_option", "BOM option"), ("bom_variant", "BOM variant")]
MADE = [("regenerated", "Regenerated"), ("independent", "Independent")]
_SUFFIX = {"normal": "component", "variant": "variant", "option": "option"}
PRICE = Decimal("0.0001")
KIT_PRICE_REASON = "kit components"   # the price reason of a kit line priced from its components

_Row = collections.namedtuple("_Row", "id order product quantity unit sequence bom choices component_lines parent "
                                    "line_type")


class Unresolved(Exception):
    """What a line's bom and choices leave open; explode turns it into a ValidationError naming the line."""

    def __init__(self, message, field):
        super().__init__(message)
        self.field = field


def line_fields(line_model):
    """The fields product_kit gives an order line model (``sale.line``, ``purchase.line``), by name."""
    return {
        "components": fields.One2Many(f"{line_model}.component", "line", "Components", readonly=True),
        "component_parent": fields.Many2One(line_model, "Component of", readonly=True, ondelete="cascade"),
        "component_children": fields.One2Many(line_model, "component_parent", "Component lines", readonly=True),
        "bom": fields.Char("Commercial BOM", size=32,
                           help="The commercial alternative to explode: required at quote when the product has "
                                "several, taken automatically when it has one."),
        "choices": fields.Many2Many("product.component", "Choices",
                                    help="The variants chosen (one per variant group) and the options accepted, "
                                         "at every level of the product's components."),
        "line_type": fields.Selection(LINE_TYPES, "Line type", required=True, readonly=True,
                                      help="What the line is: a plain product, a kit, a BOM parent, or a "
                                           "component, option or variant line made from a BOM parent."),
        "component_lines": fields.Selection(MADE, "Component lines made", readonly=True,
                                            help="Whether this line's child lines were made, and how: "
                                                 "regenerated at each quote, or independent and made once."),
        "from_component": fields.Many2One("product.component", "Made from", readonly=True, ondelete="set null",
                                          help="The product component this child line was made from."),
        "fixed": fields.Boolean("Fixed", readonly=True,
                                help="A child line whose quantity does not follow its parent's quantity."),
    }


class KitLine:
    """Extension mixin of an order line: its components and its child lines.

    The concrete class declares the fields of :func:`line_fields` (their
    targets differ between sale and purchase).  Line components and
    regenerated child lines cannot be changed or deleted by hand;
    independent child lines can (all but their unit).  Changing the
    quantity of a line with independent child lines, or deleting it, needs
    ``propagate``; a new product, bom or choices on it leaves them as they
    are (they were made once, and are the user's).
    """

    @classmethod
    def write(cls, lines, values, propagate=None):
        """Write ``values``; for lines with independent child lines, ``propagate`` says what a new quantity does.

        ``True`` scales the child lines (not the fixed ones) in proportion,
        down through their own independent child lines; ``False`` leaves
        them.  Without it, a change of quantity or unit of such a line is a
        :class:`~core.errors.QuestionError` and nothing changes.
        """
        _check_propagate(cls, propagate)
        cls._refuse_children(lines, "changed", values)
        parents = []
        if isinstance(values, dict) and {"quantity", "unit"} & set(values):
            parents = cls._with_independent_children(lines)
            if parents and propagate is None:
                cls._ask(parents, "change {its} quantity", "scale them in proportion", "leave them as they are")
        before = {line.id: (line.quantity, line.unit) for line in parents}
        super().write(lines, values)
        if parents and propagate:
            cls._scale_children(parents, before)

    @classmethod
    def delete(cls, lines, propagate=None):
        """Delete lines; for lines with independent child lines, ``propagate`` says what happens to those.

        ``True`` deletes them with their parent; ``False`` keeps them as
        lines of their own (their type follows their product: ``normal``
        for a plain product).  Without it: a
        :class:`~core.errors.QuestionError`, nothing deleted.
        """
        _check_propagate(cls, propagate)
        cls._refuse_children(lines, "deleted")
        doomed = {line.id for line in lines}
        parents = cls._with_independent_children(lines)
        kept = [child for line in parents for child in line.component_children if child.id not in doomed]
        if kept and propagate is None:
            cls._ask(parents, "delete {it}", "delete them too", "keep them as lines of their own")
        if kept and not propagate:
            types = line_types(cls.env, [child.product.id for child in kept])
            cls.write_rows([{"id": child.id, "component_parent": None, "from_component": None, "fixed": False,
                             "line_type": types[child.product.id]} for child in kept])
        super().delete(cls.browse([line_id for line_id in doomed]))

    @classmethod
    def _refuse_children(cls, lines, what, values=None):
        for line in lines:
            parent = line.component_parent
            if parent is None:
                continue
            if parent.component_lines != "independent":
                raise errors.AccessError(
                    f"{line.rec_name} cannot be {what} by hand: it was created from the components of "
                    f"{parent.rec_name} when quoting; change that line instead")
            if isinstance(values, dict) and "unit" in values:
                raise errors.AccessError(
                    f"{line.rec_name}: the unit of a component line cannot change (it is the unit of the "
                    f"component of {parent.product.name}); change its quantity instead")

    @classmethod
    def _with_independent_children(cls, lines):
        return [line for line in lines if line.component_lines == "independent" and line.component_children]

    @classmethod
    def _ask(cls, parents, action, yes, no):
        one = len(parents) == 1
        names = ", ".join(f"{line.rec_name} ({line.product.name})" for line in parents[:10])
        action = action.format(its="its" if one else "their", it="it" if one else "them")
        raise errors.QuestionError(
            f"{names} {'has' if one else 'have'} independent component lines: to {action}, say what happens to "
            f"those lines: propagate=True to {yes}, propagate=False to {no}")

    @classmethod
    def _scale_children(cls, parents, before):
        """Scale the non-fixed independent descendants of ``parents`` by their parent's change of quantity."""
        Uom = cls.env["product.uom"]
        parents = cls.browse([line.id for line in parents])
        ratios = {}
        for line in parents:
            quantity, unit = before[line.id]
            old = Uom.compute_quantity(unit, quantity, line.product.default_uom, round=False)
            new = Uom.compute_quantity(line.unit, line.quantity, line.product.default_uom, round=False)
            ratios[line.id] = new / old if old else 1.0
        todo = parents
        while todo:
            scaled, following = [], []
            for line in todo:
                ratio = ratios[line.id]
                for child in line.component_children:
                    if child.fixed or ratio == 1.0:
                        continue
                    scaled.append((child, Uom.round(child.quantity * ratio, child.unit.rounding)))
                    if child.component_lines == "independent":
                        ratios[child.id] = ratio
                        following.append(child)
            by_quantity = collections.defaultdict(list)
            for child, quantity in scaled:
                by_quantity[quantity].append(child)
            for quantity, children in by_quantity.items():
                cls.write_unchecked(children, {"quantity": quantity})
            todo = following

    # -- amendments (§14) -------------------------------------------------------------------
    @classmethod
    def amended_items(cls, changes):
        """A kit line moves as its components: they follow its new quantity (fixed ones stay).

        A kit line added is exploded as quoting would; its components are
        the items, from nothing.  A line with child lines (a BOM parent) or
        a BOM product added is refused: its child lines are lines of their
        own, amended one by one.
        """
        changes = super().amended_items(changes)
        lines = [c.item for c in changes if c.item._name == cls._name]
        if not lines:
            return changes
        parents = {child.component_parent for child in cls.search([("component_parent", "in", [line.id for line in lines])])}
        types = line_types(cls.env, {line.product.id for line in lines if not line.components})
        for line in lines:
            if line in parents or (
                    not line.components and types.get(line.product.id) == "bom"):
                raise errors.ValidationError(
                    f"{line.rec_name} of {getattr(line, cls._parent_field).rec_name}: {line.product.name} is made "
                    f"of component lines; amend those lines one by one instead",
                    {"line": ["A line with component lines cannot be amended as a whole."]}, line.rec_name)
        added = [c.item for c in changes if c.old == 0 and c.item._name == cls._name
                 and types.get(c.item.product.id) == "kit"]
        if added:
            rows = _rows(cls, ids=[line.id for line in added])
            _explode_lines(cls.env, cls, cls.env[f"{cls._name}.component"], rows, quoting=True)
        Uom = cls.env["product.uom"]
        result, rows = [], []
        for change in changes:
            line = change.item
            if line._name != cls._name or not line.components:
                result.append(change)
                continue
            for component in line.components:
                old = 0.0 if change.old == 0 else component.quantity
                if change.new == 0:
                    new = 0.0
                elif change.old == 0 or component.fixed:
                    new = component.quantity
                else:
                    new = Uom.round(component.quantity * change.new / change.old, component.unit.rounding)
                    rows.append({"id": component.id, "quantity": new})
                result.append(Amended(component, old, new))
        if rows:
            cls.env[f"{cls._name}.component"].write_rows(rows)
        return [c for c in result if c.old != c.new]

    # -- line types ----------------------------------------------------------------------
    @classmethod
    def _complete(cls, vlist):
        """Lines get their type from their product, and its commercial alternative when it has only one."""
        vlist = super()._complete(vlist)
        untyped = [v for v in vlist if v.get("line_type") is None and v.get("product") is not None]
        unchosen = [v for v in vlist if v.get("bom") is None and v.get("product") is not None]
        if not untyped and not unchosen:
            return vlist
        types = line_types(cls.env, {getattr(v["product"], "id", v["product"]) for v in untyped})
        only = only_alternatives(cls.env, {getattr(v["product"], "id", v["product"]) for v in unchosen})
        completed = {}
        for values in untyped + unchosen:
            product = getattr(values["product"], "id", values["product"])
            line = completed.setdefault(id(values), dict(values))
            if values.get("line_type") is None:
                line["line_type"] = types[product]
            if values.get("bom") is None and product in only:
                line["bom"] = only[product]
        return [completed.get(id(v), v) for v in vlist]

    @classmethod
    def _create(cls, vlist):
        """Lines of products with independent component lines get them now, in a draft order."""
        lines = super()._create(vlist)
        table, env = cls.table, cls.env
        Product, Component = env["product.product"], env["product.component"]
        order_table = env[cls.fields[cls._parent_field].target].table
        parent = table.c[cls._parent_field]
        ids = [line.id for line in lines]
        wanted = []
        for batch in batches(env, ids):
            wanted += env.execute(
                sa.select(table.c.id).select_from(
                    table.join(Product.table, Product.table.c.id == table.c.product)
                    .join(order_table, order_table.c.id == parent))
                .where(in_(table.c.id, batch), table.c.component_parent.is_(None),
                       table.c.component_lines.is_(None), order_table.c.state == "draft",
                       Product.table.c.type != "kit", Product.table.c.component_lines == "independent",
                       sa.exists().where(Component.table.c.parent_product == table.c.product))).scalars().all()
        if wanted:
            rows = _rows(cls, ids=wanted)
            if _explode_lines(env, cls, env[f"{cls._name}.component"], rows, quoting=False):
                _resequence(cls, {row.order for row in rows})
        return lines

    @classmethod
    def _write(cls, lines, values):
        """A new product retypes the lines; a ``bom`` that is none of its alternatives goes (its only one comes)."""
        super()._write(lines, values)
        if "product" in values:
            lines = cls.browse([line.id for line in lines])
            top = [line for line in lines if line.component_parent is None]
            types = line_types(cls.env, {line.product.id for line in top})
            cls.write_rows([{"id": line.id, "line_type": types[line.product.id]} for line in top])
            if "bom" not in values:
                codes = alternative_codes(cls.env, {line.product.id for line in lines})
                only = {product: found[0] for product, found in codes.items() if len(found) == 1}
                cls.write_rows([{"id": line.id, "bom": only.get(line.product.id)} for line in lines
                                if line.bom not in codes.get(line.product.id, ())
                                and line.bom != only.get(line.product.id)])

    # -- prices ------------------------------------------------------------------------------
    @classmethod
    def component_prices(cls, requests):
        """The unit price of each component request ``(order id, product id, quantity, unit id)``.

        The price an order line of that product, quantity and unit would get
        by default (list price for a sale, the supplier's price for a
        purchase); with product_price_list, the price search.
        """
        if not requests:
            return []
        env = cls.env
        products = {p.id: p for p in env["product.product"].browse({r[1] for r in requests})}
        units = {u.id: u for u in env["product.uom"].browse({r[3] for r in requests})}
        return cls.default_prices([products[r[1]] for r in requests], [units[r[3]] for r in requests],
                                  [r[0] for r in requests], quantities=[r[2] for r in requests])

    @classmethod
    def price_kits(cls, kits):
        """Price kit lines from their components: ``kits`` maps a line id to ``(line quantity, requests)``.

        A kit line's unit price becomes the sum of its components' prices
        (:meth:`component_prices`) times their quantities, per unit of the
        line.  Returns the ids of the lines priced.
        """
        requests = [request for _, wanted in kits.values() for request in wanted]
        prices = iter(cls.component_prices(requests))
        rows = []
        for line_id, (quantity, wanted) in kits.items():
            total = sum((next(prices) * Decimal(repr(request[2])) for request in wanted), Decimal(0))
            rows.append({"id": line_id, "unit_price": (total / Decimal(repr(quantity))).quantize(PRICE)})
        cls.write_rows(rows)
        return [row["id"] for row in rows]


class KitOrder:
    """Extension mixin of an order (``sale.sale``, ``purchase.purchase``): its lines' rules and questions.

    The order's ``lines`` actions reach the line model's internal write and
    delete, not :meth:`KitLine.write` / :meth:`KitLine.delete`, so their
    rules are checked here too: component lines keep their unit and
    regenerated ones are not touched by hand.  A change of quantity or a
    deletion of a line with independent child lines needs an answer the
    actions cannot carry: such actions are refused with the question, to be
    answered on the line model.
    """

    _line_model = None

    @classmethod
    def write(cls, orders, values):
        actions = values.get("lines") if isinstance(values, dict) else None
        if isinstance(actions, (list, tuple)):
            actions = [action for action in actions if isinstance(action, (list, tuple)) and len(action) >= 2
                       and isinstance(action[1], list)]   # the core's input check refuses the others
            Line = cls.env[cls._line_model]
            named = [[i for i in action[1] if isinstance(i, int) and not isinstance(i, bool)] for action in actions]
            # the lines the actions name, read together (one search, one prefetch group)
            wanted = sorted({i for ids in named for i in ids})
            existing = {line.id: line for line in Line.browse(Line.search([("id", "in", wanted)]))} if wanted else {}
            touched = set()
            for action, ids in zip(actions, named):
                lines = [existing[i] for i in dict.fromkeys(ids) if i in existing]
                if action[0] == "write" and len(action) == 3:
                    Line._refuse_children(lines, "changed", action[2])
                elif action[0] == "delete":
                    Line._refuse_children(lines, "deleted")
                if action[0] == "delete" or (action[0] == "write" and len(action) == 3 and isinstance(
                        action[2], dict) and {"quantity", "unit"} & set(action[2])):
                    touched |= {line.id for line in lines}
            if touched:
                parents = Line._with_independent_children([line for i, line in existing.items() if i in touched])
                if parents:
                    names = ", ".join(line.rec_name for line in parents[:10])
                    raise errors.QuestionError(
                        f"{names}: {'has' if len(parents) == 1 else 'have'} independent component lines; change "
                        f"the quantity of or delete such lines with {cls._line_model} write or delete and "
                        f"propagate=True (pass it on to those lines) or propagate=False (leave them)")
        super().write(orders, values)


def _check_propagate(Line, propagate):
    """``propagate`` is an answer, yes or no: anything else would be read as one by accident."""
    if propagate is not None and not isinstance(propagate, bool):
        raise errors.ValidationError(
            f"{Line._name}: propagate must be True, False or not given, not {propagate!r}",
            {"propagate": ["Must be True or False."]}, Line._name)


def alternative_codes(env, product_ids):
    """``{product id: [codes]}``: the commercial alternatives of the products that have some, set-based."""
    table = env["product.component"].table
    result = collections.defaultdict(list)
    for batch in batches(env, sorted(product_ids)):
        for product, code in env.execute(
                sa.select(table.c.parent_product, table.c.bom).distinct()
                .where(in_(table.c.parent_product, batch), table.c.bom.is_not(None))
                .order_by(table.c.parent_product, table.c.bom)):
            result[product].append(code)
    return dict(result)


def only_alternatives(env, product_ids):
    """``{product id: code}`` of the products with exactly one commercial alternative: a line takes it (§9)."""
    return {product: codes[0] for product, codes in alternative_codes(env, product_ids).items() if len(codes) == 1}


def line_types(env, product_ids):
    """The type of a line of each product that is not a child line: ``kit``, ``bom`` or ``normal``."""
    Product, Component = env["product.product"], env["product.component"]
    types = {}
    for batch in batches(env, sorted(product_ids)):
        products = Product.table
        has = sa.exists().where(Component.table.c.parent_product == products.c.id)
        for row in env.execute(sa.select(products.c.id, products.c.type, has.label("has"))
                               .where(in_(products.c.id, batch))):
            types[row.id] = "kit" if row.type == "kit" else "bom" if row.has else "normal"
    return types


def type_untyped_lines(env, Line):
    """Give the lines made while product_kit was deactivated their type, as ``line_types`` would: one UPDATE.

    Such lines are top lines (only product_kit makes child lines), typed from
    their products as the migration typed the lines it found.
    """
    table = Line.table
    products, components = env["product.product"].table, env["product.component"].table
    env.execute(table.update().where(table.c.line_type.is_(None)).values(line_type=sa.case(
        (table.c.product.in_(sa.select(products.c.id).where(products.c.type == "kit")), "kit"),
        (table.c.product.in_(sa.select(components.c.parent_product)), "bom"), else_="normal")))


class LineComponent:
    """Mixin of a line component model (``sale.line.component``, ``purchase.line.component``).

    A line component is the quantity of a product shipped or received in place
    of the kit of its line: dependent on the kit line, recomputed from its
    quantity at each quote.  Only quoting creates them; only reset to draft
    (or deleting the kit line) deletes them.
    """

    _order = (("line", "ASC"), ("id", "ASC"))

    product = fields.Many2One("product.product", "Product", required=True)
    quantity = fields.Float("Quantity", required=True)
    unit = fields.Many2One("product.uom", "Unit", required=True)
    fixed = fields.Boolean("Fixed")
    component = fields.Many2One("product.component", "Product component", ondelete="set null")
    line_type = fields.Selection(LINE_TYPES, "Line type", required=True, default="kit_component",
                                 help="kit_component, kit_option or kit_variant: what the component was in the kit.")

    @classmethod
    def create(cls, vlist):
        raise errors.AccessError(f"{cls._name} records are created by quoting their order, not by hand")

    @classmethod
    def refuse_unit_category_change(cls, products):
        """Refuse ``products``' new unit category while a line component counts one of them."""
        refuse_unit_category_change(cls, products, describe=lambda component: (
            f"{component.rec_name} of {component.line.rec_name}"))

    @classmethod
    def write(cls, components, values):
        raise errors.AccessError(
            f"{cls._name} records depend on their kit line and cannot be changed: they follow the kit line's "
            f"quantity at each quote; change the kit line instead")

    @classmethod
    def delete(cls, components):
        raise errors.AccessError(
            f"{cls._name} records depend on their kit line and cannot be deleted by hand: they go when the "
            f"order is reset to draft or the kit line is deleted")


class Catalog:
    """Units, products and components as plain rows: what exploding needs, read set-based.

    Components are loaded one nesting level per query, so the number of
    queries follows the depth of the kits, not the number of lines.
    """

    def __init__(self, env, product_ids):
        Uom, Product, Component = env["product.uom"], env["product.product"], env["product.component"]
        units, products, components = Uom.table, Product.table, Component.table
        self.env = env
        self.Uom = Uom
        self.units = {row.id: row for row in env.execute(
            sa.select(units.c.id, units.c.factor, units.c.rounding, units.c.category, units.c.symbol))}
        self.products = {}
        self.of = {}
        self._per_line = {}
        self._below = {}
        todo = set(product_ids)
        while todo:
            for batch in batches(env, sorted(todo)):
                self.products.update((row.id, row) for row in env.execute(
                    sa.select(products.c.id, products.c.type, products.c.default_uom, products.c.component_lines,
                              products.c.kit_pricing).where(in_(products.c.id, batch))))
            self.of.update((product_id, []) for product_id in todo)
            for batch in batches(env, sorted(todo)):
                for row in env.execute(sa.select(components).where(in_(components.c.parent_product, batch))
                                       .order_by(components.c.id)):
                    self.of[row.parent_product].append(row)
            todo = {c.product for group in self.of.values() for c in group} - set(self.of)

    def convert(self, quantity, unit, product):
        """``quantity`` in ``unit`` as a quantity in ``product``'s default unit, unrounded."""
        target = self.units[self.products[product].default_uom]
        source = self.units[unit]
        if source.category != target.category:
            raise errors.UserError(f"product {product}: unit {unit} is not of its unit category")
        return quantity * source.factor / target.factor

    def round(self, quantity, unit):
        return self.Uom.round(quantity, self.units[unit].rounding)

    def is_kit(self, product):
        return self.products[product].type == "kit"

    def alternatives(self, product):
        """The codes of ``product``'s commercial alternatives, in the order they were made (empty: one list)."""
        return [code for code in dict.fromkeys(c.bom for c in self.of.get(product, ())) if code is not None]

    def _names(self, ids):
        return {p.id: p.name for p in self.env["product.product"].browse(set(ids))}

    def chosen(self, product, bom, choices, top=False, offered=None):
        """``(component row, kind)`` of the components of ``product`` that ``bom`` and ``choices`` keep.

        The alternative: ``bom`` if ``product`` has it, else its only one
        (``top``: a ``bom`` it lacks, or none among several, is refused).
        Every variant group needs exactly one choice; options are kept when
        chosen.  ``offered`` collects the ids of the variants and options met.
        Raises :class:`Unresolved`.
        """
        components = self.of.get(product, ())
        codes = self.alternatives(product)
        if codes:
            if bom in codes:
                code = bom
            elif len(codes) == 1 and (bom is None or not top):
                code = codes[0]
            else:
                name = self._names([product])[product]
                wrong = f"{name} has no alternative {bom!r}; " if bom is not None and top else ""
                raise Unresolved(f"{wrong}choose the commercial BOM of {name}: one of {', '.join(codes)}", "bom")
        else:
            if bom is not None and top:
                name = self._names([product])[product]
                raise Unresolved(f"{name} has no commercial alternatives: leave the bom empty (not {bom!r})", "bom")
            code = None
        kept, groups = [], collections.defaultdict(list)
        for component in components:
            if component.bom != code:
                continue
            if component.kind == "normal":
                kept.append((component, "normal"))
                continue
            if offered is not None:
                offered.add(component.id)
            if component.kind == "variant":
                groups[component.group].append(component)
            elif component.id in choices:
                kept.append((component, "option"))
        for group, variants in groups.items():
            picked = [v for v in variants if v.id in choices]
            if len(picked) != 1:
                names = self._names([product] + [v.product for v in variants])
                listed = ", ".join(names[v.product] for v in variants)
                if picked:
                    raise Unresolved(
                        f"variant group {group!r} of {names[product]}: choose exactly one of {listed}, not "
                        f"{' and '.join(names[v.product] for v in picked)}", "choices")
                raise Unresolved(f"variant group {group!r} of {names[product]}: choose one of {listed}", "choices")
            kept.append((picked[0], "variant"))
        kept.sort(key=lambda item: item[0].id)
        return kept

    def scaled(self, product, quantity, unit, bom=None, choices=frozenset(), offered=None, fixed=False,
               kind="normal", top=True):
        """``(component row, quantity, fixed, kind)`` of each chosen direct component of ``product``.

        A component's quantity is its own when fixed, else its own times the
        quantity of ``product`` in its default unit; unrounded.  ``kind``:
        the component's kind, or the kind of the variant or option it is in.
        """
        per_unit = self.convert(quantity, unit, product)
        for component, own in self.chosen(product, bom, choices, top, offered):
            scale = 1 if component.fixed else per_unit
            yield (component, component.quantity * scale, fixed or component.fixed,
                   own if own != "normal" else kind)

    def leaves(self, product, quantity, unit, bom=None, choices=frozenset(), offered=None, fixed=False,
               kind="normal", top=True):
        """The non-kit products a kit comes down to: ``(component row, quantity, fixed, kind)``."""
        for component, amount, is_fixed, is_kind in self.scaled(product, quantity, unit, bom, choices, offered,
                                                                fixed, kind, top):
            if self.is_kit(component.product):
                yield from self.leaves(component.product, amount, component.unit, bom, choices, offered,
                                       is_fixed, is_kind, top=False)
            else:
                yield component, amount, is_fixed, is_kind

    def per_line(self, explode, product, unit, bom, choices):
        """``explode(product, 1, unit, bom, choices)`` once per product, unit and choice, as a list.

        Quantities are linear in the line quantity (a fixed one is constant),
        so each line multiplies instead of walking the kit again.  Returns
        the list and the ids of the variants and options offered on the way.
        """
        key = (explode.__name__, product, unit, bom, choices)
        result = self._per_line.get(key)
        if result is None:
            offered = set()
            result = self._per_line[key] = (list(explode(product, 1.0, unit, bom, choices, offered)), offered)
        return result

    def below(self, product):
        """Ids of every component under ``product``, of every alternative, at every level."""
        result = self._below.get(product)
        if result is None:
            result = set()
            for component in self.of.get(product, ()):
                result.add(component.id)
                result |= self.below(component.product)
            self._below[product] = result
        return result


def _rows(Line, ids=(), orders=()):
    """The lines ``ids``, or every line of ``orders`` (ids), as rows with their choices, set-based."""
    env, table = Line.env, Line.table
    parent = table.c[Line._parent_field]
    links = Line.fields["choices"].table
    column, keys = (parent, orders) if orders else (table.c.id, ids)
    rows, picked = [], collections.defaultdict(set)
    for batch in batches(env, sorted(keys)):
        rows += env.execute(sa.select(table.c.id, parent.label("order"), table.c.product, table.c.quantity,
                                      table.c.unit, table.c.sequence, table.c.bom, table.c.component_lines,
                                      table.c.component_parent, table.c.line_type)
                            .where(in_(column, batch))).all()
        for origin, target in env.execute(sa.select(links.c.origin, links.c.target).select_from(
                links.join(table, table.c.id == links.c.origin)).where(in_(column, batch))):
            picked[origin].add(target)
    return [_Row(r.id, r.order, r.product, r.quantity, r.unit, r.sequence, r.bom, frozenset(picked.get(r.id, ())),
                 r.component_lines, r.component_parent, r.line_type) for r in rows]


def explode(env, line_model, component_model, orders):
    """Give the lines of ``orders`` their line components and child lines; price kits from components."""
    Line = env[line_model]
    rows = _rows(Line, orders=[o.id for o in orders])
    catalog = Catalog(env, {row.product for row in rows})
    _retype(Line, catalog, [row for row in rows if row.parent is None])
    if _explode_lines(env, Line, env[component_model], rows, quoting=True, catalog=catalog):
        _resequence(Line, orders)


def _retype(Line, catalog, rows):
    """Top lines typed from their products as they are now (components may have come or gone)."""
    changes = []
    for row in rows:
        wanted = "kit" if catalog.is_kit(row.product) else "bom" if catalog.of.get(row.product) else "normal"
        if row.line_type != wanted:
            changes.append({"id": row.id, "line_type": wanted})
    Line.write_rows(changes)


def _explode_lines(env, Line, LineComponent, lines, quoting, catalog=None):
    """Explode ``lines`` (rows), then the child lines that makes; True if child lines were made.

    ``quoting``: kit lines get their components and every line with
    components its child lines; else (a draft line just created) only the
    independent child lines are made, and a line whose choices are not
    complete yet waits for its quote.

    A component whose quantity for the line rounds to nothing in its unit
    (0.25 tube of glue per table, one table, tubes counted whole) gets no
    child line or line component: as in Tryton, where such a line has
    quantity 0 and moves nothing, nothing of it is shipped or charged —
    the rounding every line quantity gets, down to zero.  Refusing the
    quote instead would make the product impossible to quote in small
    quantities, and the user could not fix it on the order; so the order
    is quoted and ``env.warnings`` says, on the user's own line, which
    component was left out and why.  A kit all of whose components round
    to nothing has nothing to ship in place of the kit: its quote is
    refused, naming the line.
    """
    made = False
    while lines:
        catalog = catalog or Catalog(env, {line.product for line in lines})
        components, children, parents, kits = [], [], [], {}
        problems, dropped, taken = [], [], []
        for line in lines:
            if not catalog.of.get(line.product):
                continue
            codes = catalog.alternatives(line.product)
            if line.bom is None and len(codes) == 1:   # taken automatically (§9), and said on the line
                line = line._replace(bom=codes[0])
                taken.append({"id": line.id, "bom": line.bom})
            kit = catalog.is_kit(line.product)
            mode = catalog.products[line.product].component_lines
            if kit and not quoting or not kit and (line.component_lines is not None
                                                   or mode == "regenerated" and not quoting):
                continue
            try:
                made_of, offered = catalog.per_line(catalog.leaves if kit else catalog.scaled, line.product,
                                                    line.unit, line.bom, line.choices)
                stray = line.choices - offered
                if stray and not kit:   # a child line's own choices: checked when it explodes in turn
                    stray -= {i for component, *_ in made_of for i in catalog.below(component.product)}
                if stray:
                    raise Unresolved(_stray(catalog, line, stray), "choices")
            except Unresolved as problem:
                problems.append((line, problem))
                continue
            if kit:
                # a returned kit (negative line) comes back as its components, below zero too; it keeps the
                # price it was sold at
                sign = -1 if line.quantity < 0 else 1
                priced = catalog.products[line.product].kit_pricing == "components" and sign > 0
                wanted, nothing = [], []
                for component, amount, fixed, kind in made_of:
                    quantity = catalog.round(amount if fixed else amount * abs(line.quantity), component.unit)
                    if quantity <= 0:
                        nothing.append((line, component, amount if fixed else amount * line.quantity))
                        continue
                    components.append({
                        "line": line.id, "product": component.product, "unit": component.unit,
                        "quantity": sign * quantity, "fixed": fixed, "component": component.id,
                        "line_type": f"kit_{_SUFFIX[kind]}"})
                    if priced:
                        wanted.append((line.order, component.product, quantity, component.unit))
                if nothing and len(nothing) == len(made_of):
                    problems.append((line, Unresolved(
                        f"every component rounds to nothing for {line.quantity:g} {catalog.units[line.unit].symbol} "
                        f"({_rounded_away(catalog, nothing)}): there is nothing to ship in place of the kit; "
                        f"order more, or count its components in finer units", "quantity")))
                    continue
                dropped += nothing
                if priced:
                    kits[line.id] = (line.quantity, wanted)
                continue
            parents.append({"id": line.id, "component_lines": mode})
            for component, amount, fixed, kind in made_of:
                quantity = catalog.round(amount if fixed else amount * line.quantity, component.unit)
                if quantity <= 0:
                    dropped.append((line, component, amount if fixed else amount * line.quantity))
                    continue
                below = catalog.below(component.product)
                children.append({
                    Line._parent_field: line.order, "component_parent": line.id, "product": component.product,
                    "unit": component.unit, "quantity": quantity,
                    "sequence": line.sequence, "line_type": f"bom_{_SUFFIX[kind]}", "from_component": component.id,
                    "fixed": fixed, "choices": sorted(c for c in line.choices if c in below),
                    "bom": line.bom if line.bom in catalog.alternatives(component.product) else None})
        if problems and quoting:
            _refuse(Line, problems)
        _warn_rounded_away(env, Line, catalog, dropped)
        Line.write_rows(taken)
        LineComponent.create_unchecked(components)
        Line.write_rows(parents)
        if kits:
            Line.price_kits(kits)
        created = Line.create_unchecked(children)   # priced from their own products; exploded in turn
        lines = [_Row(r.id, c[Line._parent_field], c["product"], r.quantity, c["unit"], c["sequence"], c["bom"],
                      frozenset(c["choices"]), None, c["component_parent"], c["line_type"])
                 for c, r in zip(children, created)]
        made = made or bool(children)
        catalog = None
    return made


def _rounded_away(catalog, dropped):
    """``Glue 0.25 u -> 0 u (rounding 1)``, ``…``: the components of ``dropped`` and their rounding."""
    names = catalog._names([component.product for _, component, _ in dropped])
    parts = []
    for _, component, amount in dropped:
        unit = catalog.units[component.unit]
        parts.append(f"{names[component.product]} {amount:g} {unit.symbol} -> 0 {unit.symbol} "
                     f"(rounding {unit.rounding:g})")
    return ", ".join(parts)


def _warn_rounded_away(env, Line, catalog, dropped):
    """One warning per line left without some of its components, on the user's line (see _explode_lines)."""
    by_line = collections.defaultdict(list)
    for item in dropped:
        by_line[item[0].id].append(item)
    for record in Line.browse(sorted(by_line)):
        order = getattr(record, Line._parent_field)
        env.warn("product_kit.rounded_away",
                 f"{record.rec_name} ({record.product.name}) of {order.rec_name}: no line for "
                 f"{_rounded_away(catalog, by_line[record.id])}: its quantity for {record.quantity:g} "
                 f"{record.unit.symbol} rounds to nothing in its unit", record)


def _stray(catalog, line, stray):
    offered = {c.id: c for rows in catalog.of.values() for c in rows}
    names = catalog._names([offered[i].product for i in stray if i in offered] + [line.product])
    listed = ", ".join(names[offered[i].product] if i in offered else f"component {i}" for i in sorted(stray))
    return (f"{listed}: not a variant or option of {names[line.product]}"
            + (f" (alternative {line.bom})" if line.bom else "") + " that these choices reach; remove it")


def _refuse(Line, problems):
    line, problem = problems[0]
    record = Line.browse([line.id])[0]
    order = getattr(record, Line._parent_field)
    where = f"{record.rec_name} ({record.product.name}) of {order.rec_name}"
    raise errors.ValidationError(f"{where}: {problem}", {problem.field: [str(problem)]}, where)


def _resequence(Line, orders):
    """Number the lines so that each child line comes right after its parent (one update)."""
    table = Line.table
    parent = table.c[Line._parent_field]
    lines = []
    for batch in batches(Line.env, [getattr(o, "id", o) for o in orders]):
        lines += Line.env.execute(
            sa.select(table.c.id, parent.label("order"), table.c.component_parent)
            .where(in_(parent, batch)).order_by(parent, *Line.sql_order(None))).all()
    children = collections.defaultdict(list)
    for line in lines:
        if line.component_parent is not None:
            children[line.component_parent].append(line)
    rows, position, order = [], 0, None

    def place(line):
        nonlocal position
        position += 1
        rows.append({"id": line.id, "sequence": position})
        for child in children[line.id]:
            place(child)

    for line in lines:
        if line.order != order:
            order, position = line.order, 0
        if line.component_parent is None:
            place(line)
    Line.write_rows(rows)


def remove(env, line_model, component_model, orders):
    """Delete the line components and regenerated child lines quoting made for ``orders`` (set-based).

    Independent child lines stay: they were made once and are the user's now.
    """
    Line = env[line_model]
    table = Line.table
    parent = table.c[Line._parent_field]
    order_ids = [o.id for o in orders]
    for batch in batches(env, order_ids):
        env[component_model].delete_where([(f"line.{Line._parent_field}", "in", batch)])
        Line.delete_where([(Line._parent_field, "in", batch), ("component_parent", "!=", None),
                           ("component_parent.component_lines", "=", "regenerated")])
        made = env.execute(sa.select(table.c.id).where(in_(parent, batch),
                                                       table.c.component_lines == "regenerated")).scalars().all()
        Line.write_rows([{"id": line_id, "component_lines": None} for line_id in made])
