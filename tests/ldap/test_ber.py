"""The lean SearchResultEntry reader on hand-made BER: long lengths, other messages, damage."""

from __future__ import annotations

import ldap3
import pytest
from ldap3.strategy.sync import SyncStrategy

from dirsync.sources.ldap import read_ldap
from dirsync.sources.ldap_ber import (
    SUPPORTED_LDAP3,
    MalformedMessage,
    UnsupportedLdap3,
    parse_entry,
    require_supported_ldap3,
)
from tests.fixtures.slapd import SlapdServer


def tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes([tag, size]) + content
    encoded = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([tag, 0x80 | len(encoded)]) + encoded + content


def entry(dn: str, attributes: dict[str, list[bytes]], message_id: int = 3) -> bytes:
    partials = b"".join(
        tlv(0x30, tlv(0x04, name.encode()) + tlv(0x31, b"".join(tlv(0x04, v) for v in values)))
        for name, values in attributes.items()
    )
    operation = tlv(0x64, tlv(0x04, dn.encode()) + tlv(0x30, partials))
    return tlv(0x30, tlv(0x02, bytes([message_id])) + operation)


def test_entry_with_short_and_long_lengths() -> None:
    long_value = b"x" * 300  # two-byte length form, also for the enclosing sequences
    message = entry("uid=Ünï,dc=example", {"Mail": [b"a@b.c"], "member": [long_value, b""]})

    assert parse_entry(message) == (
        "uid=Ünï,dc=example",
        {"mail": [b"a@b.c"], "member": [long_value, b""]},
    )


def test_entry_without_attributes() -> None:
    assert parse_entry(entry("cn=x", {})) == ("cn=x", {})


def test_other_messages_are_left_alone() -> None:
    done = tlv(0x30, tlv(0x02, b"\x03") + tlv(0x65, b"\x0a\x01\x00\x04\x00\x04\x00"))

    assert parse_entry(done) is None


@pytest.mark.parametrize("cut", [5, 12, -1])
def test_truncated_entry_is_malformed(cut: int) -> None:
    message = entry("cn=x", {"cn": [b"x"]})

    with pytest.raises(MalformedMessage):
        parse_entry(message[:cut])


def test_wrong_tag_is_malformed() -> None:
    message = bytearray(entry("cn=x", {"cn": [b"x"]}))
    message[message.index(b"\x31")] = 0x04

    with pytest.raises(MalformedMessage, match="expected BER tag 0x31"):
        parse_entry(bytes(message))


def _receiving_with_a_timeout(self: SyncStrategy, timeout: float) -> list[bytes]:
    return []


@pytest.mark.parametrize("change", ["signature", "missing"])
def test_an_ldap3_without_the_hooked_method_is_refused_by_name(
    slapd: SlapdServer, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    """Another ldap3 would read as "no users found" or a traceback: it is named instead."""
    monkeypatch.setattr(ldap3, "__version__", "2.10.0")
    if change == "signature":
        monkeypatch.setattr(SyncStrategy, "receiving", _receiving_with_a_timeout)
    else:
        monkeypatch.delattr(SyncStrategy, "receiving")
    with pytest.raises(UnsupportedLdap3) as caught:
        read_ldap(slapd.settings())
    message = str(caught.value)
    assert message.startswith("unsupported ldap3 version 2.10.0 (dirsync needs 2.9.1): ")
    assert "receiving" in message
    assert message.endswith("install ldap3==2.9.1")


def test_the_installed_ldap3_is_the_supported_one() -> None:
    assert ldap3.__version__ == SUPPORTED_LDAP3
    require_supported_ldap3()
