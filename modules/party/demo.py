"""The demo's party chapter."""


def demo(database, out):
    """The demo's chapter: parties are created in a batch and found by name."""
    with database.transaction() as env:
        Party = env["party.party"]
        parties = Party.create([{"name": "Alder & Co", "code": "C001", "email": "orders@alder.example"},
                                {"name": "Birch Supplies", "code": "S001"}])
        for party in Party.search([("name", "ilike", "%co%")]):
            out.write(f"customer {party.code}: {party.name}\n")
        out.write(f"{len(parties)} parties created\n")
