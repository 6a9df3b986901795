"""Users, groups and rights through the Python API: db.transaction(user=LOGIN)."""
import io

import pytest
import sqlalchemy as sa

from core import cli, errors
from modules.res import AuthenticationError
from modules.res.user import digest


@pytest.fixture
def db(kitwork_database):
    database = kitwork_database("sale", "res")
    with database.transaction() as env:
        Group, User = env["res.group"], env["res.user"]
        sellers, = Group.create([{"name": "sellers", "access": [
            {"model": "sale.sale", "perm_read": True, "perm_create": True, "perm_write": True},
            {"model": "party.party", "perm_read": True}]}])
        readers, = Group.create([{"name": "readers", "access": [
            {"model": "sale.sale", "perm_read": True}, {"model": "party.party", "perm_read": True}]}])
        admin, = Group.search([("name", "=", "admin")])
        User.create([{"login": "sam", "groups": [sellers.id]}, {"login": "rita", "groups": [readers.id]},
                     {"login": "ada", "groups": [admin.id]}, {"login": "gone", "active": False,
                                                              "groups": [admin.id]}])
        party, = env["party.party"].create([{"name": "Alder"}])
        unit, = env["product.uom"].search([("symbol", "=", "u")])
        lamp, = env["product.product"].create([{"name": "Lamp", "default_uom": unit.id, "list_price": 10}])
    database.ids = {"party": party.id, "lamp": lamp.id, "unit": unit.id}
    return database


def sale_values(db):
    return {"party": db.ids["party"], "lines": [{"product": db.ids["lamp"], "quantity": 2}]}


def count(db, model):
    with db.transaction() as env:
        return env[model].search_count([])


def test_a_granted_user_creates_and_runs_transitions_children_and_hooks_included(db):
    with db.transaction(user="sam") as env:
        assert env.user == "sam"
        Sale = env["sale.sale"]
        sale, = Sale.create([sale_values(db)])   # its lines are created inside the door: no right on sale.line needed
        Sale.quote([sale.id])
        assert Sale.search([("id", "=", sale.id)])[0].state == "quotation"
        assert sale.untaxed_amount == 20   # a function field's getter reads lines for the system


def test_a_denied_call_raises_access_error_and_saves_nothing(db):
    with db.transaction(user="rita") as env:
        Sale = env["sale.sale"]
        with pytest.raises(errors.AccessError, match="user 'rita' may not create sale.sale") as raised:
            Sale.create([sale_values(db)])
        assert isinstance(raised.value, errors.UserError)
        assert Sale.search([]) == []
    assert count(db, "sale.sale") == 0
    with db.transaction() as env:
        sale, = env["sale.sale"].create([sale_values(db)])
    with db.transaction(user="rita") as env:
        Sale = env["sale.sale"]
        for call in (lambda: Sale.quote([sale.id]), lambda: Sale.write([sale.id], {"description": "x"}),
                     lambda: Sale.delete([sale.id])):
            with pytest.raises(errors.AccessError):
                call()
        assert Sale.browse([sale.id])[0].state == "draft"
        with pytest.raises(errors.AccessError, match="may not read sale.line"):
            Sale.browse([sale.id])[0].lines[0].quantity
        with pytest.raises(errors.AccessError, match="may not read product.product"):
            env["product.product"].search([])


def test_reading_is_a_right_too(db):
    with db.transaction(user="sam") as env:
        with pytest.raises(errors.AccessError, match="may not read product.product"):
            env["product.product"].search_count([])
        with pytest.raises(errors.AccessError, match="may not read product.product"):
            env["product.product"].browse([db.ids["lamp"]])[0].name


def test_admin_group_may_do_anything_and_the_system_too(db):
    with db.transaction(user="ada") as env:
        env["product.product"].write([db.ids["lamp"]], {"name": "Big lamp"})
    with db.transaction() as env:
        assert env.user is None
        assert env["product.product"].browse([db.ids["lamp"]])[0].name == "Big lamp"


def test_unknown_and_inactive_users_cannot_act(db):
    for login, message in (("nobody", "does not exist"), ("gone", "is inactive")):
        with db.transaction(user=login) as env:
            with pytest.raises(errors.AccessError, match=message):
                env["party.party"].search([])
    with pytest.raises(errors.UserError, match="user must be a login"):
        with db.transaction(user=42):
            pass


