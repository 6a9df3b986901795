"""The demo's company chapter."""


def demo(database, out):
    """The company made at activation is named and given its party: an address and a VAT number."""
    with database.transaction() as env:
        Company = env["company.company"]
        party, = env["party.party"].create([{
            "name": "Kitwork Trading SRL", "tax_identifier": "BE0477472701", "email": "accounts@kitwork.example",
            "addresses": [{"street": "Rue de la Loi 16", "postal_code": "1000", "city": "Brussels",
                           "country": "BE"}]}])
        company = Company.get()
        Company.write([company], {"name": party.name, "party": party.id, "email": party.email})
        address = party.addresses[0]
        out.write(f"company {company.name} ({company.party.tax_identifier}), {', '.join(address.lines())}, "
                  f"amounts in {company.currency}\n")
