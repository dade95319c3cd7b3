"""DN comparison: the same DN written with other escapes, case or spacing is the same key."""

from __future__ import annotations

import pytest

from dirsync.dn import normalize_dn


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (
            "uid=a*)(uid\\3D*,ou=people,dc=example,dc=org",
            "uid=a*)(uid\\=*,ou=people,dc=example,dc=org",
        ),
        ("CN=Smith\\, John,OU=People", "cn=smith\\2c john,ou=people"),
        ("cn=a , ou = People", "cn=a,ou=people"),
        ("cn=b+uid=a,ou=x", "uid=a+cn=b,ou=x"),
        ("cn=trailing\\ ,ou=x", "cn=trailing\\20,ou=x"),
        ("cn=Ren\\C3\\A9,ou=x", "cn=René,ou=x"),
    ],
)
def test_same_dn_same_key(left: str, right: str) -> None:
    assert normalize_dn(left) == normalize_dn(right)


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("cn=a\\,b,ou=x", "cn=a,b=,ou=x"),
        ("cn=a+cn=b,ou=x", "cn=a\\+cn=b,ou=x"),
        ("cn=trailing\\ ,ou=x", "cn=trailing,ou=x"),
        ("uid=a,ou=x", "uid=b,ou=x"),
    ],
)
def test_different_dns_differ(left: str, right: str) -> None:
    assert normalize_dn(left) != normalize_dn(right)


def test_plain_dns_take_the_fast_path_with_the_same_result() -> None:
    dn = "uid=Alice,ou=People,dc=example,dc=org"
    assert normalize_dn(dn) == normalize_dn(dn.replace(",", ", ")) == dn.lower()
