"""Mistakes in a module's code are refused when its pool is composed: one ModuleError line, nothing activated."""
import pytest
import sqlalchemy as sa

from core import Database, cli, errors

MANIFEST = 'name = "{name}"\nversion = "1.0.0"\ndepends = ["sale"]\n'

REDECLARED = '''
from core import fields

class Sale:
    _name = "sale.sale"
    number = fields.Integer("Number")          # sale declares it, as a Char

def register(module):
    module.add_models(Sale)
'''

REDECLARED_SAME_TYPE = REDECLARED.replace('number = fields.Integer("Number")',
                                          'delivery_date = fields.Date("Delivery date")')

MISSING_GETTER = '''
from core import Model, fields

class Slot(Model):
    _name = "slot.slot"
    name = fields.Char("Name")
    booked = fields.Function(fields.Integer("Booked"), "get_bookd")

    @classmethod
    def get_booked(cls, slots, name):
        return {slot.id: 0 for slot in slots}

def register(module):
    module.add_models(Slot)
'''

WRONG_HOOK_ARGUMENT = '''
import sys
from core import hookimpl

@hookimpl
def sale_before_confirm(env, orders):     # the spec's argument is "sales"
    pass

def register(module):
    module.add_hooks(sys.modules[__name__])
'''


def tables(database):
    return sorted(sa.inspect(database.engine).get_table_names())


def refused(kitwork_database, module_factory, name, code):
    """Activate a module whose code is ``code`` on a database with sale; return the one-line error."""
    module_factory(name, {"__init__.py": code, "manifest.toml": MANIFEST.format(name=name)})
    database = kitwork_database("sale")
    before = tables(database)
    with pytest.raises(errors.ModuleError) as caught:
        database.activate(name)
    assert tables(database) == before
    assert Database(database.url).active_modules == ("party", "product", "sale")
    message = str(caught.value)
    assert "\n" not in message
    return message, database


def test_a_field_redeclared_by_another_module_is_refused_naming_both(kitwork_database, module_factory):
    message, _ = refused(kitwork_database, module_factory, "renumber", REDECLARED)
    assert message.startswith("module 'renumber' redeclares field sale.sale.number, which module 'sale' declares")


def test_a_redeclaration_of_the_same_type_is_refused_too(kitwork_database, module_factory):
    """Else the column would change owner, and kitwork revision would migrate sale's table from renumber."""
    message, _ = refused(kitwork_database, module_factory, "redate", REDECLARED_SAME_TYPE)
    assert "module 'redate' redeclares field sale.sale.delivery_date, which module 'sale' declares" in message


def test_a_function_field_naming_no_method_is_refused_at_activation(kitwork_database, module_factory):
    message, _ = refused(kitwork_database, module_factory, "slots", MISSING_GETTER)
    assert message == ("module 'slots': the Function field slot.slot.booked names the getter 'get_bookd', "
                       "which is not a method of slot.slot")


def test_a_hook_implementation_with_wrong_arguments_is_refused(kitwork_database, module_factory, capsys):
    message, database = refused(kitwork_database, module_factory, "confirmer", WRONG_HOOK_ARGUMENT)
    assert message.startswith("module 'confirmer', hooks of confirmer:")
    assert "sale_before_confirm" in message and "'orders'" in message
    assert cli.main(["activate", "confirmer", "--db", database.url]) == 1   # one line, no traceback
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and error.startswith("kitwork activate: error: module 'confirmer'")
