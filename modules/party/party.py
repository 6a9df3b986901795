from core import Model, fields


class Tag(Model):
    """A label grouping parties (VIP, wholesale, …), which automation rules can add and test."""

    _name = "party.tag"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128, unique=True)


class Party(Model):
    """A person or company: a customer, a supplier, or both."""

    _name = "party.party"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=256)
    code = fields.Char("Code", size=64, unique=True,
                       help="The party's reference, unique when set.")
    tags = fields.Many2Many("party.tag", "Tags")
