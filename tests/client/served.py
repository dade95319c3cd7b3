"""Helpers for tests that drive the client against a served emulator over real HTTP."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from pydantic import SecretStr

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.retry import RetryPolicy
from tests.fixtures.emulator import ServedEmulator

PATIENT = RetryPolicy(max_attempts=12, max_seconds=60, backoff_initial=0.01, backoff_max=0.1)


def client_for(served: ServedEmulator, **options: Any) -> BitwardenClient:
    settings: dict[str, Any] = {
        "api_url": served.api_url,
        "identity_url": served.identity_url,
        "rate_limit": "off",
        "retry_policy": PATIENT,
        "timeout": 10.0,
    }
    settings.update(options)
    return BitwardenClient(
        client_id=served.client_id, client_secret=SecretStr(served.client_secret), **settings
    )


def new_id() -> str:
    return str(uuid.uuid4())


def member(email: str, external_id: str | None, status: int = 2, **extra: Any) -> dict[str, Any]:
    return {"id": new_id(), "email": email, "externalId": external_id, "type": 2,
            "status": status, **extra}  # fmt: skip


def organization(**extra: Any) -> dict[str, Any]:
    base = {"name": "Acme", "useDirectory": True, "useGroups": True, "seats": 100000}
    return {**base, **extra}


def owner() -> dict[str, Any]:
    return member("owner@example.com", None, type=0, hasMasterPassword=True)


def event_counts(state: dict[str, Any]) -> Counter[int]:
    return Counter(event["type"] for event in state["events"])


def api_requests(served: ServedEmulator) -> list[dict[str, Any]]:
    """The request log without the control surface."""
    return [r for r in served.requests() if not r["path"].startswith("/_emulator")]
