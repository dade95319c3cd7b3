"""The app factory used in-process (httpx ASGITransport): the narrow case with no TCP."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dirsync.emulator.app import create_app
from dirsync.emulator.pipeline import ConnectionDropped
from dirsync.emulator.runtime import EmulatorOptions

ORG = "5e000000-0000-0000-0000-000000000002"


async def _flow(options: EmulatorOptions) -> httpx.Response:
    transport = httpx.ASGITransport(app=create_app(options))
    async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
        token = await client.post(
            "/connect/token",
            data={
                "grant_type": "client_credentials",
                "scope": "api.organization",
                "client_id": f"organization.{ORG}",
                "client_secret": "s",
            },
        )
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        return await client.get("/public/members", headers=bearer)


def test_create_app_serves_in_process() -> None:
    """create_app(options) is a plain ASGI app: token, then GET /public/members."""
    response = asyncio.run(_flow(EmulatorOptions(org_id=ORG, client_secret="s", rate_limit="off")))
    assert response.status_code == 200
    assert response.json()["data"][0]["type"] == 0


def test_in_process_reset_raises() -> None:
    """Without a TCP connection to drop, a connection-reset fault raises ConnectionDropped."""
    options = EmulatorOptions(org_id=ORG, client_secret="s", faults="reset_before=1,methods=GET")
    with pytest.raises(ConnectionDropped):
        asyncio.run(_flow(options))


def test_bad_time_scale_refused() -> None:
    """EmulatorOptions: a time scale must be positive."""
    with pytest.raises(ValueError, match="time scale"):
        create_app(EmulatorOptions(time_scale=0))


def test_unexpected_failure_is_a_json_500() -> None:
    """contract §0 exception mapping: any other exception is 500 with the public error body."""

    async def broken() -> httpx.Response:
        app = create_app(EmulatorOptions(org_id=ORG, client_secret="s", rate_limit="off"))
        app.emulator.store.groups = None  # type: ignore[assignment]
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://emulator") as client:
            token = await client.post(
                "/connect/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": f"organization.{ORG}",
                    "client_secret": "s",
                },
            )
            bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
            return await client.get("/public/groups", headers=bearer)

    response = asyncio.run(broken())
    assert response.status_code == 500
    assert response.json() == {
        "object": "error",
        "message": "An unhandled server error has occurred.",
        "errors": None,
    }
