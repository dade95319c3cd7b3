"""The AD helpers against a real Samba AD DC (the ``samba_ad`` fixture; root only)."""

from __future__ import annotations

import math
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ldap3 import BASE, NONE, Connection, Server
from ldap3.core.exceptions import LDAPException

from dirsync.sources.ad import ActiveDirectory, decode_guid, read_ranged_values, uac_disabled
from dirsync.sources.errors import SourceError
from tests.fixtures.samba import SambaDirectory

# LDAP_SERVER_EXTENDED_DN_OID with flag 1: DNs come back as "<GUID=...>;<SID=...>;CN=...",
# the GUID in Samba's own string form. BER of SEQUENCE { INTEGER 1 }.
EXTENDED_DN = ("1.2.840.113556.1.4.529", False, b"\x30\x03\x02\x01\x01")
USERS_FILTER = ActiveDirectory.default_users_filter
# The server's own bitwise-AND match on ACCOUNTDISABLE (LDAP_MATCHING_RULE_BIT_AND).
DISABLED_FILTER = "(userAccountControl:1.2.840.113556.1.4.803:=2)"


@pytest.fixture
def conn(samba_ad: SambaDirectory) -> Iterator[Connection]:
    connection = samba_ad.connect(collect_usage=True)
    yield connection
    connection.unbind()


def read(conn: Connection, dn: str, attributes: list[str], **options: Any) -> dict[str, Any]:
    assert conn.search(dn, "(objectClass=*)", BASE, attributes=attributes, **options)
    entry: dict[str, Any] = conn.response[0]
    return entry


def lower(values: list[str]) -> set[str]:
    return {value.lower() for value in values}


def test_object_guid_decodes_to_the_guid_samba_reports(
    samba_ad: SambaDirectory, conn: Connection
) -> None:
    dn = samba_ad.layout.user_dn(samba_ad.layout.person_sam(7))
    entry = read(conn, dn, ["objectGUID"], controls=[EXTENDED_DN])
    reported = re.match(r"<GUID=([0-9a-fA-F-]{36})>;", entry["dn"])
    assert reported is not None, entry["dn"]
    guid = decode_guid(entry["raw_attributes"]["objectGUID"][0])
    assert guid == reported.group(1).lower()
    assert read(conn, f"<GUID={guid}>", ["1.1"])["dn"].lower() == dn.lower()


def test_uac_disabled_agrees_with_the_server_side_filter(
    samba_ad: SambaDirectory, conn: Connection
) -> None:
    people = samba_ad.layout.people_base
    assert conn.search(people, USERS_FILTER, attributes=["sAMAccountName", "userAccountControl"])
    flagged = {
        e["attributes"]["sAMAccountName"][0]
        for e in conn.response
        if uac_disabled(e["raw_attributes"]["userAccountControl"])
    }
    assert len(conn.response) == len(samba_ad.layout.people)
    assert flagged == {samba_ad.layout.disabled_sam}
    server_side = f"(&{USERS_FILTER}{DISABLED_FILTER})"
    assert conn.search(people, server_side, attributes=["sAMAccountName"])
    assert [e["attributes"]["sAMAccountName"][0] for e in conn.response] == [
        samba_ad.layout.disabled_sam
    ]


@pytest.mark.parametrize("step", [1500, 500, 97, 825, 1650])
def test_range_retrieval_reads_every_member_of_the_big_group(
    samba_ad: SambaDirectory, conn: Connection, step: int
) -> None:
    layout = samba_ad.layout
    expected = layout.direct_member_dns(layout.big_group)
    assert len(expected) > 1500
    before = conn.usage.search_operations
    values = read_ranged_values(conn, layout.group_dn(layout.big_group), "member", step)
    assert len(values) == len(expected)
    assert lower(values) == lower(expected)
    assert conn.usage.search_operations - before == math.ceil(len(expected) / step)


def test_range_retrieval_with_a_step_of_one(samba_ad: SambaDirectory, conn: Connection) -> None:
    layout = samba_ad.layout
    values = read_ranged_values(conn, layout.group_dn("Engineering"), "member", step=1)
    assert lower(values) == lower(layout.direct_member_dns("Engineering"))


def test_range_retrieval_of_an_absent_attribute_is_empty(
    samba_ad: SambaDirectory, conn: Connection
) -> None:
    dn = samba_ad.layout.user_dn(samba_ad.layout.person_sam(0))
    assert read_ranged_values(conn, dn, "member") == []


def test_range_retrieval_of_a_missing_entry_is_a_source_error(
    samba_ad: SambaDirectory, conn: Connection
) -> None:
    with pytest.raises(SourceError, match="noSuchObject"):
        read_ranged_values(conn, samba_ad.layout.group_dn("Nobody"), "member")


def test_ldaps_verifies_the_samba_certificate(samba_ad: SambaDirectory) -> None:
    server = Server(samba_ad.ldaps_url, use_ssl=True, tls=samba_ad.tls(), get_info=NONE)
    with Connection(server, samba_ad.bind_dn, samba_ad.bind_password, auto_bind=True) as bound:
        assert bound.bound
        assert bound.server.ssl


def test_ldaps_refuses_a_certificate_from_another_ca(
    samba_ad: SambaDirectory, tmp_path: Path
) -> None:
    other_ca = tmp_path / "other-ca.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", str(tmp_path / "key.pem"), "-out", str(other_ca), "-days", "1",
         "-subj", "/CN=some other CA"],
        check=True, capture_output=True,
    )  # fmt: skip
    server = Server(samba_ad.ldaps_url, use_ssl=True, tls=samba_ad.tls(other_ca), get_info=NONE)
    with pytest.raises(LDAPException, match="CERTIFICATE_VERIFY_FAILED"):
        Connection(server, samba_ad.bind_dn, samba_ad.bind_password, auto_bind=True)
