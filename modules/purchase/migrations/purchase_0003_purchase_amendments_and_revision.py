"""purchase amendments and revision

Revision ID: purchase_0003
Revises: purchase_0002
Create Date: 2026-12-07 23:07:21.880543
"""
from alembic import op
import sqlalchemy as sa


revision = 'purchase_0003'
down_revision = 'purchase_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purchase_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('purchase', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['purchase'], ['purchase_purchase.id'], name=op.f('fk_purchase_amendment_purchase_purchase_purchase'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_amendment'))
    )
    with op.batch_alter_table('purchase_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_amendment_purchase'), ['purchase'], unique=False)

    op.create_table('purchase_amendment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('product', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('unit', sa.Integer(), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['amendment'], ['purchase_amendment.id'], name=op.f('fk_purchase_amendment_line_amendment_purchase_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line'], ['purchase_line.id'], name=op.f('fk_purchase_amendment_line_line_purchase_line'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product'], ['product_product.id'], name=op.f('fk_purchase_amendment_line_product_product_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit'], ['product_uom.id'], name=op.f('fk_purchase_amendment_line_unit_product_uom'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purchase_amendment_line'))
    )
    with op.batch_alter_table('purchase_amendment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_purchase_amendment_line_amendment'), ['amendment'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_amendment_line_line'), ['line'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_amendment_line_product'), ['product'], unique=False)
        batch_op.create_index(batch_op.f('ix_purchase_amendment_line_unit'), ['unit'], unique=False)

    with op.batch_alter_table('purchase_purchase', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
    op.execute("UPDATE purchase_purchase SET revision = 0")   # orders made before amendments were never amended



def downgrade():
    with op.batch_alter_table('purchase_purchase', schema=None) as batch_op:
        batch_op.drop_column('revision')

    with op.batch_alter_table('purchase_amendment_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_amendment_line_unit'))
        batch_op.drop_index(batch_op.f('ix_purchase_amendment_line_product'))
        batch_op.drop_index(batch_op.f('ix_purchase_amendment_line_line'))
        batch_op.drop_index(batch_op.f('ix_purchase_amendment_line_amendment'))

    op.drop_table('purchase_amendment_line')
    with op.batch_alter_table('purchase_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_purchase_amendment_purchase'))

    op.drop_table('purchase_amendment')
