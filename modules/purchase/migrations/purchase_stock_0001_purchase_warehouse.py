"""purchase warehouse

Revision ID: purchase_stock_0001
Revises: 
Create Date: 2026-11-23 18:52:53.817890
"""
from alembic import op
import sqlalchemy as sa


revision = 'purchase_stock_0001'
down_revision = None
branch_labels = ('purchase+stock',)
depends_on = ['purchase', 'stock']


def upgrade():
    with op.batch_alter_table('purchase_purchase', schema=None) as batch_op:
        batch_op.add_column(sa.Column('warehouse', sa.Integer(), nullable=True))
    # Existing orders were all of the default warehouse: WH, else the first one.
    op.execute("UPDATE purchase_purchase SET warehouse = (SELECT id FROM stock_location WHERE type = 'warehouse' "
               "ORDER BY CASE WHEN code = 'WH' THEN 0 ELSE 1 END, id LIMIT 1)")
    with op.batch_alter_table('purchase_purchase', schema=None) as batch_op:
        batch_op.alter_column('warehouse', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_purchase_purchase_warehouse'), ['warehouse'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_purchase_purchase_warehouse_stock_location'), 'stock_location', ['warehouse'], ['id'], ondelete='RESTRICT')


def downgrade():
    with op.batch_alter_table('purchase_purchase', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_purchase_purchase_warehouse_stock_location'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_purchase_purchase_warehouse'))
        batch_op.drop_column('warehouse')

