"""Every failure of the conversation with the server raises SourceError: never a short read."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable
from typing import Any

import ldap3
import pytest

from dirsync.sources.errors import SourceError
from dirsync.sources.ldap import read_ldap
from tests.fixtures import slapd as slapd_fixture
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import BASE_DN, GROUPS_DN, generate_directory


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_wrong_password(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match="invalidCredentials") as caught:
        read_ldap(slapd.settings(bind_password="not-the-password"))
    assert "not-the-password" not in str(caught.value)


def test_base_that_does_not_exist(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match=f"base ou=nobody,{BASE_DN} does not exist"):
        read_ldap(slapd.settings(users={"base": f"ou=nobody,{BASE_DN}"}))


def test_a_base_the_bind_may_not_read_is_not_called_missing(
    slapd_factory: Callable[..., SlapdServer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """slapd answers noSuchObject for an entry hidden by an ACL: the message says both."""
    everyone_reads = "olcAccess: to * by * read\n"
    hidden = f'olcAccess: to dn.subtree="{GROUPS_DN}" by * none\n'
    assert everyone_reads in slapd_fixture.CONFIG_LDIF
    config = slapd_fixture.CONFIG_LDIF.replace(everyone_reads, hidden + everyone_reads)
    monkeypatch.setattr(slapd_fixture, "CONFIG_LDIF", config)
    server = slapd_factory()
    assert "engineering" in server.entry_uuids(), "the rootdn still sees the groups"
    with pytest.raises(SourceError) as caught:
        read_ldap(server.settings())
    message = str(caught.value)
    assert (
        f"the base {GROUPS_DN} does not exist, or the bind {server.bind_dn} may lack read"
        " rights on it (noSuchObject)"
    ) in message
    assert message.endswith("check the base and the bind's access rights")


def test_host_name_that_does_not_resolve_is_named(slapd: SlapdServer) -> None:
    url = "ldap://no-such-host.invalid:389"
    with pytest.raises(SourceError) as caught:
        read_ldap(slapd.settings(urls=[url]))
    message = str(caught.value)
    assert f"{url}: host name no-such-host.invalid does not resolve" in message
    assert "ldap.urls" in message
    assert "invalid server address" not in message


def test_cleartext_bind_warns_once_per_run(
    slapd: SlapdServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="dirsync"):
        read_ldap(slapd.settings(start_tls=False))
    cleartext = [r for r in caplog.records if "without TLS" in r.getMessage()]
    assert len(cleartext) == 1, [r.getMessage() for r in cleartext]


def test_groups_base_that_does_not_exist(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match="does not exist"):
        read_ldap(slapd.settings(groups={"base": f"ou=nothing,{BASE_DN}"}))


def test_no_users_is_an_error_not_everyone_leaving(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match=r"no users found under .* with \(uid=nobody\)"):
        read_ldap(slapd.settings(users={"filter": "(uid=nobody)"}))


def test_no_groups_is_an_error(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match="no groups found"):
        read_ldap(slapd.settings(groups={"filter": "(cn=nothing)"}))


def test_invalid_filter(slapd: SlapdServer) -> None:
    with pytest.raises(SourceError, match="LDAP search under"):
        read_ldap(slapd.settings(users={"disabled_filter": "(employeeType=disabled"}))


def test_failover_to_the_second_url(slapd: SlapdServer) -> None:
    down = f"ldap://localhost:{_closed_port()}"

    snapshot = read_ldap(slapd.settings(urls=[down, slapd.ldap_url]))

    assert len(snapshot.users) == 5


def test_every_url_down(slapd: SlapdServer) -> None:
    urls = [f"ldap://localhost:{_closed_port()}", f"ldaps://localhost:{_closed_port()}"]
    with pytest.raises(SourceError, match="no LDAP server usable") as caught:
        read_ldap(slapd.settings(urls=urls, timeout_seconds=2))
    assert urls[0] in str(caught.value)
    assert urls[1] in str(caught.value)


def _after_first_page(monkeypatch: pytest.MonkeyPatch, action: Callable[[], None]) -> None:
    """Run *action* once the first page of the users search has arrived (the disabled
    accounts' search, which reads DNs only, comes before it)."""
    original = ldap3.Connection.search
    pages: list[int] = []

    def search(self: ldap3.Connection, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        if kwargs.get("paged_size") and kwargs.get("attributes") != ["1.1"]:
            pages.append(len(pages))
            if len(pages) == 1:
                action()
        return answer

    monkeypatch.setattr(ldap3.Connection, "search", search)


@pytest.fixture
def small(slapd_factory: Callable[..., SlapdServer]) -> SlapdServer:
    return slapd_factory(generate_directory(users=300, groups=3))


def test_server_killed_during_a_paged_search(
    small: SlapdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_first_page(monkeypatch, small.kill)

    with pytest.raises(SourceError, match="failed on page 2"):
        read_ldap(small.settings(page_size=50))


def test_server_hanging_during_a_paged_search(
    small: SlapdServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_first_page(monkeypatch, small.pause)

    with pytest.raises(SourceError, match="failed on page 2"):
        read_ldap(small.settings(page_size=50, timeout_seconds=1))


def test_restarted_server_reads_again(small: SlapdServer) -> None:
    small.restart()

    assert len(read_ldap(small.settings()).users) == 300


REFERRAL = f"""dn: cn=elsewhere,ou=people,{BASE_DN}
objectClass: referral
objectClass: extensibleObject
cn: elsewhere
ref: ldap://ldap.other.example/ou=people,dc=other,dc=example
"""


def test_referrals_are_errors_not_gaps(slapd_factory: Callable[..., SlapdServer]) -> None:
    directory = generate_directory(users=20, groups=2)
    directory.extra_ldif = REFERRAL
    server = slapd_factory(directory)

    with pytest.raises(SourceError, match=r"part of the subtree is on another server"):
        read_ldap(server.settings())
    with pytest.raises(SourceError, match=r"referred elsewhere .*ldap.other.example"):
        read_ldap(server.settings(users={"base": f"cn=elsewhere,ou=people,{BASE_DN}"}))
