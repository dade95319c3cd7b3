"""TLS with verification (StartTLS, LDAPS, by name and by IP), and rename-safe ids."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path

import pytest

from dirsync.sources.errors import SourceError
from dirsync.sources.ldap import read_ldap
from dirsync.sources.ldap_connect import LdapConnector
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import GROUPS_DN, PEOPLE_DN
from tests.fixtures.slapd_tls import TlsFiles


def test_ldaps_with_verification(slapd: SlapdServer) -> None:
    snapshot = read_ldap(slapd.settings(urls=[slapd.ldaps_url], start_tls=False))

    assert len(snapshot.users) == 5


def test_ldaps_to_an_ip_address_checks_the_ip_san(slapd: SlapdServer) -> None:
    url = f"ldaps://127.0.0.1:{slapd.ldaps_port}"

    assert len(read_ldap(slapd.settings(urls=[url], start_tls=False)).users) == 5


@pytest.mark.parametrize("mode", ["ldaps", "starttls"])
def test_wrong_ca_is_refused(slapd: SlapdServer, tls_files: TlsFiles, mode: str) -> None:
    url = slapd.ldaps_url if mode == "ldaps" else slapd.ldap_url
    settings = slapd.settings(
        urls=[url], start_tls=mode == "starttls", ca_file=str(tls_files.wrong_ca_file)
    )

    with pytest.raises(SourceError, match="CERTIFICATE_VERIFY_FAILED") as caught:
        read_ldap(settings)
    # The ssl module's text ends "(_ssl.c:NNNN)": its closing parenthesis is kept.
    assert re.search(r"\(_ssl\.c:\d+\)$", str(caught.value)), str(caught.value)


def test_unreadable_ca_file(slapd: SlapdServer, tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot load the LDAP TLS files"):
        read_ldap(slapd.settings(ca_file=str(tmp_path / "missing.pem")))


def test_verification_can_be_turned_off_explicitly(slapd: SlapdServer, tls_files: TlsFiles) -> None:
    settings = slapd.settings(
        urls=[slapd.ldaps_url],
        start_tls=False,
        ca_file=str(tls_files.wrong_ca_file),
        verify_tls=False,
    )

    assert len(read_ldap(settings).users) == 5


def test_renamed_user_keeps_external_id_and_groups(
    slapd_factory: Callable[..., SlapdServer],
) -> None:
    server = slapd_factory()
    before = read_ldap(server.settings())
    alice = next(u for u in before.users if u.username == "alice")

    server.modify(
        f"dn: uid=alice,{PEOPLE_DN}\nchangetype: modrdn\nnewrdn: uid=alicia\ndeleteoldrdn: 1\n\n"
        f"dn: uid=alicia,{PEOPLE_DN}\nchangetype: modify\nreplace: mail\n"
        "mail: alicia@example.org\n"
    )
    after = read_ldap(server.settings())

    renamed = next(u for u in after.users if u.username == "alicia")
    assert renamed.external_id == alice.external_id
    assert renamed.email == "alicia@example.org"
    assert {u.external_id for u in after.users} == {u.external_id for u in before.users}
    engineering = next(g for g in after.groups if g.name == "engineering")
    assert alice.external_id in engineering.member_ids  # refint rewrote the member DN
    # memberUid holds the old uid (refint only follows DNs): reported, not silently lost.
    assert [(w.where, w.message) for w in after.warnings] == [
        (f"cn=ops,{GROUPS_DN}", "memberUid alice matches no user")
    ]


@pytest.mark.parametrize("mode", ["start_tls", "ldaps", "plain"])
def test_ldap_sockets_send_small_writes_at_once(slapd: SlapdServer, mode: str) -> None:
    """TCP_NODELAY: with Nagle on, each StartTLS connection stalled ~40 ms on a delayed ACK
    (tests/benchmarks/bench_ldap.py: StartTLS 1.9x plain before, 1.3x after)."""
    urls = {"start_tls": slapd.ldap_url, "ldaps": slapd.ldaps_url, "plain": slapd.ldap_url}
    settings = slapd.settings(urls=[urls[mode]], start_tls=mode == "start_tls")
    assert settings.ldap is not None
    with LdapConnector(settings.ldap, settings.ldap.bind_password).session() as conn:
        assert conn.socket.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
        assert conn.search(PEOPLE_DN, "(uid=*)", attributes=["uid"])
        assert len(conn.response) == 5
