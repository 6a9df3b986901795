from core import Model, fields


class Party(Model):
    """A person or company: a customer, a supplier, or both."""

    _name = "party.party"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=256)
    code = fields.Char("Code", size=64, unique=True,
                       help="The party's reference, unique when set.")
