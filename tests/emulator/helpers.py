"""Raw-httpx access to a served emulator (deliberately not dirsync's own client)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.fixtures.emulator import TLS_CONTEXT, ServedEmulator


def token_for(served: ServedEmulator, **overrides: str) -> httpx.Response:
    """POST the form-encoded client-credentials request of contract §3."""
    form = {
        "grant_type": "client_credentials",
        "scope": "api.organization",
        "client_id": served.client_id,
        "client_secret": served.client_secret,
    }
    form.update(overrides)
    with httpx.Client(verify=TLS_CONTEXT, timeout=10) as client:
        return client.post(f"{served.identity_url}/connect/token", data=form)


class Api:
    """An authenticated raw client for one served emulator."""

    def __init__(self, served: ServedEmulator, prefix: str = "") -> None:
        self.served = served
        response = token_for(served)
        assert response.status_code == 200, response.text
        self.token: str = response.json()["access_token"]
        self.http = httpx.Client(
            base_url=served.api_url + prefix,
            headers={"Authorization": f"Bearer {self.token}"},
            timeout=10,
            verify=TLS_CONTEXT,
        )

    def close(self) -> None:
        self.http.close()

    def request(self, method: str, path: str, json: Any = None, **kwargs: Any) -> httpx.Response:
        return self.http.request(method, path, json=json, **kwargs)

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, json: Any = None) -> httpx.Response:
        return self.http.post(path, json=json)

    def put(self, path: str, json: Any = None) -> httpx.Response:
        return self.http.put(path, json=json)

    def delete(self, path: str) -> httpx.Response:
        return self.http.delete(path)

    def invite(self, email: str, member_type: int = 2, **fields: Any) -> dict[str, Any]:
        response = self.post("/public/members", {"email": email, "type": member_type, **fields})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def create_group(self, name: str, **fields: Any) -> dict[str, Any]:
        response = self.post("/public/groups", {"name": name, **fields})
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def owner_id(self) -> str:
        members = self.get("/public/members").json()["data"]
        return str(next(m["id"] for m in members if m["type"] == 0))


def error_keys(response: httpx.Response) -> set[str]:
    """The keys of a model-state 400."""
    body = response.json()
    assert body["message"] == "The request's model state is invalid.", body
    return set(body["errors"])


OWNER_ID = "00000000-0000-0000-0000-0000000000aa"
SHARED = "c0000000-0000-0000-0000-000000000001"
SHARED_2 = "c0000000-0000-0000-0000-000000000002"
MY_ITEMS = "c0000000-0000-0000-0000-0000000000ff"


def seed(
    members: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    **organization: Any,
) -> dict[str, Any]:
    """A seed with a confirmed owner, two shared collections and one default user collection."""
    owner = {"id": OWNER_ID, "email": "owner@example.com", "type": 0, "status": 2}
    return {
        "organization": organization,
        "members": [owner, *(members or [])],
        "groups": groups or [],
        "collections": [
            {"id": SHARED, "externalId": "shared-1"},
            {"id": SHARED_2, "externalId": "shared-2"},
            {"id": MY_ITEMS, "type": 1},
        ],
    }


def events_of(served: ServedEmulator) -> list[tuple[int, str | None]]:
    """(type, memberId or groupId) of every event so far, oldest first."""
    return [(e["type"], e["memberId"] or e["groupId"]) for e in served.state()["events"]]
