"""A kit's cost price: what its components cost.

A kit is never bought or made as such, so its ``cost_price`` is the sum, per
kit in its default unit, of its components' quantities times their costs:
nested kits by their own components, quantities converted into each
component's unit of cost (its default unit).  Only what every kit is made
of counts: the normal components of its first commercial alternative;
variants and options, chosen per order line, do not.  A fixed component
(once per order line) counts once, as for a line of one kit.  When one
component's cost is unknown, so is the kit's: an unknown cost is never
taken as 0.

The cost is kept in the kit's ``cost_price`` column, so that everything
reading a product's cost (the margin control, a purchase line's default
price, a valuation) reads a kit's too.  It follows its components: a change
of a component's cost, of the components themselves, or of a unit, and
every kit above it is computed again, set-based (one query per nesting
level, one write).
"""
from decimal import Decimal

import sqlalchemy as sa

from core.model import batches, in_

from .line import Catalog


def refresh(env, product_ids):
    """Compute again the cost of the kits among ``product_ids`` and of every kit containing one of them."""
    kits = _kits_above(env, set(product_ids))
    if not kits:
        return
    catalog = Catalog(env, sorted(kits))
    costs = _stored_costs(env, catalog.products)
    computed = {}
    for kit in kits:
        _kit_cost(catalog, kit, costs, computed)
    changed = {kit: computed[kit] for kit in kits if computed[kit] != costs.get(kit)}
    if changed:
        env["product.product"].write_rows([{"id": kit, "cost_price": cost} for kit, cost in changed.items()])


def _kits_above(env, product_ids):
    """The kits among ``product_ids`` and those containing one of them, at any depth (a query per level)."""
    Product, Component = env["product.product"], env["product.component"]
    products, components = Product.table, Component.table
    candidates, frontier = set(product_ids), set(product_ids)
    while frontier:
        parents = set()
        for batch in batches(env, sorted(frontier)):
            parents.update(env.execute(sa.select(components.c.parent_product).distinct()
                                       .where(in_(components.c.product, batch))).scalars())
        frontier = parents - candidates
        candidates |= parents
    kits = set()
    for batch in batches(env, sorted(candidates)):
        kits.update(env.execute(sa.select(products.c.id).where(in_(products.c.id, batch),
                                                                products.c.type == "kit")).scalars())
    return kits


def _stored_costs(env, product_ids):
    products = env["product.product"].table
    costs = {}
    for batch in batches(env, sorted(product_ids)):
        costs.update(env.execute(sa.select(products.c.id, products.c.cost_price)
                                 .where(in_(products.c.id, batch))).all())
    return costs


def _kit_cost(catalog, kit, costs, computed):
    """The cost of one ``kit`` (None: unknown), its nested kits computed first (memoized in ``computed``)."""
    if kit in computed:
        return computed[kit]
    computed[kit] = None   # a component cycle (refused elsewhere) stays unknown rather than looping
    codes = catalog.alternatives(kit)
    code = codes[0] if codes else None
    total = Decimal(0)
    for component in catalog.of.get(kit, ()):
        if component.bom != code or component.kind != "normal":
            continue
        product = component.product
        cost = _kit_cost(catalog, product, costs, computed) if catalog.is_kit(product) else costs.get(product)
        if cost is None:
            return None
        quantity = catalog.convert(component.quantity, component.unit, product)
        total += Decimal(repr(quantity)) * cost
    computed[kit] = total.quantize(Decimal("0.0001"))
    return computed[kit]
