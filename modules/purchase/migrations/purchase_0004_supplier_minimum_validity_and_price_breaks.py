"""supplier minimum, validity and price breaks

Revision ID: purchase_0004
Revises: purchase_0003
Create Date: 2026-12-07 21:32:50.202921
"""
from alembic import op
import sqlalchemy as sa


revision = 'purchase_0004'
down_revision = 'purchase_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purchase_product_supplier_price',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('supplier', sa.Integer(), nullable=False),
    sa.Column('min_quantity', sa.Float(), nullable=False),
    sa.Column('unit_price', sa.Numeric(precision=16, scale=4), nullable=False),
    sa.ForeignKeyConstraint(['supplier'], ['purchase_product_supplier.id'], name=op.f('fk_purchase_product_supplier_price_supplier_purchase_product_supplier'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_product_supplier_price'))
    )
    with op.batch_alter_table('purchase_product_supplier_price', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_product_supplier_price_supplier'), ['supplier'], unique=False)

    with op.batch_alter_table('purchase_product_supplier', schema=None) as batch_op:
        # the suppliers so far sell any quantity: 0, also for rows inserted without it
        batch_op.add_column(sa.Column('min_quantity', sa.Float(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('start_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('end_date', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('purchase_product_supplier', schema=None) as batch_op:
        batch_op.drop_column('end_date')
        batch_op.drop_column('start_date')
        batch_op.drop_column('min_quantity')

    with op.batch_alter_table('purchase_product_supplier_price', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_product_supplier_price_supplier'))

    op.drop_table('purchase_product_supplier_price')
