"""read_ldap in Active Directory mode against the real Samba AD DC (``samba_ad``)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from ldap3 import BASE, Connection

from dirsync.checks import ldap_checks
from dirsync.model import DirectorySnapshot, SourceUser
from dirsync.sources.ad import decode_guid
from dirsync.sources.ldap import read_ldap
from tests.fixtures.samba import SambaDirectory
from tests.fixtures.samba_data import DataLayout

GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def snapshot(samba_ad: SambaDirectory) -> DirectorySnapshot:
    return read_ldap(samba_ad.settings())


@pytest.fixture(scope="module")
def guids(samba_ad: SambaDirectory) -> Iterator[dict[str, str]]:
    """sAMAccountName -> objectGUID of every test user, read directly."""
    conn: Connection = samba_ad.connect()
    entries = conn.extend.standard.paged_search(
        samba_ad.layout.users_base,
        "(objectClass=user)",
        attributes=["sAMAccountName", "objectGUID"],
        paged_size=500,
        generator=False,
    )
    yield {
        e["attributes"]["sAMAccountName"][0]: decode_guid(e["raw_attributes"]["objectGUID"][0])
        for e in entries
    }
    conn.unbind()


def by_username(snapshot: DirectorySnapshot) -> dict[str, SourceUser]:
    return {user.username or "": user for user in snapshot.users}


def test_users_are_keyed_by_object_guid(
    snapshot: DirectorySnapshot, guids: dict[str, str], samba_ad: SambaDirectory
) -> None:
    layout = samba_ad.layout
    users = by_username(snapshot)
    mailed = [sam for sam in [*layout.people, *layout.bulk] if layout.mail(sam)]
    assert sorted(users) == sorted(mailed)
    assert all(GUID.fullmatch(user.external_id) for user in snapshot.users)
    assert {sam: user.external_id for sam, user in users.items()} == {
        sam: guids[sam] for sam in mailed
    }


def test_mail_and_samaccountname_are_mapped(
    snapshot: DirectorySnapshot, samba_ad: SambaDirectory
) -> None:
    person = by_username(snapshot)[samba_ad.layout.person_sam(12)]
    assert person.email == samba_ad.layout.mail("person12")
    assert person.name == "person12"  # cn, the default name attribute


def test_user_principal_name_can_be_the_email(samba_ad: SambaDirectory) -> None:
    layout = samba_ad.layout
    snapshot = read_ldap(
        samba_ad.settings(
            users={"base": layout.people_base, "email": "userPrincipalName", "name": "displayName"}
        )
    )
    users = by_username(snapshot)
    assert sorted(users) == sorted(layout.people)  # the mail-less user has a UPN
    assert users[layout.nomail_sam].email == layout.upn(layout.nomail_sam)
    assert users["person03"].name == "Person03"


def test_a_user_without_mail_is_reported(
    snapshot: DirectorySnapshot, guids: dict[str, str], samba_ad: SambaDirectory
) -> None:
    layout = samba_ad.layout
    [report] = [w for w in snapshot.warnings if layout.nomail_sam in w.where]
    assert "no email" in report.message
    assert guids[layout.nomail_sam] not in {u.external_id for u in snapshot.users}


def test_the_disabled_user_is_flagged(
    snapshot: DirectorySnapshot, samba_ad: SambaDirectory
) -> None:
    disabled = {user.username for user in snapshot.users if not user.enabled}
    assert disabled == {samba_ad.layout.disabled_sam}


def group_members(snapshot: DirectorySnapshot, name: str) -> frozenset[str]:
    [group] = [g for g in snapshot.groups if g.name == name]
    return group.member_ids


def ids(guids: dict[str, str], sams: set[str]) -> frozenset[str]:
    return frozenset(guids[sam] for sam in sams)


def test_groups_are_keyed_by_object_guid(
    snapshot: DirectorySnapshot, samba_ad: SambaDirectory
) -> None:
    layout = samba_ad.layout
    conn = samba_ad.connect()
    try:
        for group in snapshot.groups:
            assert conn.search(
                layout.group_dn(group.name), "(objectClass=*)", BASE, attributes=["objectGUID"]
            )
            assert group.external_id == decode_guid(
                conn.response[0]["raw_attributes"]["objectGUID"][0]
            )
    finally:
        conn.unbind()
    assert sorted(g.name for g in snapshot.groups) == sorted(layout.groups)


@pytest.mark.parametrize("name", ["Engineering", "Backend", "Databases", "Sales"])
def test_nested_groups_resolve_to_their_users(
    snapshot: DirectorySnapshot, guids: dict[str, str], samba_ad: SambaDirectory, name: str
) -> None:
    assert group_members(snapshot, name) == ids(guids, samba_ad.layout.transitive_users(name))


def test_two_levels_of_nesting_reach_the_innermost_users(
    snapshot: DirectorySnapshot, guids: dict[str, str]
) -> None:
    engineering = group_members(snapshot, "Engineering")
    assert ids(guids, {"person03", "person04"}) <= engineering  # via Backend > Databases
    assert len(engineering) == 5


def test_the_big_group_is_complete(
    snapshot: DirectorySnapshot, guids: dict[str, str], samba_ad: SambaDirectory
) -> None:
    layout: DataLayout = samba_ad.layout
    members = group_members(snapshot, layout.big_group)
    assert len(members) == layout.bulk_count + layout.people_count == 1650
    assert members == ids(guids, layout.transitive_users(layout.big_group))


def test_starttls_reads_the_same_users(samba_ad: SambaDirectory) -> None:
    layout = samba_ad.layout
    settings = samba_ad.settings(
        urls=[samba_ad.ldap_url],
        start_tls=True,
        users={"base": layout.people_base},
        groups={"base": ""},
    )
    snapshot = read_ldap(settings)
    assert {u.username for u in snapshot.users} == set(layout.people) - {layout.nomail_sam}
    assert snapshot.groups == ()


def test_check_tries_the_ad_default_filters(samba_ad: SambaDirectory) -> None:
    lines = [result.line() for result in ldap_checks(samba_ad.settings())]
    layout = samba_ad.layout
    assert lines[-2:] == [
        "ok   ldap ldap.users.filter (&(objectCategory=person)(objectClass=user)) matches"
        f" entries under {layout.users_base}",
        "ok   ldap ldap.groups.filter (objectClass=group) matches entries under "
        f"{layout.groups_base}",
    ]
