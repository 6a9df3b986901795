"""Parties."""
import pytest

from core import errors


def test_create_search_dump(db):
    with db.transaction() as env:
        Party = env["party.party"]
        Party.create([{"name": "Zed"}, {"name": "Ann", "code": "C001"}])
        ann, zed = Party.search([])   # ordered by name
        assert (ann.name, ann.code, zed.code) == ("Ann", "C001", None)
        assert Party.dump([ann]) == [{"id": ann.id, "name": "Ann", "code": "C001"}]


def test_name_is_required_and_code_unique(db):
    with db.transaction() as env:
        Party = env["party.party"]
        with pytest.raises(errors.ValidationError) as info:
            Party.create([{"code": "X"}])
        assert info.value.errors == {"name": ["Missing data for required field."]}
        Party.create([{"name": "Ann", "code": "C1"}])
        with pytest.raises(errors.ValidationError, match="must be unique"):
            Party.create([{"name": "Bob", "code": "C1"}])