def test_with_user_switches_and_restores(db):
    with db.transaction() as env:
        with env.with_user("rita"):
            assert env.has_access("sale.sale", "read") and not env.has_access("sale.sale", "create")
            with pytest.raises(errors.AccessError):
                env["product.product"].search([])
        assert env.user is None and env["product.product"].search([])


def test_rights_change_with_groups_and_access_rows(db):
    with db.transaction() as env:
        readers, = env["res.group"].search([("name", "=", "readers")])
        env["ir.model.access"].create([{"group": readers.id, "model": "product.product", "perm_read": True}])
    with db.transaction(user="rita") as env:
        assert env["product.product"].search_count([]) == 1
    with db.transaction() as env:
        with pytest.raises(errors.ValidationError, match="no active module provides model 'no.such'"):
            env["ir.model.access"].create([{"group": readers.id, "model": "no.such", "perm_read": True}])


def test_keys_are_stored_as_digests_and_authenticate_until_revoked(db):
    with db.transaction() as env:
        User = env["res.user"]
        sam, = User.search([("login", "=", "sam")])
        key = User.new_key([sam])[sam.id]
        assert key.startswith("kw_") and len(key) == 46
        stored = env.execute(sa.select(env["res.user.key"].table.c.digest)).scalars().all()
        assert stored == [digest(key)] and key not in str(User.dump([sam]))
        assert User.authenticate(key) == sam
        for wrong in (key[:-1] + ("A" if key[-1] != "A" else "B"), "", None, "Bearer " + key, "kw_" + "x" * 300):
            with pytest.raises(AuthenticationError):
                User.authenticate(wrong)
        User.revoke([sam])
        with pytest.raises(AuthenticationError, match="unknown or revoked"):
            User.authenticate(key)
        with pytest.raises(errors.ValidationError, match="read-only"):
            env["res.user.key"].create([{"user": sam.id, "digest": "0" * 64}])


def run(*argv):
    out = io.StringIO()
    return cli.main(list(argv), out=out), out.getvalue()


def test_cli_add_list_key_revoke(db, capsys):
    url = db.url
    status, output = run("user", "add", "bob", "--group", "sellers", "--group", "readers", "--db", url)
    assert status == 0
    key = output.split()[-1]
    with db.transaction() as env:
        bob = env["res.user"].authenticate(key)
        assert sorted(g.name for g in bob.groups) == ["readers", "sellers"]
    status, output = run("user", "list", "--db", url)
    assert "bob" in output and "readers, sellers" in output and key not in output
    assert run("user", "add", "bob", "--db", url)[0] == 1
    assert "exists already" in capsys.readouterr().err
    assert run("user", "add", "carl", "--group", "nope", "--db", url)[0] == 1
    assert "no group 'nope'" in capsys.readouterr().err
    status, output = run("user", "key", "bob", "--db", url)
    second = output.split()[-1]
    assert status == 0 and second != key
    assert run("user", "revoke", "bob", "--db", url) == (0, "revoked 2 API key(s) of bob\n")
    with db.transaction() as env:
        for old in (key, second):
            with pytest.raises(AuthenticationError):
                env["res.user"].authenticate(old)
    assert run("user", "revoke", "nobody", "--db", url)[0] == 1


@pytest.fixture
def closed_party(db):
    """``sid``: may read and create sales, not read parties nor products; one sale of party Alder."""
    with db.transaction() as env:
        group, = env["res.group"].create([{"name": "blind", "access": [
            {"model": "sale.sale", "perm_read": True, "perm_create": True}]}])
        env["res.user"].create([{"login": "sid", "groups": [group.id]}])
        env["party.party"].write([db.ids["party"]], {"code": "SECRET-1"})
        sale, = env["sale.sale"].create([sale_values(db)])
    db.ids["sale"] = sale.id
    return db


@pytest.mark.parametrize("domain, model", [
    ([("party.code", "=", "SECRET-1")], "party.party"),
    ([("party.name", "like", "Al%")], "party.party"),
    ([("lines.product.cost_price", ">", 0)], "sale.line"),
    ([("lines.quantity", ">", 1)], "sale.line"),
])
def test_a_search_through_a_relation_needs_the_read_right_on_the_related_model(closed_party, domain, model):
    db = closed_party
    with db.transaction(user="sid") as env:
        Sale = env["sale.sale"]
        for call in (lambda: Sale.search(domain), lambda: Sale.search_count(domain)):
            with pytest.raises(errors.AccessError, match=f"may not read {model}"):
                call()
        assert [s.id for s in Sale.search([])] == [db.ids["sale"]]   # the transaction goes on
        sale, = Sale.browse([db.ids["sale"]])
        assert sale.party.id == db.ids["party"]   # a Many2One reads as the related record's id...
        with pytest.raises(errors.AccessError, match="may not read party.party"):
            sale.party.name                          # ...whose fields need the right
        dumped, = Sale.dump([sale])
        assert dumped["party"] == db.ids["party"]


