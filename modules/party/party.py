import re

import sqlalchemy as sa

from core import Model, errors, fields
from core.model import batches, in_

from .codes import COUNTRIES, check_code

EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def check_email(record):
    """A record's ``email``, when set, is an address like name@example.com."""
    if record.email is not None and not EMAIL.fullmatch(record.email):
        raise errors.ValidationError(
            f"{record.rec_name}: e-mail {record.email!r} is not an address like name@example.com",
            {"email": ["Not an e-mail address."]}, record.rec_name)


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
    addresses = fields.One2Many("party.address", "party", "Addresses")
    tax_identifier = fields.Char("Tax identifier", size=64,
                                 help="The VAT (or other tax) number printed on invoices, e.g. BE0123456789.")

    @classmethod
    def validate(cls, parties):
        super().validate(parties)
        for party in parties:
            if party.tax_identifier is not None and not party.tax_identifier.strip():
                raise errors.ValidationError(f"{party.rec_name}: the tax identifier is blank; give it or leave it empty",
                                             {"tax_identifier": ["Must not be blank."]}, party.rec_name)
            check_email(party)


class Address(Model):
    """Where a party is: invoices go to an ``invoice`` address, goods to a ``delivery`` one.

    "The first invoice (delivery) address" of a party is the first created
    among those flagged so: what sales, purchases and invoices take by
    default.
    """

    _name = "party.address"
    _order = (("party", "ASC"), ("id", "ASC"))

    party = fields.Many2One("party.party", "Party", required=True, ondelete="cascade")
    name = fields.Char("Name", size=256, help="Whom to address it to, when not the party itself (a department).")
    street = fields.Text("Street", help="The street lines, one per line.")
    postal_code = fields.Char("Postal code", size=32)
    city = fields.Char("City", size=128)
    country = fields.Char("Country", size=2, help="ISO 3166-1 alpha-2 code, e.g. BE.")
    invoice = fields.Boolean("Invoice", default=True, help="Invoices may be sent here.")
    delivery = fields.Boolean("Delivery", default=True, help="Goods may be delivered here.")

    @classmethod
    def validate(cls, addresses):
        super().validate(addresses)
        for address in addresses:
            check_code(address, "country", COUNTRIES, "ISO 3166-1 alpha-2 country")

    @classmethod
    def first_of(cls, parties, flag):
        """``{party id: the party's first address flagged ``flag`` (invoice, delivery), or None}``, in one query."""
        ids = sorted({getattr(p, "id", p) for p in parties if p is not None})
        result = dict.fromkeys(ids)
        for address in cls.search([("party", "in", ids), (flag, "=", True)], order=[("id", "DESC")]) if ids else ():
            result[address.party.id] = address
        return result

    def lines(self):
        """The address as printed: name, street lines, postal code and city, country code."""
        town = " ".join(v for v in (self.postal_code, self.city) if v)
        return [v for v in (self.name, *(self.street or "").splitlines(), town, self.country) if v and v.strip()]


class PartyAddresses:
    """Mixin of a document with a ``party`` and addresses of it (an order, an invoice).

    ``_party_addresses`` maps each address field to the flag of the party's
    address it defaults to (``invoice`` or ``delivery``): the party's first
    such address, read for a whole batch at once.  An address given must be
    one of the document's party.
    """

    _party_addresses = {}

    @classmethod
    def _complete(cls, vlist):
        vlist = super()._complete(vlist)
        Address = cls.env["party.address"]
        for field, flag in cls._party_addresses.items():
            wanted = [v for v in vlist if v.get(field) is None and v.get("party") is not None]
            if not wanted:
                continue
            first = Address.first_of([getattr(v["party"], "id", v["party"]) for v in wanted], flag)
            completed = {}
            for values in wanted:
                address = first[getattr(values["party"], "id", values["party"])]
                if address is not None:
                    completed[id(values)] = {**values, field: address.id}
            vlist = [completed.get(id(values), values) for values in vlist]
        return vlist

    @classmethod
    def validate(cls, records):
        """An address of another party is refused: one query per batch finds the first (state changes of
        thousands of orders validate them all)."""
        super().validate(records)
        env, table, address = cls.env, cls.table, cls.env["party.address"].table
        for field in cls._party_addresses:
            for batch in batches(env, [record.id for record in records]):
                bad = env.execute(
                    sa.select(table.c.id).join_from(table, address, address.c.id == table.c[field])
                    .where(in_(table.c.id, batch), address.c.party != table.c.party).order_by(table.c.id).limit(1)
                ).scalar()
                if bad is not None:
                    record = cls.browse([bad])[0]
                    address_ = getattr(record, field)
                    raise errors.ValidationError(
                        f"{record.rec_name}: {field} {address_.rec_name} is an address of {address_.party.name}, "
                        f"not of {record.party.name}", {field: ["Must be an address of the party."]},
                        record.rec_name)
