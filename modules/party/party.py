import re

from core import Model, errors, fields

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_names(records):
    """A label (tag, status, shipping method) must say something: a blank name cannot be told apart or chosen."""
    for record in records:
        if not record.name.strip():
            raise errors.ValidationError(f"{record.rec_name}: the name is blank; give it a name",
                                         {"name": ["Must not be blank."]}, record.rec_name)


class Tag(Model):
    """A label grouping parties (VIP, wholesale, …), which automation rules can add and test."""

    _name = "party.tag"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=128, unique=True)

    @classmethod
    def validate(cls, tags):
        super().validate(tags)
        check_names(tags)


class Party(Model):
    """A person or company: a customer, a supplier, or both."""

    _name = "party.party"
    _order = (("name", "ASC"),)

    name = fields.Char("Name", required=True, size=256)
    code = fields.Char("Code", size=64, unique=True,
                       help="The party's reference, unique when set.")
    tags = fields.Many2Many("party.tag", "Tags")
    email = fields.Char("E-mail", size=254, help="Where documents (invoices) are mailed, e.g. ann@example.com.")

    @classmethod
    def validate(cls, parties):
        super().validate(parties)
        for party in parties:
            if party.email is not None and not EMAIL.fullmatch(party.email):
                raise errors.ValidationError(
                    f"{party.rec_name}: e-mail {party.email!r} is not an address like name@example.com",
                    {"email": ["Not an e-mail address."]}, party.rec_name)
