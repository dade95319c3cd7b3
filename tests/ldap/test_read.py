"""read_ldap against a real slapd: users, disabled users, the three group kinds, nesting."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import ldap3
import pytest

from dirsync.model import DirectorySnapshot
from dirsync.sources import ldap_users
from dirsync.sources.ldap import read_ldap
from dirsync.sources.ldap_search import Entry, search_pages
from tests.fixtures.slapd import SlapdServer


def _by_name(snapshot: DirectorySnapshot) -> dict[str, frozenset[str]]:
    return {group.name: group.member_ids for group in snapshot.groups}


@pytest.fixture(scope="module")
def uuids(slapd: SlapdServer) -> dict[str, str]:
    return slapd.entry_uuids()


def test_default_directory_read_completely(slapd: SlapdServer, uuids: dict[str, str]) -> None:
    snapshot = read_ldap(slapd.settings())

    assert snapshot.source == "ldap"
    assert snapshot.warnings == ()
    assert snapshot.uncertain_ids == frozenset()
    users = {user.username: user for user in snapshot.users}
    assert set(users) == {"alice", "bob", "carol", "dave", "erin"}
    for uid, user in users.items():
        assert user.external_id == uuids[uid]
        assert user.email == f"{uid}@example.org"
        assert user.name == f"{uid.title()} Test"
        assert user.enabled is (uid != "dave")
    ids = {uid: uuids[uid] for uid in users}
    assert _by_name(snapshot) == {
        "engineering": {ids["alice"], ids["bob"], ids["carol"]},  # carol through platform
        "platform": {ids["carol"]},
        "sales": {ids["dave"], ids["erin"]},  # groupOfUniqueNames
        "ops": {ids["alice"], ids["erin"]},  # posixGroup memberUid
    }
    assert {g.name: g.external_id for g in snapshot.groups} == {
        name: uuids[name] for name in ("engineering", "platform", "sales", "ops")
    }


def test_group_selection_by_pattern_still_expands_unselected_nested_groups(
    slapd: SlapdServer, uuids: dict[str, str]
) -> None:
    settings = slapd.settings(sync={"groups_include": ["eng*", "SALES"], "groups_exclude": ["sa*"]})

    snapshot = read_ldap(settings)

    assert _by_name(snapshot) == {"engineering": {uuids["alice"], uuids["bob"], uuids["carol"]}}
    assert len(snapshot.users) == 5  # users do not depend on group selection


def test_group_selection_by_filter_and_nesting_off(
    slapd: SlapdServer, uuids: dict[str, str]
) -> None:
    settings = slapd.settings(groups={"filter": "(objectClass=groupOfNames)", "nested": False})

    snapshot = read_ldap(settings)

    assert _by_name(snapshot) == {
        "engineering": {uuids["alice"], uuids["bob"]},
        "platform": {uuids["carol"]},
    }
    assert snapshot.warnings == ()  # a nested group is not an unknown member


def test_no_groups_base_reads_users_only(slapd: SlapdServer) -> None:
    snapshot = read_ldap(slapd.settings(groups={"base": ""}))

    assert snapshot.groups == ()
    assert len(snapshot.users) == 5


def test_users_filter_and_one_level_scope(slapd: SlapdServer) -> None:
    settings = slapd.settings(users={"filter": "(|(uid=alice)(uid=b*))", "scope": "one"})

    snapshot = read_ldap(settings)

    assert sorted(u.username or "" for u in snapshot.users) == ["alice", "bob"]
    # Groups keep only members the users filter matched; others are reported.
    assert any("uid=carol" in w.message for w in snapshot.warnings)


def test_any_attribute_as_external_id(slapd: SlapdServer) -> None:
    snapshot = read_ldap(slapd.settings(users={"external_id": "uid"}, groups={"external_id": "cn"}))

    assert {u.external_id for u in snapshot.users} == {"alice", "bob", "carol", "dave", "erin"}
    assert _by_name(snapshot)["engineering"] == {"alice", "bob", "carol"}
    assert {g.external_id for g in snapshot.groups} == {"engineering", "platform", "sales", "ops"}


def test_ten_thousand_users_read_through_a_500_entry_size_limit(slapd_10k: SlapdServer) -> None:
    server = ldap3.Server(slapd_10k.ldap_url, get_info=ldap3.NONE)
    with ldap3.Connection(server, slapd_10k.bind_dn, slapd_10k.bind_password) as conn:
        conn.bind()
        conn.search(slapd_10k.people_dn, "(objectClass=inetOrgPerson)", attributes=["1.1"])
        assert conn.result["result"] == 4  # sizeLimitExceeded: an unpaged read is cut at 500
        assert len(conn.response) == 500
    directory = slapd_10k.directory

    snapshot = read_ldap(slapd_10k.settings())

    assert snapshot.warnings == ()
    assert len(snapshot.users) == 10_000
    ids = {user.username: user.external_id for user in snapshot.users}
    disabled = {user.username for user in snapshot.users if not user.enabled}
    assert disabled == {user.uid for user in directory.users if user.disabled}
    assert len(disabled) == 200
    groups = _by_name(snapshot)
    assert len(groups) == 200
    for group in directory.groups:
        assert groups[group.name] == {ids[uid] for uid in directory.transitive_uids(group.name)}
    assert any(group.groups for group in directory.groups)  # nesting is exercised


def test_users_are_built_page_by_page(
    slapd_10k: SlapdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The raw entries of one page at a time are alive, not all 10,000 (issue 11: memory)."""
    alive: list[int] = []

    def counted(*args: Any) -> Iterator[list[Entry]]:
        for page in search_pages(*args):
            alive.append(sum(isinstance(o, Entry) for o in gc.get_objects()))
            yield page

    monkeypatch.setattr(ldap_users, "search_pages", counted)
    snapshot = read_ldap(slapd_10k.settings(page_size=500))

    assert len(snapshot.users) == 10_000
    assert len(alive) == 20
    assert max(alive) <= 2 * 500, alive
