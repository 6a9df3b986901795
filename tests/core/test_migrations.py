"""Per-module alembic branches: models and migrations must stay in step."""
import pytest
import sqlalchemy as sa

from core import Database, cli, errors, migration, modules
from core.pool import get_pool
from core.revision import generate


def module_sets():
    available = modules.discover()
    return [[name] for name in sorted(available)] + [sorted(available)]


@pytest.mark.parametrize("names", module_sets(), ids=lambda names: "+".join(names))
def test_migrations_build_exactly_the_composed_models(kitwork_database, names):
    """Activating through the migrations gives the tables the models describe, no more, no less."""
    database = kitwork_database(*names)
    with database.engine.connect() as connection:
        assert migration.differences(connection, database.pool.metadata) == []


def test_every_module_with_models_has_migrations_covering_them(kitwork_database, example_package):
    names = sorted(set(modules.discover()) - {"example_broken"})   # the example package is visible now
    database = kitwork_database(*names)
    with database.engine.connect() as connection:
        assert migration.differences(connection, database.pool.metadata) == []


def test_drift_is_detected(kitwork_database, example_package):
    database = kitwork_database("product")
    available = modules.discover()
    extended = get_pool([available[n] for n in modules.resolve(["example"], available)])
    with database.engine.connect() as connection:
        found = migration.differences(connection, extended.metadata)
    described = repr(found)
    assert "example_gadget" in described and "warranty_months" in described


MODEL_V1 = '''
from core import Model, fields

class Note(Model):
    _name = "upgradable.note"
    title = fields.Char("Title", required=True)

def register(module):
    module.add_models(Note)
'''
MODEL_V2 = MODEL_V1.replace('    title = fields.Char("Title", required=True)',
                            '    title = fields.Char("Title", required=True)\n    body = fields.Text("Body")')
MIGRATION_V1 = '''
from alembic import op
import sqlalchemy as sa

revision = "upgradable_0001"
down_revision = None
branch_labels = ("upgradable",)
depends_on = None

def upgrade():
    op.create_table("upgradable_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upgradable_note")))
'''


def manifest(version):
    return f'name = "upgradable"\nversion = "{version}"\ndepends = []\n'


def test_upgrade_applies_the_revisions_of_a_newer_module_version(kitwork_database, module_factory):
    package = module_factory("upgradable", {"__init__.py": MODEL_V1, "manifest.toml": manifest("1.0.0"),
                                            "migrations/upgradable_0001_notes.py": MIGRATION_V1})
    database = kitwork_database("upgradable")
    # A newer version of the package is installed: a new field, and the
    # revision its author generated with `kitwork revision`.
    module_factory("upgradable", {"__init__.py": MODEL_V2, "manifest.toml": manifest("1.1.0")})
    path = generate("upgradable", "add body")
    assert path.parent == package / "migrations" and path.name.startswith("upgradable_0002")
    assert "add_column" in path.read_text() and "body" in path.read_text()
    assert generate("upgradable", "again") is None   # nothing left to generate

    database = Database(database.url)
    assert database.upgrade() == {"upgradable": ("1.0.0", "1.1.0")}
    assert database.versions() == {"upgradable": "1.1.0"}
    with database.transaction() as env:
        note, = env["upgradable.note"].create([{"title": "t", "body": "b"}])
        assert note.body == "b"
    with database.engine.connect() as connection:
        assert migration.differences(connection, database.pool.metadata) == []
    assert database.upgrade() == {}


def test_upgrade_command_reports_versions(kitwork_database, module_factory, capsys):
    module_factory("upgradable", {"__init__.py": MODEL_V1, "manifest.toml": manifest("1.0.0"),
                                  "migrations/upgradable_0001_notes.py": MIGRATION_V1})
    database = kitwork_database("upgradable")
    module_factory("upgradable", {"__init__.py": MODEL_V1, "manifest.toml": manifest("1.0.1")})
    import io
    out = io.StringIO()
    assert cli.main(["upgrade", "--db", database.url], out=out) == 0
    assert "upgradable: 1.0.0 -> 1.0.1" in out.getvalue()


def test_revision_of_an_integration_branch_needs_a_real_extra(example_package):
    with pytest.raises(errors.ModuleError, match="not an extra"):
        generate("example+product", "nope")


def test_activation_refuses_a_field_without_migration(kitwork_database, module_factory):
    """A field added to the code but not to the migrations is caught at activation, naming what to do."""
    module_factory("upgradable", {"__init__.py": MODEL_V2, "manifest.toml": manifest("1.0.0"),
                                  "migrations/upgradable_0001_notes.py": MIGRATION_V1})
    database = kitwork_database()
    database.activate("party")
    with pytest.raises(errors.UserError) as caught:
        database.activate("upgradable", "product")
    message = str(caught.value)
    assert "'upgradable'" in message and "upgradable.note.body" in message
    assert "kitwork revision upgradable -m" in message
    # One transaction: neither the module nor product, activated with it, is left behind.
    fresh = Database(database.url)
    assert fresh.active_modules == ("party",)
    with fresh.engine.connect() as connection:
        assert not sa.inspect(connection).has_table("upgradable_note")
        assert not sa.inspect(connection).has_table("product_product")


def test_upgrade_refuses_a_new_field_without_migration(kitwork_database, module_factory, capsys):
    module_factory("upgradable", {"__init__.py": MODEL_V1, "manifest.toml": manifest("1.0.0"),
                                  "migrations/upgradable_0001_notes.py": MIGRATION_V1})
    database = kitwork_database("upgradable")
    module_factory("upgradable", {"__init__.py": MODEL_V2, "manifest.toml": manifest("1.1.0"),
                                  "migrations/upgradable_0001_notes.py": MIGRATION_V1})
    assert cli.main(["upgrade", "--db", database.url]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "upgradable.note.body" in error
    assert "kitwork revision upgradable -m" in error
    assert Database(database.url).versions() == {"upgradable": "1.0.0"}   # nothing recorded


def test_drift_names_a_missing_table(kitwork_database, module_factory):
    module_factory("upgradable", {"__init__.py": MODEL_V1, "manifest.toml": manifest("1.0.0")})
    with pytest.raises(errors.UserError, match=r"model upgradable\.note has no table upgradable_note"):
        kitwork_database("upgradable")


def test_upgrade_refuses_a_field_removed_without_migration(kitwork_database, module_factory, capsys):
    module_factory("upgradable", {"__init__.py": MODEL_V1, "manifest.toml": manifest("1.0.0"),
                                  "migrations/upgradable_0001_notes.py": MIGRATION_V1})
    database = kitwork_database("upgradable")
    without_title = MODEL_V1.replace('    title = fields.Char("Title", required=True)', '    body = fields.Text("Body")')
    # A version of its own: pools are cached per module name and version.
    module_factory("upgradable", {"__init__.py": without_title, "manifest.toml": manifest("1.2.0")})
    assert cli.main(["upgrade", "--db", database.url]) == 1
    error = capsys.readouterr().err
    assert "column upgradable_note.title is in the database" in error and "written by hand" in error
    assert "field upgradable.note.body has no column" in error and "kitwork revision upgradable -m" in error


def test_tables_no_model_declares_do_not_block_activation(kitwork_database):
    database = kitwork_database()
    with database.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)")
    assert database.activate("product") == ("product",)
