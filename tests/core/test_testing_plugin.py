"""The pytest plugin's databases: copies of one template per set of modules, each test's its own."""
import pytest

from core import errors, testing

WIDGET = '''
from core import Model, fields

class Widget(Model):
    _name = "widget.widget"
    name = fields.Char("Name", required=True)
{extra}
def register(module):
    module.add_models(Widget)
'''

MIGRATION = '''
from alembic import op
import sqlalchemy as sa

revision = "widget_0001"
down_revision = None
branch_labels = ("widget",)
depends_on = None

def upgrade():
    op.create_table("widget_widget", sa.Column("id", sa.Integer(), primary_key=True),
                    sa.Column("name", sa.String(), nullable=False){columns})
'''


def widget_files(version, extra="", columns=""):
    return {"__init__.py": WIDGET.format(extra=extra), "manifest.toml": f'name = "widget"\nversion = "{version}"\n',
            "migrations/widget_0001_widgets.py": MIGRATION.format(columns=columns)}


def test_each_call_gets_a_database_of_its_own(kitwork_database):
    first, second = kitwork_database("party"), kitwork_database("party")
    assert first.url != second.url and first.active_modules == second.active_modules == ("party",)
    with first.transaction() as env:
        env["party.party"].create([{"name": "Only in the first"}])
    with second.transaction() as env:
        assert env["party.party"].search([]) == []
        env["party.party"].create([{"name": "Only in the second"}])
    with first.transaction() as env:
        assert [p.name for p in env["party.party"].search([])] == ["Only in the first"]


def test_a_copy_holds_what_activation_made(kitwork_database):
    database = kitwork_database("product")
    with database.transaction() as env:   # the units product's activation creates
        assert sorted(u.symbol for u in env["product.uom"].search([])) == ["dz", "g", "kg", "u"]
    assert database.versions() == {"product": database.available_modules()["product"].version}


def test_a_module_rewritten_during_the_run_gets_a_template_of_its_own(kitwork_database, module_factory):
    module_factory("widget", widget_files("1"))
    old = kitwork_database("widget")
    module_factory("widget", widget_files("2", extra="    colour = fields.Char('Colour')\n",
                                            columns=', sa.Column("colour", sa.String())'))
    new = kitwork_database("widget")
    assert (old.versions(), new.versions()) == ({"widget": "1"}, {"widget": "2"})
    with new.transaction() as env:
        env["widget.widget"].create([{"name": "Round", "colour": "red"}])


def test_a_failing_activation_reaches_the_test_and_leaves_no_template(kitwork_database, module_factory):
    # A version of its own: pools are cached per module name and version for the process.
    module_factory("widget", widget_files("3", extra="    colour = fields.Char('Colour')\n"))   # no column
    for _ in range(2):   # refused each time: nothing half-built was kept for the second call
        with pytest.raises(errors.UserError, match="widget.widget.colour has no column"):
            kitwork_database("widget")


def test_an_unknown_module_is_reported_as_by_activate(kitwork_database):
    with pytest.raises(errors.ModuleNotFound):
        kitwork_database("no_such_module")


def test_without_modules_the_database_is_empty(kitwork_database):
    database = kitwork_database()
    assert database.active_modules == ()
    assert database.activate("party") == ("party",)


def test_the_key_follows_the_modules_files(module_factory):
    module_factory("widget", widget_files("1"))
    first, _ = testing._key(("widget",))
    assert testing._key(("widget",))[0] == first
    module_factory("widget", widget_files("1", extra="# a comment that changes the file's size\n"))
    assert testing._key(("widget",))[0] != first
    assert testing._key(("no_such_module",)) == (None, None)
