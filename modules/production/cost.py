"""What a production's outputs cost: what its inputs cost when they were consumed.

Consumed inputs are done moves leaving the warehouse, so stock recorded
each one's ``cost_price`` (per unit of the product) as they went.  Their
total is shared among the outputs by list value (quantity × list price),
or by quantity when an output has no list price, and set as each output
move's ``unit_price``: stock then moves the average cost of an
``average`` product as it does for a supplier receipt.  An input of
unknown cost makes the outputs' cost unknown: they leave the average as it
was, and ``env.warnings`` says why.
"""
from decimal import Decimal

import sqlalchemy as sa

from core.model import batches, in_

COST = Decimal("0.0001")


def price_outputs(env, productions):
    """Set the unit price of ``productions``' outputs not done yet from their consumed inputs (set-based)."""
    totals = input_costs(env, [p.id for p in productions])
    rows = []
    for production in productions:
        outputs = [m for m in production.outputs if m.state not in ("done", "cancelled")]
        if not outputs:
            continue
        total = totals.get(production.id, Decimal(0))
        if total is None:
            env.warn("production_cost_unknown", f"{production.rec_name}: an input has no cost price, so the "
                                                "cost of its outputs is unknown", production)
            continue
        weights = [Decimal(repr(m.internal_quantity)) * (m.product.list_price or 0) for m in outputs]
        if not all(weights):
            weights = [Decimal(repr(m.internal_quantity)) for m in outputs]
        whole = sum(weights)
        for move, weight in zip(outputs, weights):
            share = total * weight / whole if whole else Decimal(0)
            rows.append({"id": move.id, "unit_price": (share / Decimal(repr(move.quantity))).quantize(COST)})
    if rows:
        env["stock.move"].write_rows(rows)


def input_costs(env, production_ids):
    """``{production id: Decimal or None}``: what the done inputs cost (None when one's cost is unknown)."""
    move = env["stock.move"].table
    totals = {}
    for batch in batches(env, production_ids):
        for production, quantity, cost in env.execute(
                sa.select(move.c.production_input, move.c.internal_quantity, move.c.cost_price)
                .where(in_(move.c.production_input, batch), move.c.state == "done")):
            if cost is None or totals.get(production, 0) is None:
                totals[production] = None
            else:
                totals[production] = totals.get(production, Decimal(0)) + Decimal(repr(quantity)) * cost
    return totals
