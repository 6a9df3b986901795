"""Parties."""
import pytest

from core import errors


def test_create_search_dump(db):
    with db.transaction() as env:
        Party = env["party.party"]
        Party.create([{"name": "Zed"}, {"name": "Ann", "code": "C001"}])
        ann, zed = Party.search([])   # ordered by name
        assert (ann.name, ann.code, zed.code) == ("Ann", "C001", None)
        assert Party.dump([ann]) == [{"id": ann.id, "name": "Ann", "code": "C001", "tags": [], "email": None,
                                       "addresses": [], "tax_identifier": None}]


def test_name_is_required_and_code_unique(db):
    with db.transaction() as env:
        Party = env["party.party"]
        with pytest.raises(errors.ValidationError) as info:
            Party.create([{"code": "X"}])
        assert info.value.errors == {"name": ["Missing data for required field."]}
        Party.create([{"name": "Ann", "code": "C1"}])
        with pytest.raises(errors.ValidationError, match="must be unique"):
            Party.create([{"name": "Bob", "code": "C1"}])


def test_tags_group_parties(kitwork_database):
    from core import errors
    database = kitwork_database("party")
    with database.transaction() as env:
        Party, Tag = env["party.party"], env["party.tag"]
        vip, wholesale = Tag.create([{"name": "VIP"}, {"name": "Wholesale"}])
        ann, bob = Party.create([{"name": "Ann", "tags": [vip.id]}, {"name": "Bob"}])
        Party.write([bob], {"tags": [("add", [vip.id, wholesale.id])]})
        assert Party.search([("tags.name", "=", "VIP")], order=[("name", "ASC")]) == [ann, bob]
        assert Party.search([("tags", "=", None)]) == []
        Party.write([ann], {"tags": [("remove", [vip.id])]})
        assert (ann.tags, [t.name for t in bob.tags]) == ([], ["VIP", "Wholesale"])
        with pytest.raises(errors.ValidationError, match="unique"):
            Tag.create([{"name": "VIP"}])


def test_email_is_checked(db):
    with db.transaction() as env:
        Party = env["party.party"]
        ann, = Party.create([{"name": "Ann", "email": "ann@example.com"}])
        for bad in ("ann", "ann@example", "ann smith@example.com", "a@b@example.com"):
            with pytest.raises(errors.ValidationError, match="not an address") as error:
                Party.write([ann], {"email": bad})
            assert list(error.value.errors) == ["email"]
        with pytest.raises(errors.ValidationError, match="e-mail .bob. is not an address"):
            Party.create([{"name": "Bob", "email": "bob"}])
        assert [(p.name, p.email) for p in Party.search([])] == [("Ann", "ann@example.com")]


@pytest.mark.parametrize("name", ["", "   ", "\t\n"])
def test_a_tag_needs_a_name_that_is_not_blank(kitwork_database, name):
    database = kitwork_database("party")
    with database.transaction() as env:
        Tag = env["party.tag"]
        with pytest.raises(errors.ValidationError, match="the name is blank"):
            Tag.create([{"name": name}])
        vip, = Tag.create([{"name": "VIP"}])
        with pytest.raises(errors.ValidationError, match="the name is blank"):
            Tag.write([vip], {"name": name})
        assert [t.name for t in Tag.search([])] == ["VIP"]
