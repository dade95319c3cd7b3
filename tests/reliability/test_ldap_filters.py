"""Filter metacharacters (`*()\\`, NUL) in directory values never widen what dirsync reads.

dirsync builds no LDAP filter from a directory value: every filter is the administrator's
own (ldap.users.filter, ...), and memberUid / member values are matched in memory. CLI arguments
(invite/offboard/restore) never reach LDAP.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from dirsync.model import DirectorySnapshot
from dirsync.sources.ldap import read_ldap
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import PEOPLE_DN, Directory, Group, User

WIDENING_UID = "a*)(uid=*"
NUL_CN = "Nul\x00Name (x*)"


def _weird_users() -> str:
    """Two entries whose values are filter syntax: LDIF-escaped DN, base64 for NUL."""
    cn = base64.b64encode(NUL_CN.encode()).decode()
    return f"""
dn: uid=a*)(uid\\=*,{PEOPLE_DN}
objectClass: inetOrgPerson
uid: {WIDENING_UID}
cn: Star Paren
sn: x
mail: star@example.org

dn: uid=back\\\\slash,{PEOPLE_DN}
objectClass: inetOrgPerson
uid: back\\slash
cn:: {cn}
sn: y
mail: backslash@example.org
"""


def _read(factory: Callable[..., SlapdServer]) -> DirectorySnapshot:
    users = [User(uid, f"{uid}@example.org") for uid in ("alice", "bob", "carol")]
    groups = [
        Group("weird-posix", "posixGroup", users=(WIDENING_UID,)),
        Group("weird-names", "groupOfNames", extra=(f"member: uid=a*)(uid\\=*,{PEOPLE_DN}",)),
        Group("backslash-posix", "posixGroup", users=("back\\slash",)),
    ]
    server = factory(Directory(users, groups, extra_ldif=_weird_users()))
    return read_ldap(server.settings())


def test_metacharacters_in_directory_values_do_not_widen_reads(
    slapd_factory: Callable[..., SlapdServer],
) -> None:
    snapshot = _read(slapd_factory)

    by_email = {u.email: u for u in snapshot.users}
    assert set(by_email) == {
        "alice@example.org", "bob@example.org", "carol@example.org",
        "star@example.org", "backslash@example.org",
    }  # fmt: skip
    assert by_email["backslash@example.org"].name == NUL_CN
    members = {g.name: g.member_ids for g in snapshot.groups}
    assert members["weird-posix"] == {by_email["star@example.org"].external_id}
    assert members["backslash-posix"] == {by_email["backslash@example.org"].external_id}
    assert members["weird-names"] <= {by_email["star@example.org"].external_id}


def test_a_member_dn_written_with_another_escape_form_still_matches(
    slapd_factory: Callable[..., SlapdServer],
) -> None:
    snapshot = _read(slapd_factory)
    star = next(u for u in snapshot.users if u.email == "star@example.org")
    assert {g.name: g.member_ids for g in snapshot.groups}["weird-names"] == {star.external_id}
