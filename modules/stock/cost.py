"""What goods cost as they move: the average cost on receipts, the cost of what leaves.

A product's ``cost_price_method`` says how its cost follows its receipts:
``fixed`` (the default) never changes it; ``average`` makes each done
receipt from a supplier (or from another location ``stock.move.priced_sources``
names) move it to the average of what was on hand at the old cost and what
arrives at the move's unit price (a purchase price):

    cost = (on hand × cost + received × price) / (on hand + received)

in the product's own unit, on hand counted in the receiving warehouse
before the receipt.  With nothing (or less than nothing) on hand, or an
unknown cost, the receipt's price is the cost.  Receipts done together are
applied in the order of their moves, each on what the ones before left.

A done move that takes goods out of the warehouses (to a customer, a
supplier, lost and found) records the product's cost at that moment in
its ``cost_price``: what the goods that left were worth.

Both are set-based: one query reads what a batch of moves needs, one
statement writes the costs, one the moves.
"""
from decimal import Decimal

import sqlalchemy as sa

from core.model import batches, in_

COST = Decimal("0.0001")


def moves_done(env, moves):
    """Moves just became done: average costs follow the receipts among them, then outgoing moves record costs."""
    warehouses = env["stock.location"].warehouse_locations()
    warehouse_of = {location: warehouse for warehouse, inside in warehouses.items() for location in inside}
    rows = _move_rows(env, [m.id for m in moves])
    costs = _average_costs(env, rows, warehouse_of)
    leaving = [row for row in rows if row.from_location in warehouse_of and row.to_location not in warehouse_of]
    if leaving:
        env["stock.move"].write_rows([{"id": row.id, "cost_price": costs.get(row.product, row.cost_price)}
                                      for row in leaving])


def _move_rows(env, ids):
    """What costing needs of each move, with its product and units, in the order of the moves."""
    Move, Product, Uom = env["stock.move"], env["product.product"], env["product.uom"]
    move, product, unit, product_unit, source = (
        Move.table, Product.table, Uom.table.alias("move_unit"), Uom.table.alias("product_unit"),
        env["stock.location"].table)
    rows = []
    for batch in batches(env, ids):
        rows += env.execute(
            sa.select(move.c.id, move.c.product, move.c.internal_quantity, move.c.unit_price,
                      move.c.from_location, move.c.to_location, source.c.type.label("source_type"),
                      unit.c.factor.label("unit_factor"), product_unit.c.factor.label("product_factor"),
                      product.c.cost_price_method, product.c.cost_price)
            .join_from(move, product, product.c.id == move.c.product)
            .join(unit, unit.c.id == move.c.unit)
            .join(product_unit, product_unit.c.id == product.c.default_uom)
            .join(source, source.c.id == move.c.from_location)
            .where(in_(move.c.id, batch)).order_by(move.c.id)).all()
    return rows


def _average_costs(env, rows, warehouse_of):
    """Move the cost of average-cost products received at a price; return ``{product: new cost}``."""
    priced = env["stock.move"].priced_sources()
    receipts = [row for row in rows if row.cost_price_method == "average" and row.source_type in priced
                and row.to_location in warehouse_of and row.unit_price is not None]
    if not receipts:
        return {}
    products = sorted({row.product for row in receipts})
    on_hand = env["stock.location"].quantities_by_warehouse(products)
    for row in receipts:   # on hand now counts these moves: before the batch, it did not
        on_hand[row.product][warehouse_of[row.to_location]] -= row.internal_quantity
    costs = {row.product: row.cost_price for row in receipts}
    for row in receipts:
        warehouse = warehouse_of[row.to_location]
        have, cost = on_hand[row.product][warehouse], costs[row.product]
        received = Decimal(repr(row.internal_quantity))
        price = row.unit_price * Decimal(repr(row.product_factor)) / Decimal(repr(row.unit_factor))
        if have <= 0 or cost is None:
            costs[row.product] = price
        else:
            have = Decimal(repr(have))
            costs[row.product] = (have * cost + received * price) / (have + received)
        on_hand[row.product][warehouse] += row.internal_quantity
    costs = {product: cost.quantize(COST) for product, cost in costs.items()}
    env["product.product"].set_cost_prices(costs)
    return costs
