"""`dirsync check` against a real slapd and a served emulator: one distinct line per failure.

Issue 7 names five setups (a good one, a wrong bind password, an unreachable LDAP host,
a wrong CA, a wrong client secret); each must end with its own clear line and the right
exit code, and no secret may appear in any output.
"""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from dirsync.cli.main import main
from tests.e2e.harness import toml
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import GROUPS_DN, PEOPLE_DN
from tests.fixtures.slapd_tls import TlsFiles

GROUPS_FILTER = (
    "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
)
EXAMPLE_CSV = Path(__file__).resolve().parents[2] / "config" / "example-hr.csv"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _secret_file(directory: Path, name: str, value: str) -> Path:
    path = directory / name
    path.write_text(value + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def _bitwarden(emulator: ServedEmulator, secret_file: Path) -> dict[str, Any]:
    return {
        "api_url": emulator.api_url,
        "identity_url": emulator.identity_url,
        "client_id": emulator.client_id,
        "client_secret_file": str(secret_file),
        "rate_limit": "off",
    }


def _ldap(slapd: SlapdServer, password_file: Path, **overrides: Any) -> dict[str, Any]:
    return {
        "urls": [slapd.ldaps_url],
        "ca_file": str(slapd.ca_file),
        "bind_dn": slapd.bind_dn,
        "bind_password_file": str(password_file),
        "timeout_seconds": 5,
        "users": {"base": PEOPLE_DN},
        "groups": {"base": GROUPS_DN},
        **overrides,
    }


def _check(tmp_path: Path, document: dict[str, dict[str, Any]]) -> Result:
    config = tmp_path / "dirsync.toml"
    config.write_text(toml(document), encoding="utf-8")
    return CliRunner().invoke(main, ["--config", str(config), "check"])


def _lines(result: Result) -> list[str]:
    return result.stdout.splitlines()


@pytest.fixture
def ldap_setup(
    tmp_path: Path, slapd: SlapdServer, emulator: ServedEmulator
) -> tuple[Path, Path, dict[str, Any]]:
    """Files for the good LDAP setup: (bind password file, client secret file, document)."""
    password = _secret_file(tmp_path, "bind_password", slapd.bind_password)
    secret = _secret_file(tmp_path, "client_secret", emulator.client_secret)
    document = {
        "bitwarden": _bitwarden(emulator, secret),
        "source": {"type": "ldap"},
        "ldap": _ldap(slapd, password),
    }
    return password, secret, document


def _assert_no_secrets(result: Result, slapd: SlapdServer, emulator: ServedEmulator) -> None:
    assert slapd.bind_password not in result.output
    assert emulator.client_secret not in result.output


def test_good_ldap_setup_passes_every_step(
    tmp_path: Path,
    slapd: SlapdServer,
    emulator: ServedEmulator,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    result = _check(tmp_path, ldap_setup[2])
    assert result.exit_code == 0, result.output
    assert _lines(result) == [
        f"ok   config {tmp_path / 'dirsync.toml'} (source ldap)",
        f"ok   ldap {slapd.ldaps_url} connect+TLS",
        f"ok   ldap bind as {slapd.bind_dn}",
        f"ok   ldap users base {PEOPLE_DN} exists",
        f"ok   ldap groups base {GROUPS_DN} exists",
        f"ok   ldap ldap.users.filter (objectClass=inetOrgPerson) matches entries under "
        f"{PEOPLE_DN}",
        f"ok   ldap ldap.groups.filter {GROUPS_FILTER} matches entries under {GROUPS_DN}",
        f"ok   bitwarden token obtained from {emulator.identity_url}/connect/token "
        f"for {emulator.client_id}",
        "ok   bitwarden organization readable: 1 members (1 owners, 0 with an externalId), "
        "0 groups",
        "ok   plan 9 actions (4 create-group, 5 invite)",
    ]
    _assert_no_secrets(result, slapd, emulator)


def test_wrong_bind_password(
    tmp_path: Path,
    slapd: SlapdServer,
    emulator: ServedEmulator,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    password_file, _, document = ldap_setup
    password_file.write_text("not-the-password\n", encoding="utf-8")
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    assert _lines(result)[-1] == (
        f"FAIL ldap bind as {slapd.bind_dn} failed: invalidCredentials "
        "(check ldap.bind_dn and the bind password)"
    )
    assert len(_lines(result)) == 2, "stops at the first failure"
    assert "not-the-password" not in result.output
    _assert_no_secrets(result, slapd, emulator)


def test_unreachable_ldap_host(
    tmp_path: Path,
    slapd: SlapdServer,
    emulator: ServedEmulator,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    password_file, _, document = ldap_setup
    url = f"ldap://127.0.0.1:{_free_port()}"
    document["ldap"] = _ldap(slapd, password_file, urls=[url], start_tls=True)
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    last = _lines(result)[-1]
    assert last.startswith(f"FAIL ldap {url} connect: ")
    assert "Connection refused" in last
    assert last.endswith("(check ldap.urls, DNS and firewalls)")
    _assert_no_secrets(result, slapd, emulator)


@pytest.mark.parametrize("transport", ["ldaps", "starttls"])
def test_wrong_ca(
    tmp_path: Path,
    slapd: SlapdServer,
    emulator: ServedEmulator,
    tls_files: TlsFiles,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
    transport: str,
) -> None:
    password_file, _, document = ldap_setup
    url = slapd.ldaps_url if transport == "ldaps" else slapd.ldap_url
    document["ldap"] = _ldap(
        slapd,
        password_file,
        urls=[url],
        start_tls=transport == "starttls",
        ca_file=str(tls_files.wrong_ca_file),
    )
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    last = _lines(result)[-1]
    assert last.startswith(f"FAIL ldap {url} TLS: the server's certificate is not trusted: ")
    assert "certificate verify failed" in last
    assert last.endswith("set ldap.ca_file to the CA that issued it")
    _assert_no_secrets(result, slapd, emulator)


def test_wrong_client_secret(
    tmp_path: Path,
    slapd: SlapdServer,
    emulator: ServedEmulator,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    _, secret_file, document = ldap_setup
    secret_file.write_text("a-wrong-client-secret\n", encoding="utf-8")
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    lines = _lines(result)
    assert [line[:4] for line in lines] == ["ok  "] * 7 + ["FAIL"]
    assert lines[-1].startswith(
        "FAIL bitwarden token: Bitwarden rejected the client id/secret (invalid_client) at "
        f"{emulator.identity_url}/connect/token"
    )
    assert "a-wrong-client-secret" not in result.output
    _assert_no_secrets(result, slapd, emulator)


def test_second_url_down_is_reported_after_the_first_passes(
    tmp_path: Path,
    slapd: SlapdServer,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    password_file, _, document = ldap_setup
    dead = f"ldaps://localhost:{_free_port()}"
    document["ldap"] = _ldap(slapd, password_file, urls=[slapd.ldaps_url, dead])
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    lines = _lines(result)
    assert lines[1:3] == [
        f"ok   ldap {slapd.ldaps_url} connect+TLS",
        f"ok   ldap bind as {slapd.bind_dn}",
    ]
    assert lines[-1].startswith(f"FAIL ldap {dead} connect: ")


def test_missing_users_base(
    tmp_path: Path,
    slapd: SlapdServer,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    password_file, _, document = ldap_setup
    missing = "ou=nobody,dc=example,dc=org"
    document["ldap"] = _ldap(slapd, password_file, users={"base": missing})
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    assert _lines(result)[-1] == (
        f"FAIL ldap users base {missing} not readable: noSuchObject: it does not exist, or the"
        " bind may lack read rights on it (check ldap.users.base and the bind's access rights)"
    )


def test_host_name_that_does_not_resolve(
    tmp_path: Path,
    slapd: SlapdServer,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    password_file, _, document = ldap_setup
    url = "ldaps://no-such-host.invalid:636"
    document["ldap"] = _ldap(slapd, password_file, urls=[url])
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    last = _lines(result)[-1]
    assert last.startswith(f"FAIL ldap {url} connect: host name no-such-host.invalid does not ")
    assert last.endswith("check the host in ldap.urls")


def test_csv_setup(tmp_path: Path, emulator: ServedEmulator) -> None:
    secret = _secret_file(tmp_path, "client_secret", emulator.client_secret)
    document = {
        "bitwarden": _bitwarden(emulator, secret),
        "source": {"type": "csv"},
        "csv": {
            "path": str(EXAMPLE_CSV),
            "status": "Status",
            "start_date": "Hire Date",
            "end_date": "Termination Date",
        },
    }
    result = _check(tmp_path, document)
    assert result.exit_code == 0, result.output
    assert _lines(result)[1].startswith(
        f"ok   csv {EXAMPLE_CSV} readable with its required columns: 36 people ("
    )

    document["csv"]["email"] = "E-mail"
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    assert _lines(result)[-1].startswith(f"FAIL csv {EXAMPLE_CSV}: ")
    assert "E-mail" in _lines(result)[-1]
    assert len(_lines(result)) == 2


def test_invalid_config_names_the_key(tmp_path: Path) -> None:
    result = _check(tmp_path, {"source": {"type": "ldap"}, "ldap": {"urls": ["http://x"]}})
    assert result.exit_code == 1
    assert _lines(result) == [
        "FAIL config invalid configuration: ldap: 'http://x' is not an ldap:// or ldaps:// URL "
        f"(from file {tmp_path / 'dirsync.toml'})"
    ]


def test_plain_ldap_is_named_as_such(
    tmp_path: Path, slapd: SlapdServer, ldap_setup: tuple[Path, Path, dict[str, Any]]
) -> None:
    password_file, _, document = ldap_setup
    document["ldap"] = _ldap(slapd, password_file, urls=[slapd.ldap_url])
    result = _check(tmp_path, document)
    assert result.exit_code == 0, result.output
    assert _lines(result)[1] == (
        f"ok   ldap {slapd.ldap_url} connect (no TLS: the bind password crosses the network "
        "in clear)"
    )


def test_ldaps_url_on_the_plain_port_is_a_tls_failure(
    tmp_path: Path, slapd: SlapdServer, ldap_setup: tuple[Path, Path, dict[str, Any]]
) -> None:
    password_file, _, document = ldap_setup
    url = slapd.ldap_url.replace("ldap://", "ldaps://")
    document["ldap"] = _ldap(slapd, password_file, urls=[url])
    result = _check(tmp_path, document)
    assert result.exit_code == 1
    last = _lines(result)[-1]
    assert last.startswith(f"FAIL ldap {url} TLS: ")
    assert "not trusted" not in last


@pytest.mark.parametrize(
    ("section", "key", "value", "reason"),
    [
        ("users", "filter", "(objectClass=inetOrgPerson", "not a usable filter"),
        ("users", "disabled_filter", "employeeType=disabled)(", "not a usable filter"),
        ("groups", "filter", "(&(cn=*)", "not a usable filter"),
        ("users", "filter", "(uid=nobody-here)", "matches nothing under"),
        ("groups", "filter", "(cn=no-such-group)", "matches nothing under"),
    ],
)
def test_a_bad_ldap_filter_fails_check_and_names_its_key(
    tmp_path: Path,
    slapd: SlapdServer,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
    section: str,
    key: str,
    value: str,
    reason: str,
) -> None:
    password_file, _, document = ldap_setup
    document["ldap"] = _ldap(slapd, password_file)
    document["ldap"][section] = {**document["ldap"][section], key: value}
    result = _check(tmp_path, document)
    assert result.exit_code == 1, result.output
    last = _lines(result)[-1]
    assert last.startswith(f"FAIL ldap ldap.{section}.{key} "), last
    assert reason in last


def test_a_disabled_filter_that_matches_nobody_passes(
    tmp_path: Path,
    slapd: SlapdServer,
    ldap_setup: tuple[Path, Path, dict[str, Any]],
) -> None:
    password_file, _, document = ldap_setup
    users = {"base": PEOPLE_DN, "disabled_filter": "(employeeType=gone)"}
    document["ldap"] = _ldap(slapd, password_file, users=users)
    result = _check(tmp_path, document)
    assert result.exit_code == 0, result.output
    assert (
        "ok   ldap ldap.users.disabled_filter (employeeType=gone) is accepted"
        " (it matches nobody now)"
    ) in _lines(result)
