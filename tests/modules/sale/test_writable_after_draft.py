"""An extension opens its own fields of an order to changes after draft with ``writable_after_draft``."""
import pytest

from core import errors

NOTED = '''
from core import fields

class Sale:
    _name = "sale.sale"
    writable_after_draft = ("delivery_note",)

    delivery_note = fields.Char("Delivery note", size=64)

def register(module):
    module.add_models(Sale)
'''
MIGRATION = '''
from alembic import op
import sqlalchemy as sa

revision = "noted_0001"
down_revision = None
branch_labels = ("noted",)
depends_on = ["sale"]


def upgrade():
    with op.batch_alter_table("sale_sale") as batch_op:
        batch_op.add_column(sa.Column("delivery_note", sa.String(length=64), nullable=True))
'''


def noted(kitwork_database, module_factory, code, version):
    """A quoted sale in a database with the module ``noted`` (pools are cached by version: one per code)."""
    module_factory("noted", {"__init__.py": code, "migrations/noted_0001_note.py": MIGRATION,
                             "manifest.toml": f'name = "noted"\nversion = "{version}"\ndepends = ["sale"]\n'})
    database = kitwork_database("noted")
    with database.transaction() as env:
        ann, = env["party.party"].create([{"name": "Ann"}])
        sale, = env["sale.sale"].create([{"party": ann.id}])
        env["sale.sale"].quote([sale])
    return database, sale.id


def test_an_extension_field_listed_stays_writable_after_draft(kitwork_database, module_factory):
    database, sale_id = noted(kitwork_database, module_factory, NOTED, "1")
    with database.transaction() as env:
        Sale = env["sale.sale"]
        assert Sale.fields_writable_after_draft() == {"status", "shipping_method", "delivery_note"}
        sale, = Sale.browse([sale_id])
        Sale.write([sale], {"delivery_note": "Ring twice"})
        assert sale.delivery_note == "Ring twice" and sale.state == "quotation"
        with pytest.raises(errors.WorkflowError, match=r"cannot be changed: it is quotation; reset it to draft"):
            Sale.write([sale], {"delivery_note": "Leave at door", "sale_date": sale.sale_date})
        assert sale.delivery_note == "Ring twice"


def test_a_name_that_is_no_field_is_a_module_error(kitwork_database, module_factory):
    database, sale_id = noted(kitwork_database, module_factory, NOTED.replace(
        'writable_after_draft = ("delivery_note",)', 'writable_after_draft = ("delivery_notes",)'), "2")
    with database.transaction() as env:
        with pytest.raises(errors.ModuleError) as caught:
            env["sale.sale"].write([sale_id], {"delivery_note": "x"})
        assert str(caught.value) == "sale.sale.writable_after_draft names delivery_notes, which sale.sale has no field of"
        assert env["sale.sale"].browse([sale_id])[0].delivery_note is None
