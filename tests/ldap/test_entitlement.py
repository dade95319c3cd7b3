"""ldap.users.entitlement_group against a real slapd: only its members sync, nested groups
included; a DN that is not there stops the read (it would make everyone a leaver)."""

from __future__ import annotations

import pytest

from dirsync.sources.errors import SourceError
from dirsync.sources.ldap import read_ldap
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import GROUPS_DN, PEOPLE_DN


def test_only_members_of_the_entitlement_group_nested_included(slapd: SlapdServer) -> None:
    settings = slapd.settings(
        users={
            "base": PEOPLE_DN,
            "entitlement_group": f"cn=engineering,{GROUPS_DN}",
        }
    )
    snapshot = read_ldap(settings)
    # engineering: alice and bob, and carol through the nested platform group.
    assert sorted(u.email for u in snapshot.users) == [
        "alice@example.org",
        "bob@example.org",
        "carol@example.org",
    ]
    assert len(snapshot.groups) == 4


def test_an_entitlement_group_that_is_not_there_stops_the_read(slapd: SlapdServer) -> None:
    settings = slapd.settings(
        users={"base": PEOPLE_DN, "entitlement_group": f"cn=nobody,{GROUPS_DN}"}
    )
    with pytest.raises(SourceError, match=r"entitlement_group 'cn=nobody,ou=groups,"):
        read_ldap(settings)