def test_a_search_through_a_relation_passes_with_every_right_on_the_path(closed_party):
    db = closed_party
    with db.transaction() as env:
        group, = env["res.group"].search([("name", "=", "blind")])
        env["ir.model.access"].create([{"group": group.id, "model": m, "perm_read": True}
                                       for m in ("party.party", "sale.line")])
    with db.transaction(user="sid") as env:
        Sale = env["sale.sale"]
        assert [s.id for s in Sale.search([("party.code", "=", "SECRET-1")])] == [db.ids["sale"]]
        assert [s.id for s in Sale.search([("lines.quantity", ">", 1)])] == [db.ids["sale"]]
        with pytest.raises(errors.AccessError, match="may not read product.product"):
            Sale.search([("lines.product.cost_price", ">", 0)])


def test_minting_or_revoking_a_key_needs_the_write_right_on_users(db):
    with db.transaction(user="sam") as env:   # sam may create and write sales, nothing on users
        User = env["res.user"]
        with env.with_user(None):
            ada, = User.search([("login", "=", "ada")])
        with pytest.raises(errors.AccessError, match="may not write res.user"):
            User.new_key([ada])
        with pytest.raises(errors.AccessError, match="may not write res.user"):
            User.revoke([ada])
    with db.transaction() as env:
        ada, = env["res.user"].search([("login", "=", "ada")])
        assert env["res.user.key"].search_count([]) == 0
        key = env["res.user"].new_key([ada])[ada.id]
        group, = env["res.group"].create([{"name": "user admins", "access": [
            {"model": "res.user", "perm_read": True, "perm_write": True}]}])
        env["res.user"].create([{"login": "uma", "groups": [group.id]}])
    with db.transaction(user="uma") as env:
        assert set(env["res.user"].new_key([ada])) == {ada.id}
        env["res.user"].revoke([ada])
    with db.transaction() as env:
        with pytest.raises(AuthenticationError):
            env["res.user"].authenticate(key)


@pytest.mark.parametrize("call", [
    lambda Group, own: Group.write([own], {"access": [("create", [{"model": "*", "perm_read": True,
                                                                   "perm_delete": True}])]}),
    lambda Group, own: Group.write([own], {"access": [("write", [a.id for a in own.access],
                                                       {"model": "*"})]}),
    lambda Group, own: Group.create([{"name": "mine", "access": [{"model": "*", "perm_delete": True}]}]),
])
def test_a_group_writer_cannot_grant_rights_through_the_groups_access_rows(db, call):
    with db.transaction() as env:
        group, = env["res.group"].create([{"name": "group clerks", "access": [
            {"model": "res.group", "perm_read": True, "perm_create": True, "perm_write": True}]}])
        env["res.user"].create([{"login": "eve", "groups": [group.id]}])
    with db.transaction(user="eve") as env:
        Group = env["res.group"]
        own, = Group.browse([group.id])
        with pytest.raises(errors.AccessError, match="may not (create|write) ir.model.access"):
            call(Group, own)
        assert not env.has_access("party.party", "delete")
        Group.write([own], {"name": "renamed clerks"})   # the group itself stays writable
    with db.transaction() as env:
        assert env["ir.model.access"].search_count([("model", "=", "*")]) == 1   # admin's only
        assert env["res.group"].search_count([("name", "=", "mine")]) == 0


def test_a_user_reads_the_rights_of_others_only_with_the_read_right_on_users(db):
    with db.transaction(user="sam") as env:
        with pytest.raises(errors.AccessError, match="may not read res.user"):
            env["res.user"].rights("ada")
        assert env.has_access("sale.sale", "create")   # his own, answered for the system
    with db.transaction(user="ada") as env:
        assert env["res.user"].rights("rita") == {"sale.sale": {"read"}, "party.party": {"read"}}
