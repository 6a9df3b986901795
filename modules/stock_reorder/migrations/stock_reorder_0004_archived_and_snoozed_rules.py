"""archived and snoozed rules

Revision ID: stock_reorder_0004
Revises: stock_reorder_0003
Create Date: 2026-12-07 21:35:38.263047
"""
from alembic import op
import sqlalchemy as sa


revision = 'stock_reorder_0004'
down_revision = 'stock_reorder_0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('stock_reorder_rule', schema=None) as batch_op:
        # the rules so far are all in use: active, also the rows inserted without it
        batch_op.add_column(sa.Column('active', sa.Boolean(), nullable=False, server_default=sa.true()))
        batch_op.add_column(sa.Column('snoozed_until', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('stock_reorder_rule', schema=None) as batch_op:
        batch_op.drop_column('snoozed_until')
        batch_op.drop_column('active')
