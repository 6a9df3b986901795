"""Who an invoice is between, as printed: the company and the party (kept light: posting freezes it)."""


def company_lines(company):
    """The company as printed: name, address, tax id, e-mail (the lines that are set)."""
    if company is None:
        return []
    party = company.party
    lines = [company.name]
    if party is not None:
        address = first_invoice_address(party)
        lines += address.lines() if address is not None else []
        lines.append(party.tax_identifier and f"VAT {party.tax_identifier}")
    lines.append(company.email and f"E-mail {company.email}")
    return [line for line in lines if line]


def party_lines(party, address):
    """The party as printed: name, ``address`` (its invoice address, or None), tax id, e-mail."""
    lines = [party.name, *(address.lines() if address is not None else []),
             party.tax_identifier and f"VAT {party.tax_identifier}", party.email]
    return [line for line in lines if line]


def first_invoice_address(party):
    return next((a for a in party.addresses if a.invoice), None)
