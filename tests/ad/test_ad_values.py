"""decode_guid, uac_disabled and the AD filter builders, without a server."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dirsync.sources.ad import (
    AD_DISABLED_FILTER,
    AD_USER_DEFAULTS,
    decode_guid,
    in_chain_filter,
    uac_disabled,
)


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
        (512, False),  # NORMAL_ACCOUNT
        (514, True),  # NORMAL_ACCOUNT | ACCOUNTDISABLE
        (544, False),
        ("546", True),
        (" 514 ", True),
        (b"546", True),
        ([b"544"], False),
        (("66050",), True),  # ... | DONT_EXPIRE_PASSWORD
        (66048, False),
        (-2147483646, True),  # 0x80000002 read as a signed 32-bit integer
        ("-2147483646", True),
        (2, True),
        (0, False),
    ],
)
def test_uac_disabled_tests_bit_two(value: object, disabled: bool) -> None:
    assert uac_disabled(value) is disabled


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("disabled", "must be an integer, got 'disabled'"),
        ("", "must be an integer, got ''"),
        ("0x2", "must be an integer, got '0x2'"),
        ("5_14", "must be an integer, got '5_14'"),
        ("+514", "must be an integer, got '\\+514'"),
        ("\u0665\u0661\u0664", "must be an integer"),  # Arabic-Indic digits int() accepts
        (b"\xff", "must be an integer"),
        (None, "must be an integer, got NoneType"),
        (2.0, "must be an integer, got float"),
        (True, "must be an integer, got bool"),
        ([], "must have exactly one value, got 0"),
        (["512", "514"], "must have exactly one value, got 2"),
    ],
)
def test_uac_disabled_refuses_what_is_not_one_integer(value: object, message: str) -> None:
    with pytest.raises(ValueError, match=f"userAccountControl {message}"):
        uac_disabled(value)


def test_disabled_filter_uses_the_bitwise_and_rule() -> None:
    assert AD_DISABLED_FILTER == "(userAccountControl:1.2.840.113556.1.4.803:=2)"


def test_in_chain_filter_escapes_the_dn() -> None:
    dn = "CN=R&D (Lab)*,OU=Groups,DC=example,DC=test"
    assert in_chain_filter("memberOf", dn) == (
        r"(memberOf:1.2.840.113556.1.4.1941:=CN=R&D \28Lab\29\2a,OU=Groups,DC=example,DC=test)"
    )


def test_ad_defaults() -> None:
    assert AD_USER_DEFAULTS.external_id == "objectGUID"
    assert AD_USER_DEFAULTS.username == "sAMAccountName"
    assert AD_USER_DEFAULTS.users_filter == "(&(objectCategory=person)(objectClass=user))"
    assert AD_USER_DEFAULTS.groups_filter == "(objectClass=group)"
