"""decode_guid, uac_disabled and the AD filter builders, without a server."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dirsync.config import LdapConfig
from dirsync.sources.ad import ActiveDirectory, Dialect, decode_guid, dialect_for, uac_disabled


def test_decode_guid_reads_the_first_three_fields_little_endian() -> None:
    raw = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert decode_guid(raw) == "33221100-5544-7766-8899-aabbccddeeff"


def test_decode_guid_is_lowercase_and_accepts_bytearray() -> None:
    raw = bytearray.fromhex("FFEEDDCCBBAA99887766554433221100")
    assert decode_guid(raw) == "ccddeeff-aabb-8899-7766-554433221100"


@given(st.uuids())
def test_decode_guid_inverts_the_wire_form(value: uuid.UUID) -> None:
    assert decode_guid(value.bytes_le) == str(value)


@pytest.mark.parametrize("length", [0, 15, 17, 36])
def test_decode_guid_refuses_a_wrong_length(length: int) -> None:
    with pytest.raises(ValueError, match=f"objectGUID must be 16 bytes, got {length}"):
        decode_guid(b"\x01" * length)


def test_decode_guid_refuses_text() -> None:
    with pytest.raises(ValueError, match="objectGUID must be bytes, got str"):
        decode_guid("{33221100-5544-7766-8899-aabbccddeeff}")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "disabled"),
    [
        (b"512", False),  # NORMAL_ACCOUNT
        (b"514", True),  # NORMAL_ACCOUNT | ACCOUNTDISABLE
        (b"544", False),
        (b"546", True),
        (b" 514 ", True),
        (b"66050", True),  # ... | DONT_EXPIRE_PASSWORD
        (b"66048", False),
        (b"-2147483646", True),  # 0x80000002 read as a signed 32-bit integer
        (b"2", True),
        (b"0", False),
    ],
)
def test_uac_disabled_tests_bit_two(value: bytes, disabled: bool) -> None:
    assert uac_disabled([value]) is disabled


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([b"disabled"], "must be an integer, got 'disabled'"),
        ([b""], "must be an integer, got ''"),
        ([b"0x2"], "must be an integer, got '0x2'"),
        ([b"5_14"], "must be an integer, got '5_14'"),
        ([b"+514"], "must be an integer, got '\\+514'"),
        (["\u0665\u0661\u0664".encode()], "must be an integer"),  # digits int() would take
        ([b"\xff"], "must be an integer"),
        ([], "must have exactly one value, got 0"),
        ([b"512", b"514"], "must have exactly one value, got 2"),
    ],
)
def test_uac_disabled_refuses_what_is_not_one_integer(values: list[bytes], message: str) -> None:
    with pytest.raises(ValueError, match=f"userAccountControl {message}"):
        uac_disabled(values)


def _config(active_directory: bool, **users: str) -> LdapConfig:
    return LdapConfig(
        urls=["ldap://dc.example.test"],
        active_directory=active_directory,
        users={"base": "DC=example,DC=test", **users},
        groups={"base": "DC=example,DC=test"},
    )


def test_ad_defaults() -> None:
    cfg = _config(True, disabled_filter="(x=1)")
    dialect = dialect_for(cfg)
    assert isinstance(dialect, ActiveDirectory)
    assert dialect.external_id == "objectGUID"
    assert dialect.username == "sAMAccountName"
    assert dialect.users_filter(cfg.users) == "(&(objectCategory=person)(objectClass=user))"
    assert dialect.groups_filter(cfg.groups) == "(objectClass=group)"
    assert dialect.disabled_filter(cfg.users) == "", "AD reads userAccountControl instead"
    assert dialect.member == "member;range=0-1499"


def test_configured_filters_replace_the_ad_defaults() -> None:
    cfg = _config(True, filter="(objectClass=person)")
    assert dialect_for(cfg).users_filter(cfg.users) == "(objectClass=person)"


def test_openldap_dialect_takes_the_configuration() -> None:
    cfg = _config(False, disabled_filter="(employeeType=disabled)")
    dialect = dialect_for(cfg)
    assert type(dialect) is Dialect
    assert (dialect.external_id, dialect.username, dialect.member) == ("entryUUID", "uid", "member")
    assert dialect.users_filter(cfg.users) == "(objectClass=inetOrgPerson)"
    assert dialect.disabled_filter(cfg.users) == "(employeeType=disabled)"
    assert not dialect.expects_references


class _Flags:
    def __init__(self, values: list[bytes]) -> None:
        self.values = values

    def raw(self, name: str) -> list[bytes]:
        return self.values if name == "userAccountControl" else []


@pytest.mark.parametrize(
    ("values", "enabled"),
    [
        ([b"512"], True),
        ([b"514"], False),
        ([], "no userAccountControl; enabled or disabled is unknown"),
    ],
)
def test_ad_reads_enabled_from_the_account_flags(values: list[bytes], enabled: bool | str) -> None:
    assert ActiveDirectory().enabled(_Flags(values), matches_disabled_filter=False) == enabled
    assert Dialect().enabled(_Flags(values), matches_disabled_filter=True) is False
