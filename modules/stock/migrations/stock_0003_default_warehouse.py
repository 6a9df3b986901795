"""default warehouse and locations

Revision ID: stock_0003
Revises: stock_0002
Create Date: 2026-12-01 10:00:00.000000

The warehouse ``WH`` (with its storage, input and output zones) and the
supplier, customer and lost-and-found locations, made with the tables rather
than by the activation hook, so that the migrations of the integration
branches that run next (``sale+stock``, ``purchase+stock``) find the
warehouse to give the orders already in the database.  A database whose
locations exist already (stock active before this revision) keeps them.
"""
from alembic import op
import sqlalchemy as sa


revision = 'stock_0003'
down_revision = 'stock_0002'
branch_labels = None
depends_on = None

locations = sa.table("stock_location", sa.column("id", sa.Integer()), sa.column("name", sa.String()),
                     sa.column("code", sa.String()), sa.column("type", sa.String()),
                     sa.column("parent", sa.Integer()), sa.column("storage_location", sa.Integer()),
                     sa.column("input_location", sa.Integer()), sa.column("output_location", sa.Integer()))
ZONES = [("storage_location", "Storage", "STO"), ("input_location", "Input", "IN"), ("output_location", "Output", "OUT")]
OTHERS = [("Supplier", "SUP", "supplier"), ("Customer", "CUS", "customer"), ("Lost and found", "LOST", "lost_found")]


def upgrade():
    bind = op.get_bind()
    if bind.execute(sa.select(sa.func.count()).select_from(locations)).scalar():
        return

    def insert(**values):
        return bind.execute(locations.insert().values(**values).returning(locations.c.id)).scalar_one()

    zones = {field: insert(name=name, code=code, type="storage") for field, name, code in ZONES}
    warehouse = insert(name="Warehouse", code="WH", type="warehouse", **zones)
    bind.execute(locations.update().where(locations.c.id.in_(list(zones.values()))).values(parent=warehouse))
    for name, code, type_ in OTHERS:
        insert(name=name, code=code, type=type_)


def downgrade():
    pass
