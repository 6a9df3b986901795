"""Upgrading databases that hold rows: generated migrations, pending ones, and a test from an older revision."""
import io
import re

import pytest
import sqlalchemy as sa

from core import Database, cli, errors
from core.revision import generate

MANIFEST = 'name = "slots"\nversion = "{version}"\ndepends = ["party"]\n'
V1 = '''
from core import Model, fields

class Slot(Model):
    _name = "slot.slot"
    name = fields.Char("Name", required=True)

def register(module):
    module.add_models(Slot)
'''
V2 = V1.replace('    name = fields.Char("Name", required=True)\n', '''    name = fields.Char("Name", required=True)
    capacity = fields.Integer("Capacity", required=True, default=1)
    kind = fields.Selection([("day", "Day"), ("o'clock", "Hour")], "Kind", required=True, default="o'clock")
    open = fields.Boolean("Open", required=True, default=True)
    owner = fields.Many2One("party.party", "Owner", required=True)
''')
MIGRATION_V1 = '''
from alembic import op
import sqlalchemy as sa

revision = "slots_0001"
down_revision = None
branch_labels = ("slots",)
depends_on = ["party"]


def upgrade():
    op.create_table("slot_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_slot_slot")))
'''
FILL = '''    op.execute("UPDATE slot_slot SET owner = (SELECT min(id) FROM party_party) WHERE owner IS NULL")
'''


def rows(database, query="SELECT * FROM slot_slot ORDER BY id"):
    with database.engine.connect() as connection:
        return [tuple(row) for row in connection.execute(sa.text(query))]


@pytest.fixture
def slots_v1(kitwork_database, module_factory):
    """A database with slots 1.0.0 and three slots; then slots 2.0.0 installed, its revision generated."""
    package = module_factory("slots", {"__init__.py": V1, "manifest.toml": MANIFEST.format(version="1.0.0"),
                                       "migrations/slots_0001_slots.py": MIGRATION_V1})
    database = kitwork_database("slots")
    with database.transaction() as env:
        env["party.party"].create([{"name": "Owner"}])
        env["slot.slot"].create([{"name": "Mon"}, {"name": "Tue"}, {"name": "Wed"}])
    module_factory("slots", {"__init__.py": V2, "manifest.toml": MANIFEST.format(version="2.0.0")})
    out = io.StringIO()
    assert cli.main(["revision", "slots", "-m", "capacity and owner"], out=out) == 0
    path = package / "migrations" / "slots_0002_capacity_and_owner.py"
    return Database(database.url), path, out.getvalue()


def test_revision_gives_required_columns_a_server_default_or_says_what_to_fill(slots_v1):
    database, path, printed = slots_v1
    text = path.read_text()
    assert "sa.Column('capacity', sa.Integer(), server_default=sa.text('1'), nullable=False)" in text
    assert "server_default=sa.text(\"'o''clock'\")" in text
    assert "sa.Column('open', sa.Boolean(), server_default=sa.text('(true)'), nullable=False)" in text
    # owner: no constant default; added nullable, a comment where to fill it, then NOT NULL
    assert "sa.Column('owner', sa.Integer(), nullable=True)" in text
    fill_at = text.index("# slot.slot.owner is required, and its default is not a constant")
    assert text.index("add_column(sa.Column('owner'") < fill_at < text.index("alter_column('owner'")
    assert printed.splitlines()[0] == str(path)
    assert printed.splitlines()[1].startswith("review it: slot.slot.owner is required and its default is not")


def test_a_database_with_pending_migrations_says_run_kitwork_upgrade(slots_v1, capsys):
    database, path, _ = slots_v1
    assert database.pending_migrations() == {"slots": ["slots_0002"]}
    with pytest.raises(errors.UserError) as caught:
        with database.transaction():
            pass
    message = str(caught.value)
    assert "\n" not in message and message.endswith("(slots: slots_0002); run 'kitwork upgrade'")
    assert cli.main(["modules", "--db", database.url]) == 0
    line, = [line for line in capsys.readouterr().out.splitlines() if line.startswith("slots ")]
    assert re.split(r"\s{2,}", line)[3] == ("active, needs upgrade (version 1.0.0 -> 2.0.0, migration(s) slots_0002 "
                                       "not applied)")


