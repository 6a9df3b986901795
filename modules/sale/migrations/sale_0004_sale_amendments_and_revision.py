"""sale amendments and revision

Revision ID: sale_0004
Revises: sale_0003
Create Date: 2026-12-07 23:07:15.816744
"""
from alembic import op
import sqlalchemy as sa


revision = 'sale_0004'
down_revision = 'sale_0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sale_amendment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sale', sa.Integer(), nullable=False),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['sale'], ['sale_sale.id'], name=op.f('fk_sale_amendment_sale_sale_sale'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_amendment'))
    )
    with op.batch_alter_table('sale_amendment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_amendment_sale'), ['sale'], unique=False)

    op.create_table('sale_amendment_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('amendment', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=32), nullable=False),
    sa.Column('line', sa.Integer(), nullable=True),
    sa.Column('product', sa.Integer(), nullable=True),
    sa.Column('quantity', sa.Float(), nullable=True),
    sa.Column('unit', sa.Integer(), nullable=True),
    sa.Column('unit_price', sa.Numeric(precision=16, scale=4), nullable=True),
    sa.ForeignKeyConstraint(['amendment'], ['sale_amendment.id'], name=op.f('fk_sale_amendment_line_amendment_sale_amendment'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['line'], ['sale_line.id'], name=op.f('fk_sale_amendment_line_line_sale_line'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['product'], ['product_product.id'], name=op.f('fk_sale_amendment_line_product_product_product'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['unit'], ['product_uom.id'], name=op.f('fk_sale_amendment_line_unit_product_uom'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sale_amendment_line'))
    )
    with op.batch_alter_table('sale_amendment_line', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sale_amendment_line_amendment'), ['amendment'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_amendment_line_line'), ['line'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_amendment_line_product'), ['product'], unique=False)
        batch_op.create_index(batch_op.f('ix_sale_amendment_line_unit'), ['unit'], unique=False)

    with op.batch_alter_table('sale_sale', schema=None) as batch_op:
        batch_op.add_column(sa.Column('revision', sa.Integer(), nullable=True))
    op.execute("UPDATE sale_sale SET revision = 0")   # orders made before amendments were never amended



def downgrade():
    with op.batch_alter_table('sale_sale', schema=None) as batch_op:
        batch_op.drop_column('revision')

    with op.batch_alter_table('sale_amendment_line', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_amendment_line_unit'))
        batch_op.drop_index(batch_op.f('ix_sale_amendment_line_product'))
        batch_op.drop_index(batch_op.f('ix_sale_amendment_line_line'))
        batch_op.drop_index(batch_op.f('ix_sale_amendment_line_amendment'))

    op.drop_table('sale_amendment_line')
    with op.batch_alter_table('sale_amendment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sale_amendment_sale'))

    op.drop_table('sale_amendment')
