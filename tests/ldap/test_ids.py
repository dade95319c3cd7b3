"""External ids that are missing or shared are reported; DN comparison tolerates case/spaces."""

from __future__ import annotations

import pytest

from dirsync.dn import normalize_dn
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap import read_ldap
from dirsync.sources.ldap_users import filter_and
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import GROUPS_DN


def test_users_sharing_an_external_id_are_all_withheld(slapd: SlapdServer) -> None:
    snapshot = read_ldap(slapd.settings(users={"external_id": "gidNumber"}, groups={"base": ""}))

    assert snapshot.users == ()
    assert snapshot.uncertain_ids == {"100"}
    assert len(snapshot.warnings) == 5
    assert all("gidNumber 100 is shared by" in w.message for w in snapshot.warnings)


def test_groups_without_or_sharing_an_external_id_are_skipped(slapd: SlapdServer) -> None:
    missing = read_ldap(slapd.settings(groups={"external_id": "gidNumber"}))
    shared = read_ldap(slapd.settings(groups={"external_id": "objectClass"}))

    assert [g.name for g in missing.groups] == ["ops"]
    assert sorted((w.where, w.message) for w in missing.warnings) == [
        (f"cn={name},{GROUPS_DN}", "no external id; the group is skipped")
        for name in ("engineering", "platform", "sales")
    ]
    assert sorted(g.name for g in shared.groups) == ["ops", "sales"]
    assert sorted(w.where for w in shared.warnings) == [
        f"cn=engineering,{GROUPS_DN}",
        f"cn=platform,{GROUPS_DN}",
    ]


def test_template_fields_must_be_attribute_names(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match=r"\{uid\.x\} is not an attribute"):
        read_ldap(slapd.settings(users={"email_template": "{uid.x}@example.org"}))


@pytest.mark.parametrize(
    ("dn", "normal"),
    [
        ("uid=Ann,ou=People,dc=Example", "uid=ann,ou=people,dc=example"),
        ("UID = Ann , ou=People,  dc=Example ", "uid=ann,ou=people,dc=example"),
        ("cn=A+sn=B, dc=x", "cn=a+sn=b,dc=x"),
        (r"cn=Doe\, Jane , dc=x", r"cn=doe\2c jane,dc=x"),
    ],
)
def test_normalize_dn(dn: str, normal: str) -> None:
    assert normalize_dn(dn) == normalize_dn(normal)


def test_filter_and() -> None:
    assert filter_and("(a=1)", "") == "(a=1)"
    assert filter_and("(a=1)", "b=2") == "(&(a=1)(b=2))"