def test_an_upgrade_that_cannot_fill_a_required_column_fails_on_one_line_and_changes_nothing(slots_v1, capsys):
    database, path, _ = slots_v1
    before = rows(database)
    assert cli.main(["upgrade", "--db", database.url]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert error.startswith("kitwork upgrade: error: migration slots_0002 of branch 'slots' "
                            "(slots_0002_capacity_and_owner.py) failed, nothing was changed: ")
    assert "give the column a server_default, or fill it with op.execute()" in error
    assert rows(database) == before and database.versions() == {"party": "1.0.0", "slots": "1.0.0"}
    assert database.pending_migrations() == {"slots": ["slots_0002"]}


def test_the_filled_revision_upgrades_every_row(slots_v1):
    database, path, _ = slots_v1
    text = path.read_text()
    at = text.index("    # slot.slot.owner is required")
    path.write_text(text[:at] + FILL + text[at:])   # what the author writes where the revision says
    before = rows(database, "SELECT id, name FROM slot_slot ORDER BY id")
    assert database.upgrade() == {"slots": ("1.0.0", "2.0.0")}
    with database.transaction() as env:
        owner, = env["party.party"].search([])
        slots = env["slot.slot"].search([], order=[("id", "ASC")])
        assert [(s.id, s.name) for s in slots] == before
        assert {(s.capacity, s.kind, s.open, s.owner) for s in slots} == {(1, "o'clock", True, owner)}
        new, = env["slot.slot"].create([{"name": "Thu", "owner": owner.id}])
        assert (new.capacity, new.kind, new.open) == (1, "o'clock", True)
    assert generate("slots", "again") is None   # the migrations build the models


# -- an upgrade test of a built-in module, from the revision before ----------------------------------------
def test_product_kit_upgrades_from_its_first_revision_keeping_every_row(kitwork_database):
    """product_kit 0002 (alternatives, variants, line types) on components and sale lines made by 0001."""
    database = kitwork_database("product_kit", "sale", at_revision=("product_kit_0001", "product_kit_sale_0001"))
    with pytest.raises(errors.UserError, match="run 'kitwork upgrade'"):
        with database.transaction():
            pass
    metadata = sa.MetaData()
    with database.engine.begin() as connection:   # rows as product_kit 0001 stored them
        metadata.reflect(connection)
        t = metadata.tables
        unit = connection.execute(sa.select(t["product_uom"].c.id).where(t["product_uom"].c.symbol == "u")).scalar()
        party = connection.execute(t["party_party"].insert().values(name="Ann")).inserted_primary_key[0]
        product = {"default_uom": unit, "list_price": 10, "cost_price": 4, "active": True}
        lamp, bulb, kit = (connection.execute(t["product_product"].insert().values(
            name=name, type=kind, **product)).inserted_primary_key[0]
            for name, kind in (("Lamp", "goods"), ("Bulb", "goods"), ("Kit", "kit")))
        connection.execute(t["product_component"].insert(), [
            {"parent_product": kit, "product": lamp, "quantity": 1, "unit": unit, "fixed": False},
            {"parent_product": kit, "product": bulb, "quantity": 2, "unit": unit, "fixed": True}])
        sale = connection.execute(t["sale_sale"].insert().values(
            party=party, sale_date=sa.func.current_date(), state="draft", invoice_method="order")
        ).inserted_primary_key[0]
        line = {"sale": sale, "sequence": 10, "unit": unit, "unit_price": 10}
        kit_line, lamp_line = (connection.execute(t["sale_line"].insert().values(
            product=p, quantity=q, **line)).inserted_primary_key[0] for p, q in ((kit, 2), (lamp, 1)))
        connection.execute(t["sale_line_component"].insert(), [
            {"line": kit_line, "product": lamp, "quantity": 2, "unit": unit, "fixed": False}])
    counts = {name: rows(database, f"SELECT count(*) FROM {name}")[0][0]
              for name in ("product_product", "product_component", "sale_line", "sale_line_component")}
    database.upgrade()
    assert database.pending_migrations() == {}
    assert {name: rows(database, f"SELECT count(*) FROM {name}")[0][0] for name in counts} == counts
    with database.transaction() as env:
        kit_product = env["product.product"].browse([kit])[0]
        assert sorted((c.product.name, c.quantity, c.fixed, c.kind) for c in kit_product.components) == [
            ("Bulb", 2.0, True, "normal"), ("Lamp", 1.0, False, "normal")]
        assert (kit_product.component_lines, kit_product.kit_pricing) == ("regenerated", "parent")
        lines = {line.id: line for line in env["sale.line"].search([])}
        assert (lines[kit_line].line_type, lines[lamp_line].line_type) == ("kit", "normal")
        assert [(c.product.name, c.quantity) for c in lines[kit_line].components] == [("Lamp", 2.0)]
        env["sale.sale"].quote(env["sale.sale"].browse([sale]))   # and the module works on them


def test_activating_more_modules_on_a_database_needing_an_upgrade_says_upgrade_first(slots_v1):
    database, path, _ = slots_v1
    with pytest.raises(errors.UserError) as caught:
        database.activate("product")
    assert str(caught.value).endswith("(slots: slots_0002); before activating more modules, run 'kitwork upgrade'")
    assert Database(database.url).active_modules == ("party", "slots")
