"""The floor of confirm + process: the same rows written by hand-written, set-based SQLAlchemy Core.

What confirming then processing the bench's sales leaves in the database,
without Kitwork: the sales become ``processing``, each gets one waiting
customer shipment from its warehouse, and each goods line (each component of
a kit line) one waiting move from the warehouse's storage to the customer,
planned for the sale's delivery date, priced at the line's price (a kit's
components share the kit line's amount in proportion to their list prices,
the last absorbing the rounding, as product_kit does).  Rows are read with
two joined queries and written with one statement per table (an
``executemany`` of plain tuples on SQLite, ``unnest`` of one array per
column on PostgreSQL); ids come from one query per table (the largest id under the write lock on SQLite, the
sequence on PostgreSQL).

It knows only what the bench's data needs: no make to order, no drop ship,
no reordering rule fires.  :func:`differing_tables`
checks that, by comparing every table with the database Kitwork wrote.

Used by ``bench_backends.py``; :func:`copy_database` makes the copy it runs on.
"""
import sqlite3
from decimal import Decimal

import sqlalchemy as sa

CENT, PRICE = Decimal("0.01"), Decimal("0.0001")


def copy_database(source_url, target_url, modules):
    """Make ``target_url`` hold what ``source_url`` holds.

    SQLite: a backup of the file.  PostgreSQL (another schema of the same
    database): the modules' tables created by activating them, then every
    row copied server-side, table by table, and each id sequence moved past
    the copied ids.
    """
    source, target = sa.make_url(source_url), sa.make_url(target_url)
    if source.get_backend_name() == "sqlite":
        with sqlite3.connect(source.database) as src, sqlite3.connect(target.database) as dst:
            src.backup(dst)
        return
    from core import Database
    Database(target_url).activate(*modules)
    engines = [sa.create_engine(url) for url in (source_url, target_url)]
    try:
        schemas = []
        for engine in engines:
            with engine.connect() as connection:
                schemas.append(connection.exec_driver_sql("SELECT current_schema()").scalar())
        metadata = sa.MetaData()
        metadata.reflect(engines[1])
        with engines[1].begin() as connection:
            quote = connection.dialect.identifier_preparer.quote
            for table in reversed(metadata.sorted_tables):
                connection.execute(table.delete())
            for table in metadata.sorted_tables:
                if table.name.startswith("procrastinate_"):   # the job queue's own tables: no job in this phase
                    continue
                name = quote(table.name)
                connection.exec_driver_sql(
                    f"INSERT INTO {quote(schemas[1])}.{name} SELECT * FROM {quote(schemas[0])}.{name}")
                if "id" in table.c and table.c.id.autoincrement:
                    connection.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('{schemas[1]}.{table.name}', 'id'), "
                        f"COALESCE((SELECT max(id) FROM {name}), 0) + 1, false)")
    finally:
        for engine in engines:
            engine.dispose()


def confirm_process(connection, sale_ids):
    """Confirm and process ``sale_ids`` (quoted sales) with plain Core statements on ``connection``."""
    tables = _tables(connection)
    sale, line, component = tables["sale_sale"], tables["sale_line"], tables["sale_line_component"]
    product, uom, location = tables["product_product"], tables["product_uom"], tables["stock_location"]
    shipment_out, move = tables["stock_shipment_out"], tables["stock_move"]
    warehouse = location.alias("warehouse")
    customer = (sa.select(location.c.id).where(location.c.type == "customer")
                .order_by(location.c.name, location.c.id).limit(1).scalar_subquery())
    lines = connection.execute(
        sa.select(line.c.id, line.c.sale, line.c.product, line.c.quantity, line.c.unit, line.c.unit_price,
                  product.c.type, sale.c.party, sale.c.warehouse, sale.c.delivery_date,
                  warehouse.c.storage_location, customer.label("customer"))
        .select_from(line.join(product, product.c.id == line.c.product).join(sale, sale.c.id == line.c.sale)
                     .join(warehouse, warehouse.c.id == sale.c.warehouse))
        .where(line.c.sale.in_(sale_ids)).order_by(line.c.sequence, line.c.id)).all()
    default_uom = uom.alias("default_uom")
    line_uom = uom.alias("line_uom")
    components = connection.execute(
        sa.select(component.c.id, component.c.line, component.c.product, component.c.quantity, component.c.unit,
                  line_uom.c.factor, line_uom.c.rounding, product.c.list_price, product.c.default_uom,
                  default_uom.c.factor.label("default_factor"))
        .select_from(component.join(line, line.c.id == component.c.line)
                     .join(product, product.c.id == component.c.product)
                     .join(line_uom, line_uom.c.id == component.c.unit)
                     .join(default_uom, default_uom.c.id == product.c.default_uom))
        .where(line.c.sale.in_(sale_ids)).order_by(component.c.line, component.c.id)).all()
    connection.execute(sale.update().where(sale.c.id.in_(sale_ids)).values(state="processing"))

    of_line = {}
    for row in components:
        of_line.setdefault(row.line, []).append(row)
    goods, kits = [], []
    for row in lines:
        if row.id in of_line:
            kits.append(row)
        elif row.type == "goods":
            goods.append(row)
    by_sale = {}   # the moves of each sale: its goods lines, then its kits' components, as Kitwork orders them
    for row in goods:
        by_sale.setdefault(row.sale, []).append(_move(row, row.product, row.quantity, row.unit, row.unit_price,
                                                      row.quantity, f"sale.line,{row.id}"))
    spread = {}   # kit lines alike share their prices, as in Kitwork
    for row in kits:
        parts = of_line[row.id]
        key = (row.quantity, row.unit_price, tuple(part[2:] for part in parts))
        if key not in spread:
            spread[key] = _spread(row, parts)
        for part, price in zip(parts, spread[key]):
            internal = part.quantity if part.unit == part.default_uom else \
                part.quantity * part.factor / part.default_factor
            by_sale.setdefault(row.sale, []).append(_move(row, part.product, part.quantity, part.unit, price,
                                                          internal, f"sale.line.component,{part.id}"))
    header = {row.sale: row for row in lines}
    shipment_ids = _next_ids(connection, shipment_out, len(by_sale))
    move_ids = iter(_next_ids(connection, move, sum(map(len, by_sale.values()))))
    shipments, moves = [], []
    for shipment_id, (sale_id, sale_moves) in zip(shipment_ids, by_sale.items()):
        first = header[sale_id]
        shipments.append({"id": shipment_id, "party": first.party, "warehouse": first.warehouse,
                          "planned_date": first.delivery_date, "effective_date": None, "state": "waiting"})
        for values in sale_moves:
            moves.append({**values, "id": next(move_ids), "shipment_out": shipment_id})
    if shipments:
        _insert(connection, shipment_out, shipments)
        _insert(connection, move, moves)


