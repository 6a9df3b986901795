"""Make to order after the sale changes: purchases follow, or purchasing is told (§14).

What was bought on order for a sale item (a sale line, or a line
component of a kit line) follows the item when the sale is amended or
cancelled, as long as the purchase is still the buyer's own business
(``draft`` or ``quotation``): its line is raised, lowered or deleted, and a
purchase emptied so is cancelled.  Once the purchase is confirmed with the
supplier, a ``supply.exception`` says what the sale no longer needs, for
purchasing to settle with the supplier; a raise buys the difference on a
draft purchase.  A make-to-order purchase cancelled (or its line removed
or lowered by an amendment) frees its sale: the sale's moves wait on stock
like any other, and an exception of kind ``purchase_cancelled`` says so.

Set-based: the purchase lines of every changed item are read in one
search, the exceptions made in one call.
"""
import collections

from core import Model, Workflow, errors, fields, transition

from .rule import _add_days, buy

KINDS = [("decreased", "Decreased"), ("cancelled", "Cancelled"), ("purchase_cancelled", "Purchase cancelled")]
OPEN_PURCHASE = ("draft", "quotation")


class SupplyException(Workflow, Model):
    """What purchasing must settle because a sale changed after its goods were bought on order."""

    _name = "supply.exception"
    _order = (("id", "ASC"),)
    _transitions = frozenset({("open", "done")})

    sale = fields.Many2One("sale.sale", "Sale", required=True, ondelete="cascade")
    sale_line = fields.Many2One("sale.line", "Sale line", ondelete="set null",
                                help="The sale line (of the kit component) concerned; empty once the line is removed.")
    purchase_line = fields.Many2One("purchase.line", "Purchase line", ondelete="set null")
    product = fields.Many2One("product.product", "Product", required=True)
    kind = fields.Selection(KINDS, "Kind", required=True,
                            help="decreased or cancelled: the sale needs less (nothing) of what a confirmed purchase "
                                 "buys; purchase_cancelled: the purchase no longer buys for the sale.")
    quantity = fields.Float("Quantity", required=True, help="In the unit: what the sale no longer needs, or what "
                                                            "the purchase no longer brings.")
    unit = fields.Many2One("product.uom", "Unit", required=True)
    state = fields.Selection([("open", "Open"), ("done", "Done")], "State", required=True, readonly=True,
                             default="open")
    explanation = fields.Text("Explanation")

    @classmethod
    @transition("done")
    def done(cls, exceptions):
        """Purchasing settled it (with the supplier, or by keeping the goods)."""
        cls.change_state(exceptions, "done", "close")


def sale_of(item):
    return item.sale if item._name == "sale.line" else item.line.sale


def line_of(item):
    return item if item._name == "sale.line" else item.line


def _on_order(changes):
    return [c for c in changes if c.item.product.supply_on_sale and c.item.product.type == "goods"
            and c.new != c.old]


def follow(env, changes):
    """Bring what was bought on order for the changed sale items in step (:data:`Amended` ``changes``)."""
    changes = _on_order(changes)
    if not changes:
        return
    Line, Uom = env["purchase.line"], env["product.uom"]
    origins = {f"{c.item._name},{c.item.id}": c for c in changes}
    bought = collections.defaultdict(list)
    for line in Line.search([("origin", "in", list(origins)), ("purchase.state", "!=", "cancelled"),
                             ("purchase.drop_ship", "!=", True)], order=[("id", "DESC")]):
        bought[f"{line.origin._name},{line.origin.id}"].append(line)
    noted = collections.defaultdict(float)
    for exception in env["supply.exception"].search([("purchase_line", "in", [l.id for ls in bought.values()
                                                                               for l in ls]),
                                                     ("kind", "in", ["decreased", "cancelled"])]):
        noted[exception.purchase_line.id] += exception.quantity
    raised, lowered, gone, exceptions, demands = {}, {}, [], [], []
    for origin, change in origins.items():
        lines = bought[origin]
        item = change.item
        drafts = [l for l in lines if l.purchase.state in OPEN_PURCHASE]
        if change.new > change.old:
            more = change.new - change.old
            if drafts:
                line = drafts[0]
                raised[line.id] = line.quantity + Uom.compute_quantity(item.unit, more, line.unit, round=False)
            else:
                demands.append((item, more))
            continue
        cut = change.old - change.new
        for line in drafts:
            if cut <= 1e-9:
                break
            carried = Uom.compute_quantity(line.unit, line.quantity, item.unit, round=False)
            if carried <= cut + 1e-9:
                gone.append(line)
                cut -= carried
            else:
                lowered[line.id] = Uom.round(Uom.compute_quantity(item.unit, carried - cut, line.unit, round=False),
                                             line.unit.rounding)
                cut = 0.0
        for line in (l for l in lines if l.purchase.state not in OPEN_PURCHASE):
            if cut <= 1e-9:
                break
            left = line.quantity - noted[line.id]
            quantity = min(cut, Uom.compute_quantity(line.unit, left, item.unit, round=False))
            if quantity > 1e-9:
                exceptions.append(_no_longer_needed(item, line, quantity, change.new))
                cut -= quantity
    if raised or lowered:
        Line.write_rows([{"id": i, "quantity": q} for i, q in {**raised, **lowered}.items()])
    if gone:
        purchases = {line.purchase for line in gone}
        Line.delete_unchecked(gone)
        emptied = [p for p in env["purchase.purchase"].browse(sorted(p.id for p in purchases)) if not p.lines]
        if emptied:
            env["purchase.purchase"].cancel(emptied)
    if demands:
        _buy_more(env, demands)
    env["supply.exception"].create_unchecked(exceptions)


