"""Errors that may be the server's address name its URL and configuration key: a closed
port (one line, not retried), URL suffix mistakes, a URL that does not serve the API."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest
from click.testing import CliRunner
from pydantic import SecretStr

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.endpoints import not_the_api_hint, resolve_endpoints
from dirsync.bitwarden.errors import NotFound, Transient, Unreachable
from dirsync.cli.main import main
from dirsync.config import BitwardenConfig, ConfigError
from tests.client.fakes import FakeServer
from tests.client.served import client_for
from tests.fixtures.emulator import ServedEmulator

CSV_SOURCE = '[source]\ntype = "csv"\n[csv]\npath = "{path}"\n'


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _config(emulator: ServedEmulator, **bitwarden: str) -> BitwardenConfig:
    values = {"client_id": emulator.client_id, "rate_limit": "off", **bitwarden}
    return BitwardenConfig(client_secret=SecretStr(emulator.client_secret), **values)


def _cli(tmp_path: Path, bitwarden: str, *args: str) -> list[str]:
    """Run `dirsync` on a CSV config with this [bitwarden] section; its stderr lines."""
    export = tmp_path / "hr.csv"
    export.write_text(
        "Employee ID,First Name,Last Name,Work Email\nE1,Ann,Lee,ann@example.com\n",
        encoding="utf-8",
    )
    config = tmp_path / "dirsync.toml"
    config.write_text(CSV_SOURCE.format(path=export) + bitwarden, encoding="utf-8")
    # -q: the INFO line per phase (source read, ...) is not what these tests look at.
    result = CliRunner().invoke(main, ["-q", "--config", str(config), *args])
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.stderr.splitlines()


def test_a_closed_port_is_one_error_naming_the_url_and_key_without_retries(
    emulator: ServedEmulator,
) -> None:
    server = f"http://127.0.0.1:{closed_port()}"
    config = _config(emulator, server=server)
    with BitwardenClient.from_config(config) as client, pytest.raises(Unreachable) as caught:
        client.list_members()
    assert str(caught.value).startswith(f"cannot connect to {server}/identity (bitwarden.server): ")
    assert "Connection refused" in str(caught.value)
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert client.stats.retries == 0
    assert client.stats.calls["POST /connect/token"] == 1


def test_a_closed_api_port_names_api_url(emulator: ServedEmulator) -> None:
    api_url = f"http://127.0.0.1:{closed_port()}"
    with client_for(emulator, api_url=api_url) as client, pytest.raises(Unreachable) as caught:
        client.list_groups()
    assert str(caught.value).startswith(f"cannot connect to {api_url} (bitwarden.api_url): ")
    assert client.stats.retries == 0


def test_a_closed_port_through_the_cli_is_one_line(tmp_path: Path) -> None:
    server = f"http://127.0.0.1:{closed_port()}"
    section = f'[bitwarden]\nserver = "{server}"\nclient_id = "organization.x"\n'
    section += 'client_secret = "not-used"\n'
    lines = _cli(tmp_path, section, "plan")
    assert len(lines) == 1
    assert lines[0].startswith(
        f"dirsync: error: Bitwarden API: cannot connect to {server}/identity (bitwarden.server): "
    )
    assert "Connection refused" in lines[0]


def test_an_api_url_ending_in_public_is_a_config_error_with_the_fix(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    config = _config(emulator, api_url=emulator.api_url + "/public/")
    with pytest.raises(ConfigError) as caught:
        BitwardenClient.from_config(config)
    message = str(caught.value)
    assert message.startswith(f"bitwarden.api_url: '{emulator.api_url}/public' ends in /public")
    assert message.endswith(f"did you mean '{emulator.api_url}'?")
    section = f'[bitwarden]\napi_url = "{emulator.api_url}/public"\n'
    section += f'identity_url = "{emulator.identity_url}"\n'
    section += f'client_id = "{emulator.client_id}"\nclient_secret = "{emulator.client_secret}"\n'
    lines = _cli(tmp_path, section, "plan")
    assert lines == [f"dirsync: error: {message}"]


@pytest.mark.parametrize(
    ("server", "api_url", "identity_url", "expected"),
    [
        ("https://vault.example.org/api", None, None,
         "bitwarden.server: 'https://vault.example.org/api' ends in /api"),
        ("https://vault.example.org/identity/", None, None,
         "bitwarden.server: 'https://vault.example.org/identity' ends in /identity"),
        ("us", "https://api.bitwarden.com/api", None,
         "bitwarden.api_url: 'https://api.bitwarden.com/api': the cloud API has no path"),
        ("eu", "https://api.bitwarden.eu/public", None,
         "bitwarden.api_url: 'https://api.bitwarden.eu/public' ends in /public"),
        ("us", "https://vault.example.org/identity", None,
         "bitwarden.api_url: 'https://vault.example.org/identity' ends in /identity"),
        ("us", None, "https://vault.example.org/identity/connect/token",
         "bitwarden.identity_url: 'https://vault.example.org/identity/connect/token' ends in "
         "/connect/token"),
        ("us", None, "https://vault.example.org/api",
         "bitwarden.identity_url: 'https://vault.example.org/api' ends in /api"),
    ],
)  # fmt: skip
def test_suffix_mistakes_are_named(
    server: str, api_url: str | None, identity_url: str | None, expected: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        resolve_endpoints(server, api_url, identity_url)
    assert str(caught.value).startswith(expected)


def test_the_right_urls_pass() -> None:
    resolve_endpoints("https://vault.example.org/bitwarden")
    resolve_endpoints("us", "https://vault.example.org/api", "https://vault.example.org/identity")
    resolve_endpoints("eu", "https://api.bitwarden.eu/", "https://identity.bitwarden.eu")


def test_a_url_that_does_not_serve_the_api_names_url_key_and_the_api_path(
    emulator: ServedEmulator,
) -> None:
    """The emulator's root serves the API; a path below it is what a wrong URL looks like
    (nothing there answers /public/members)."""
    wrong = emulator.api_url + "/vault"
    with client_for(emulator, api_url=wrong) as client, pytest.raises(NotFound) as caught:
        client.list_members()
    message = str(caught.value)
    assert message.startswith(f"GET /public/members: 404 from {wrong} (bitwarden.api_url)")
    assert message.endswith("serves the API at its base URL + /api")


def test_a_404_on_one_member_is_still_not_found_in_the_organization(
    emulator: ServedEmulator,
) -> None:
    with client_for(emulator) as client, pytest.raises(NotFound) as caught:
        client.get_member("7a1f3c52-0000-4000-8000-00000000000a")
    assert str(caught.value).endswith(": not found in this organization")


def test_server_errors_after_the_last_retry_name_the_server() -> None:
    server = FakeServer(lambda request: httpx.Response(503))
    with server.client() as client, pytest.raises(Transient) as caught:
        client.list_groups()
    assert "server error 503 from https://api.test (bitwarden.api_url)" in str(caught.value)


@pytest.mark.parametrize(
    ("api_url", "hint"),
    [
        ("https://vault.example.org",
         "a self-hosted server serves the API under /api: try https://vault.example.org/api"),
        ("https://vault.example.org/bw",
         "a self-hosted server serves the API at its base URL + /api"),
        ("https://vault.example.org/api", "is this a Bitwarden server?"),
        ("https://api.bitwarden.com", "is this a Bitwarden server?"),
    ],
)  # fmt: skip
def test_the_hint_for_a_url_that_does_not_serve_the_api(api_url: str, hint: str) -> None:
    assert not_the_api_hint(api_url) == hint
