"""What a production's outputs cost: what its inputs cost when they were consumed.

Consumed inputs are done moves leaving the warehouse, so stock records
each one's ``cost_price`` (per unit of the product) as they go: the
product's cost at that moment.  Their
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
    """Set the unit price of ``productions``' outputs not done yet from their inputs (set-based)."""
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
    """``{production id: Decimal or None}``: what the inputs cost (None when one's cost is unknown).

    A consumed input costs what stock recorded as it left; one still
    reserved costs its product's cost now, which it will record when done.
    """
    move, product = env["stock.move"].table, env["product.product"].table
    cost = sa.case((move.c.state == "done", move.c.cost_price), else_=product.c.cost_price)
    totals = {}
    for batch in batches(env, production_ids):
        for production, quantity, price in env.execute(
                sa.select(move.c.production_input, move.c.internal_quantity, cost)
                .join_from(move, product, product.c.id == move.c.product)
                .where(in_(move.c.production_input, batch), move.c.state.in_(("done", "assigned")))):
            if price is None or totals.get(production, 0) is None:
                totals[production] = None
            else:
                totals[production] = totals.get(production, Decimal(0)) + Decimal(repr(quantity)) * Decimal(price)
    return totals
