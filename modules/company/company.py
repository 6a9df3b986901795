"""The company: the one record saying who this database's business is."""
from core import Model, errors, fields, hookimpl
from modules.party.codes import CURRENCIES, check_code
from modules.party.party import check_email

PNG = b"\x89PNG\r\n\x1a\n"


class Company(Model):
    """Who sells and buys: its name, its party (address and tax id), currency, e-mail and logo.

    One record, made at activation and changed by ``write``: documents
    (invoices) read it as their seller or buyer.
    """

    _name = "company.company"

    name = fields.Char("Name", required=True, size=256, default="My company")
    party = fields.Many2One("party.party", "Party", ondelete="restrict",
                            help="The company as a party: its addresses and tax identifier.")
    currency = fields.Char("Currency", required=True, size=3, default="EUR",
                           help="ISO 4217 code of the currency amounts are in, e.g. EUR.")
    email = fields.Char("E-mail", size=254, help="Printed on documents as the address to write to.")
    logo = fields.Binary("Logo", help="A PNG image, printed on documents.")

    @classmethod
    def get(cls):
        """The company."""
        return cls.search([], limit=1)[0]

    @classmethod
    def create(cls, vlist):
        """There is one, made at activation: a second is refused."""
        raise errors.UserError(f"{cls._name} has one record, made when the module was activated: change it with "
                               f"{cls._name}.write([{cls._name}.get()], values)")

    @classmethod
    def delete(cls, companies):
        """Documents name it: it cannot go."""
        raise errors.UserError(f"the {cls._name} record cannot be deleted: documents name it as seller or buyer")

    @classmethod
    def validate(cls, companies):
        super().validate(companies)
        for company in companies:
            check_code(company, "currency", CURRENCIES, "ISO 4217 currency")
            check_email(company)
            if company.logo is not None and not company.logo.startswith(PNG):
                raise errors.ValidationError(f"{company.rec_name}: the logo is not a PNG image",
                                             {"logo": ["Must be a PNG image."]}, company.rec_name)


@hookimpl
def core_modules_activated(env, modules):
    """The company record is made now, to be named and given its party by ``write``."""
    if "company" in modules:
        env["company.company"].create_unchecked([{}])
