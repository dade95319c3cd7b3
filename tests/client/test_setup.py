"""Endpoints (contract §3), configuration, import batching (§1 Import) and dry-run."""

from __future__ import annotations

import ssl
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.endpoints import resolve_endpoints, resolve_rate_limit
from dirsync.bitwarden.errors import DryRunRefused
from dirsync.bitwarden.imports import ImportGroup, ImportMember, import_stages
from dirsync.bitwarden.models import MemberType
from dirsync.config import BitwardenConfig, ConfigError
from tests.client.fakes import FakeServer, listing


@pytest.mark.parametrize(
    ("server", "api", "identity", "cloud"),
    [
        ("us", "https://api.bitwarden.com", "https://identity.bitwarden.com", True),
        ("EU", "https://api.bitwarden.eu", "https://identity.bitwarden.eu", True),
        ("https://vault.example.org/", "https://vault.example.org/api",
         "https://vault.example.org/identity", False),
    ],
)  # fmt: skip
def test_presets_and_self_hosted(server: str, api: str, identity: str, cloud: bool) -> None:
    endpoints = resolve_endpoints(server)
    assert (endpoints.api_url, endpoints.identity_url, endpoints.cloud) == (api, identity, cloud)
    assert endpoints.token_url == f"{identity}/connect/token"


def test_explicit_urls_override_and_are_not_cloud() -> None:
    endpoints = resolve_endpoints("us", "http://127.0.0.1:9/", "http://127.0.0.1:9/identity")
    assert endpoints.api_url == "http://127.0.0.1:9"
    assert endpoints.identity_url == "http://127.0.0.1:9/identity"
    assert resolve_rate_limit("auto", endpoints) == "off"
    assert resolve_rate_limit("cloud", endpoints) == "cloud"
    assert resolve_rate_limit("auto", resolve_endpoints("eu")) == "cloud"
    assert resolve_rate_limit("auto", resolve_endpoints("https://bw.example")) == "off"


def test_a_bad_server_value_names_the_key() -> None:
    with pytest.raises(ConfigError, match=r"bitwarden\.server: 'vault' is not an http"):
        resolve_endpoints("vault")


def test_from_config_reads_the_secret_file_and_ca_bundle(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-file\n")
    secret.chmod(0o600)
    ca = Path(ssl.get_default_verify_paths().cafile or "/etc/ssl/certs/ca-certificates.crt")
    config = BitwardenConfig(
        server="eu", client_id="organization.x", client_secret_file=secret, ca_file=ca
    )
    with BitwardenClient.from_config(config, dry_run=True) as client:
        session = client._session
        assert session.endpoints.api_url == "https://api.bitwarden.eu"
        assert session.throttle is not None
        assert client.dry_run


def test_from_config_without_a_secret_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="client_secret is not set"):
        BitwardenClient.from_config(BitwardenConfig(client_id="organization.x"))


def test_from_config_without_a_client_id_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"bitwarden\.client_id is not set"):
        BitwardenClient.from_config(BitwardenConfig(client_secret=SecretStr("s")))


@pytest.mark.parametrize("content", [None, "not a certificate"])
def test_an_unusable_ca_file_names_the_key(tmp_path: Path, content: str | None) -> None:
    ca = tmp_path / "ca.pem"
    if content is not None:
        ca.write_text(content)
    config = BitwardenConfig(client_id="organization.x", client_secret=SecretStr("s"), ca_file=ca)
    with pytest.raises(ConfigError, match=r"bitwarden\.ca_file: cannot load"):
        BitwardenClient.from_config(config)


def test_dry_run_refuses_every_write_before_sending() -> None:
    server = FakeServer(lambda request: httpx.Response(200, json=listing()))
    with server.client(dry_run=True) as client:
        assert client.list_members() == []
        writes = [
            lambda: client.invite_member("a@example.com", type=MemberType.USER, external_id="1"),
            lambda: client.update_member("m", type=MemberType.USER, external_id=None),
            lambda: client.revoke_member("m"),
            lambda: client.delete_group("g"),
            lambda: client.set_group_members("g", []),
            lambda: client.import_org([ImportMember(email="a@b.c", external_id="1")], []),
        ]
        for write in writes:
            with pytest.raises(DryRunRefused, match="dry run"):
                write()
    assert {method for method, path in server.seen if path != "/connect/token"} == {"GET"}


def _members(count: int) -> list[ImportMember]:
    return [ImportMember(email=f"u{i}@example.com", external_id=str(i)) for i in range(count)]


def _groups(count: int) -> list[ImportGroup]:
    return [
        ImportGroup(name=f"g{i}", external_id=f"g{i}", member_external_ids=[]) for i in range(count)
    ]


def test_a_small_import_is_one_request() -> None:
    ((body,),) = import_stages(_members(2000), _groups(3))
    assert body["largeImport"] is False
    assert body["overwriteExisting"] is False
    assert len(body["members"]) == 2000
    assert body["members"][0] == {"email": "u0@example.com", "externalId": "0", "deleted": False}
    assert body["groups"][0] == {"name": "g0", "externalId": "g0", "memberExternalIds": []}


def test_a_large_import_sends_members_first_then_groups_in_batches() -> None:
    stages = import_stages(_members(4001), _groups(2001))
    assert [[(len(b["members"]), len(b["groups"])) for b in stage] for stage in stages] == [
        [(2000, 0), (2000, 0), (1, 0)], [(0, 2000), (0, 1)]
    ]  # fmt: skip
    assert all(b["largeImport"] and not b["overwriteExisting"] for s in stages for b in s)
    assert len(import_stages([], _groups(2001))) == 1


def test_client_constructor_takes_keyword_arguments_only() -> None:
    with pytest.raises(TypeError):
        BitwardenClient("http://a", "http://b", "c", SecretStr("d"))  # type: ignore[misc]


def test_one_request_past_the_cloud_limit_says_large_import() -> None:
    """The planner may choose batches above 2,000 (sync/costs.py); the cloud refuses those
    without largeImport (contract §1 Import)."""
    ((body,),) = import_stages(_members(4001), _groups(10), batch_size=5000)
    assert len(body["members"]) == 4001
    assert body["largeImport"] is True
    stages = import_stages(_members(9000), _groups(2), batch_size=4500)
    assert [[len(b["members"]) for b in stage] for stage in stages] == [[4500, 4500], [0]]
    assert all(b["largeImport"] for stage in stages for b in stage)
