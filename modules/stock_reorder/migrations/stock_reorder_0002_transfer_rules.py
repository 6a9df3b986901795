"""transfer rules

Revision ID: stock_reorder_0002
Revises: stock_reorder_0001
Create Date: 2026-11-23 18:56:11.641448
"""
from alembic import op
import sqlalchemy as sa


revision = 'stock_reorder_0002'
down_revision = 'stock_reorder_0001'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reorder_explanation', sa.Text(), nullable=True))

    with op.batch_alter_table('stock_reorder_rule', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source_warehouse', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('transfer_lead_time', sa.Integer(), nullable=True))
    op.execute("UPDATE stock_reorder_rule SET transfer_lead_time = 0")
    with op.batch_alter_table('stock_reorder_rule', schema=None) as batch_op:
        batch_op.alter_column('transfer_lead_time', existing_type=sa.Integer(), nullable=False)
        batch_op.create_index(batch_op.f('ix_stock_reorder_rule_source_warehouse'), ['source_warehouse'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_stock_reorder_rule_source_warehouse_stock_location'), 'stock_location', ['source_warehouse'], ['id'], ondelete='RESTRICT')



def downgrade():
    with op.batch_alter_table('stock_reorder_rule', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_stock_reorder_rule_source_warehouse_stock_location'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_stock_reorder_rule_source_warehouse'))
        batch_op.drop_column('transfer_lead_time')
        batch_op.drop_column('source_warehouse')

    with op.batch_alter_table('stock_move', schema=None) as batch_op:
        batch_op.drop_column('reorder_explanation')

