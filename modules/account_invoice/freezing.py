"""What posting freezes of an invoice, computed set-based from rows.

One function serves posting (on the pool's tables) and the migration that
freezes the invoices posted before it existed (on reflected tables): the
amounts are those a draft invoice shows (``account.invoice.get_amounts``):
each line's amount is its quantity times its unit price, rounded to the
cent; its tax is ``account.tax.line_amount`` of its taxes, fixed taxes
counting the quantity in the product's unit; totals are the sums.
"""
import collections
from decimal import Decimal

import sqlalchemy as sa

from core.model import in_
from modules.account.account import Tax

CENT = Decimal("0.01")
Frozen = collections.namedtuple("Frozen", "line_taxes tax_lines totals")
_Tax = collections.namedtuple("_Tax", "id name type rate amount")


def frozen_amounts(execute, tables, invoice_ids):
    """``Frozen(line_taxes, tax_lines, totals)`` of the invoices ``invoice_ids`` (a batch, see ``core.model.batches``).

    ``execute`` runs a statement; ``tables`` maps ``invoice_line``,
    ``links`` (the lines' taxes), ``tax``, ``uom`` and ``product`` to their
    tables.  ``line_taxes``: ``{line id: tax amount}``; ``tax_lines``: one
    dict per invoice and tax (``invoice``, ``sequence``, ``tax``,
    ``description``, ``base``, ``amount``); ``totals``: ``{invoice id:
    (untaxed amount, tax amount)}``.
    """
    line, links, tax, uom, product = (tables[name] for name in ("invoice_line", "links", "tax", "uom", "product"))
    rows = execute(sa.select(line.c.id, line.c.invoice, line.c.quantity, line.c.unit_price, line.c.unit,
                             product.c.default_uom)
                   .join(product, product.c.id == line.c.product).where(in_(line.c.invoice, invoice_ids))
                   .order_by(line.c.invoice, line.c.sequence, line.c.id)).all()
    taxed = collections.defaultdict(list)
    for origin, target in execute(sa.select(links.c.origin, links.c.target).join(line, line.c.id == links.c.origin)
                                  .where(in_(line.c.invoice, invoice_ids))
                                  .order_by(links.c.origin, links.c.target)).all():
        taxed[origin].append(target)
    # plain tuples: a Row's attributes cost more than the arithmetic, ten thousand lines at a time
    taxes = {row[0]: _Tax(*row) for row in execute(
        sa.select(tax.c.id, tax.c.name, tax.c.type, tax.c.rate, tax.c.amount)
        .where(in_(tax.c.id, sorted({t for ts in taxed.values() for t in ts})))).all()}
    wanted = {row[4] for row in rows} | {row[5] for row in rows}
    units = {row[0]: tuple(row[1:]) for row in execute(sa.select(uom.c.id, uom.c.factor, uom.c.category)
                                                        .where(in_(uom.c.id, sorted(wanted)))).all()}
    line_taxes, per_tax = {}, {}
    totals = {invoice_id: (Decimal(0), Decimal(0)) for invoice_id in invoice_ids}
    for line_id, invoice_id, quantity, unit_price, unit, default_uom in rows:
        amount = (Decimal(repr(quantity)) * unit_price).quantize(CENT)
        if unit != default_uom and units[unit][1] == units[default_uom][1]:
            quantity = quantity * units[unit][0] / units[default_uom][0]   # what fixed taxes count
        of_line = [taxes[t] for t in taxed[line_id]]
        line_taxes[line_id] = Tax.line_amount(of_line, amount, quantity)
        untaxed, tax_amount = totals[invoice_id]
        totals[invoice_id] = (untaxed + amount, tax_amount + line_taxes[line_id])
        for one in of_line:
            entry = per_tax.get((invoice_id, one.id))
            if entry is None:
                entry = per_tax[invoice_id, one.id] = {"invoice": invoice_id, "tax": one.id,
                                                       "description": one.name, "base": Decimal(0),
                                                       "amount": Decimal(0)}
            entry["base"] += amount
            entry["amount"] += Tax.line_amount((one,), amount, quantity) if len(of_line) > 1 else line_taxes[line_id]
    sequences = collections.Counter()
    tax_lines = []
    for entry in per_tax.values():
        sequences[entry["invoice"]] += 1
        tax_lines.append({**entry, "sequence": sequences[entry["invoice"]]})
    return Frozen(line_taxes, tax_lines, totals)
