"""Contract §0 Auth and §3 Identity token, over real HTTP."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import httpx

from tests.emulator.helpers import Api, token_for
from tests.fixtures.emulator import ServedEmulator


def _decode(part: str) -> dict[str, object]:
    result: dict[str, object] = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
    return result


def test_curl_flow_token_then_members_with_bearer(emulator: ServedEmulator) -> None:
    """contract §3 Success + §0 Auth: form-encoded token request, then GET /public/members."""
    response = token_for(emulator)
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["scope"] == "api.organization"
    members = httpx.get(
        f"{emulator.api_url}/public/members",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert members.status_code == 200
    data = members.json()
    assert data["object"] == "list"
    assert [(m["type"], m["status"]) for m in data["data"]] == [(0, 2)]


def test_without_token_401_empty(emulator: ServedEmulator) -> None:
    """contract §0 Auth: a missing token gives 401 with an empty body."""
    response = httpx.get(f"{emulator.api_url}/public/members")
    assert response.status_code == 401
    assert response.content == b""


def test_bad_token_401(emulator: ServedEmulator) -> None:
    """contract §0 Auth: a token that does not verify gives 401."""
    response = httpx.get(
        f"{emulator.api_url}/public/members", headers={"Authorization": "Bearer a.b.c"}
    )
    assert response.status_code == 401


def test_token_in_query_string(emulator: ServedEmulator) -> None:
    """contract §0 Auth: the token may arrive in the query string."""
    token = token_for(emulator).json()["access_token"]
    response = httpx.get(f"{emulator.api_url}/public/members", params={"access_token": token})
    assert response.status_code == 200


def test_token_is_jwt_shaped_with_exp(emulator: ServedEmulator) -> None:
    """contract §3 Client properties: three parts, typ at+jwt, exp = now + 3600, client_sub."""
    token = token_for(emulator).json()["access_token"]
    header, payload, _ = token.split(".")
    assert _decode(header)["typ"] == "at+jwt"
    claims = _decode(payload)
    assert abs(claims["exp"] - time.time() - 3600) < 5
    assert claims["client_sub"] == emulator.org_id
    assert claims["scope"] == ["api.organization"]


def test_identity_under_identity_prefix(emulator: ServedEmulator) -> None:
    """contract §3 Self-hosted: the token endpoint also answers at /identity/connect/token."""
    root = emulator.root_url
    response = httpx.post(
        f"{root}/identity/connect/token",
        data={
            "grant_type": "client_credentials",
            "scope": "api.organization",
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
        },
    )
    assert response.status_code == 200


def test_wrong_secret_invalid_client(emulator: ServedEmulator) -> None:
    """contract §3 Errors: a wrong secret gives 400 invalid_client."""
    response = token_for(emulator, client_secret="wrong")
    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client"}


def test_unknown_or_bad_org_id_invalid_client(emulator: ServedEmulator) -> None:
    """contract §3 Errors: a non-GUID or unknown org id gives invalid_client."""
    for client_id in ("organization.nope", "organization.00000000-0000-0000-0000-000000000001"):
        response = token_for(emulator, client_id=client_id)
        assert response.json() == {"error": "invalid_client"}


def test_wrong_scope_and_grant(emulator: ServedEmulator) -> None:
    """contract §3 Errors: invalid_scope and unsupported_grant_type."""
    assert token_for(emulator, scope="api").json() == {"error": "invalid_scope"}
    assert token_for(emulator, grant_type="password").json() == {"error": "unsupported_grant_type"}


def test_disabled_org_invalid_client(emulator: ServedEmulator) -> None:
    """contract §3 Client properties: enabled only with UseApi."""
    emulator.reset({"organization": {"useApi": False}})
    assert token_for(emulator).json() == {"error": "invalid_client"}


def test_revoked_tokens_401(emulator: ServedEmulator) -> None:
    """Control surface: after /_emulator/tokens/revoke every issued token gives 401."""
    api = Api(emulator)
    assert api.get("/public/members").status_code == 200
    emulator.control("POST", "/_emulator/tokens/revoke")
    assert api.get("/public/members").status_code == 401
    api.close()


def test_token_expiry(emulator_factory: Callable[..., ServedEmulator]) -> None:
    """contract §3 AccessTokenLifetime / §6 skew: a token dies after lifetime + skew."""
    served = emulator_factory(token_lifetime=1, extra_args=("--clock-skew", "0"))
    api = Api(served)
    assert api.get("/public/members").status_code == 200
    time.sleep(2.1)
    assert api.get("/public/members").status_code == 401
    api.close()


def test_non_ascii_secret_is_invalid_client(emulator: ServedEmulator) -> None:
    """contract §3 Errors: any wrong secret, even non-ASCII, is invalid_client (not a 500)."""
    assert token_for(emulator, client_secret="sécret").json() == {"error": "invalid_client"}