def _insert(connection, table, rows):
    """``rows`` (dicts with the same keys) in one statement.

    SQLite: one ``executemany`` of plain tuples, each column's values
    converted by its type once per column (what ``connection.execute(
    table.insert(), rows)`` does, without a parameter dictionary per row).
    PostgreSQL: one ``INSERT … SELECT … FROM unnest(…)`` of one array per
    column.
    """
    dialect = connection.dialect
    names = list(rows[0])
    quote = dialect.identifier_preparer.quote
    columns = ", ".join(map(quote, names))
    values = [[row[name] for row in rows] for name in names]
    if dialect.name == "postgresql":
        arrays = ", ".join(f"CAST(%(c{i})s AS {table.c[name].type.compile(dialect)}[])" for i, name in enumerate(names))
        connection.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({columns}) SELECT * FROM unnest({arrays})",
                                   {f"c{i}": column for i, column in enumerate(values)})
        return
    for position, name in enumerate(names):
        process = table.c[name].type._cached_bind_processor(dialect)
        if process:
            values[position] = [process(value) for value in values[position]]
    connection.exec_driver_sql(f"INSERT INTO {quote(table.name)} ({columns}) VALUES ({', '.join('?' * len(names))})",
                               list(zip(*values)))


def _move(line, product, quantity, unit, price, internal, origin):
    return {"product": product, "quantity": quantity, "unit": unit, "internal_quantity": internal,
            "from_location": line.storage_location, "to_location": line.customer,
            "planned_date": line.delivery_date, "effective_date": None, "state": "waiting", "origin": origin,
            "unit_price": price, "shipment_in": None, "shipment_internal": None, "reorder_explanation": None}


def _spread(line, parts):
    """The components' unit prices: the kit line's amount shared by list price, the last takes the rest."""
    weights = []
    for part in parts:
        per_line = part.quantity if part.unit == part.default_uom else \
            part.quantity * part.factor / part.default_factor
        weights.append(part.list_price * Decimal(repr(per_line / line.quantity)))
    total = sum(weights)
    if not total:
        weights, total = [Decimal(1)] * len(parts), Decimal(len(parts))
    amount = (Decimal(repr(line.quantity)) * line.unit_price).quantize(CENT)
    prices, spent = [], Decimal(0)
    for part, weight in zip(parts[:-1], weights[:-1]):
        price = ((amount * weight / total).quantize(CENT) / Decimal(repr(part.quantity))).quantize(PRICE)
        prices.append(price)
        spent += (price * Decimal(repr(part.quantity))).quantize(CENT)
    prices.append(((amount - spent) / Decimal(repr(parts[-1].quantity))).quantize(PRICE))
    return prices


def _next_ids(connection, table, count):
    """``count`` new ids of ``table``, in order: the sequence's on PostgreSQL, after the largest on SQLite."""
    if not count:
        return []
    if connection.dialect.name == "postgresql":
        sequence = sa.func.pg_get_serial_sequence(table.name, "id")
        return list(connection.execute(sa.select(sa.func.nextval(sequence)).select_from(
            sa.func.generate_series(1, count))).scalars())
    first = connection.execute(sa.select(sa.func.coalesce(sa.func.max(table.c.id), 0))).scalar() + 1
    return list(range(first, first + count))


_TABLES = {}


def _tables(connection):
    """The tables of the database, reflected once per engine (not timed twice)."""
    key = connection.engine.url
    if key not in _TABLES:
        metadata = sa.MetaData()
        metadata.reflect(connection)
        _TABLES[key] = metadata.tables
    return _TABLES[key]


def reflect(engine):
    """Reflect ``engine``'s tables ahead of timing :func:`confirm_process`."""
    with engine.connect() as connection:
        return _tables(connection)


def differing_tables(first_url, second_url):
    """The names of the tables whose rows differ between the two databases (empty: equal)."""
    engines = [sa.create_engine(url) for url in (first_url, second_url)]
    try:
        metadata = sa.MetaData()
        metadata.reflect(engines[0])
        differing = []
        with engines[0].connect() as first, engines[1].connect() as second:
            for table in metadata.sorted_tables:
                if table.name.startswith("procrastinate_"):
                    continue
                order = list(table.primary_key.columns) or list(table.c)
                query = sa.select(table).order_by(*order)
                if first.execute(query).all() != second.execute(query).all():
                    differing.append(table.name)
        return differing
    finally:
        for engine in engines:
            engine.dispose()