def _no_longer_needed(item, line, quantity, new):
    sale = sale_of(item)
    kind = "cancelled" if new == 0 else "decreased"
    reason = "cancelled" if sale.state == "cancelled" else "amended"
    return {"sale": sale.id, "sale_line": line_of(item).id, "purchase_line": line.id, "product": item.product.id,
            "kind": kind, "quantity": quantity, "unit": item.unit.id,
            "explanation": f"{sale.rec_name} was {reason}: it no longer needs {quantity:g} {item.unit.symbol} of "
                           f"{item.product.name} that {line.purchase.rec_name} ({line.purchase.state}) buys for it; "
                           f"settle it with {line.purchase.party.name} or keep the goods in stock"}


def _buy_more(env, demands):
    """Buy what raised items need more on draft purchases (their own line each, the item as origin)."""
    Supplier = env["purchase.product_supplier"]
    suppliers = Supplier.preferred([item.product for item, _ in demands], [None] * len(demands))
    for (item, _), supplier in zip(demands, suppliers):
        if supplier is None:
            raise errors.UserError(f"{item.product.name} is supplied on order but has no supplier: add one to the "
                                   f"product before raising {sale_of(item).rec_name}")
    buy(env, [{"vendor": s.party, "warehouse": sale_of(i).warehouse, "product": i.product, "unit": i.unit,
               "quantity": q, "delivery_date": _add_days(sale_of(i).sale_date, s.lead_time), "origin": i,
               "explanation": f"bought on order for {sale_of(i).rec_name} (amended)"}
              for (i, q), s in zip(demands, suppliers)], merge=False)


def purchase_dropped(env, lines, quantities):
    """Make-to-order purchase ``lines`` no longer bring ``quantities`` (line unit) to their sale: say so.

    The sale's moves then wait on stock like any other (see ``bought_on_order``).
    """
    exceptions = []
    for line, quantity in zip(lines, quantities):
        item = line.origin
        if item is None or item._name not in ("sale.line", "sale.line.component") or quantity <= 1e-9 \
                or line.purchase.drop_ship:
            continue
        sale = sale_of(item)
        if sale.state == "cancelled":
            continue
        exceptions.append({
            "sale": sale.id, "sale_line": line_of(item).id, "purchase_line": line.id, "product": line.product.id,
            "kind": "purchase_cancelled", "quantity": quantity, "unit": line.unit.id,
            "explanation": f"{line.purchase.rec_name} no longer buys {quantity:g} {line.unit.symbol} of "
                           f"{line.product.name} for {sale.rec_name}: its delivery now waits on stock like any "
                           f"other (assign reserves free stock; buy again with create_purchase if need be)"})
    env["supply.exception"].create_unchecked(exceptions)


def bought_on_order(env, origins):
    """The ``origins`` (``"model,id"`` of sale items) a purchase not cancelled still buys for."""
    if not origins:
        return set()
    return {f"{l.origin._name},{l.origin.id}" for l in env["purchase.line"].search(
        [("origin", "in", sorted(origins)), ("purchase.state", "!=", "cancelled")])}
