"""A scripted httpx.MockTransport server for narrow client edge cases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx
from pydantic import SecretStr

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.retry import RetryPolicy

API = "https://api.test"
IDENTITY = "https://identity.test"
SECRET = "s3cret-value-never-shown"
FAST = RetryPolicy(max_attempts=4, backoff_initial=0.001, backoff_max=0.002, max_retry_after=0.01)

Handler = Callable[[httpx.Request], httpx.Response]


class FakeServer:
    """Answers the token endpoint itself and passes API requests to ``handler``."""

    def __init__(self, handler: Handler, *, lifetime: int = 3600) -> None:
        self.handler = handler
        self.lifetime = lifetime
        self.token_requests = 0
        self.token_response: httpx.Response | None = None
        self.seen: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.seen.append((request.method, request.url.path))
        if request.url.path == "/connect/token":
            with self._lock:
                self.token_requests += 1
                number = self.token_requests
            if self.token_response is not None:
                return self.token_response
            body = {"access_token": f"tok{number}", "expires_in": self.lifetime}
            return httpx.Response(200, json=body)
        return self.handler(request)

    def client(self, **options: Any) -> BitwardenClient:
        settings: dict[str, Any] = {
            "rate_limit": "off",
            "retry_policy": FAST,
            "transport": httpx.MockTransport(self),
        }
        settings.update(options)
        return BitwardenClient(
            api_url=API,
            identity_url=IDENTITY,
            client_id="organization.0b1e5a6c-0000-4000-8000-000000000001",
            client_secret=SecretStr(SECRET),
            **settings,
        )


def member_json(member_id: str, email: str, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "object": "member",
        "id": member_id,
        "userId": None,
        "name": None,
        "email": email,
        "twoFactorEnabled": False,
        "status": 0,
        "collections": [],
        "resetPasswordEnrolled": False,
        "ssoExternalId": None,
        "type": 2,
        "externalId": None,
        "permissions": None,
    }
    body.update(extra)
    return body


def listing(*items: dict[str, Any]) -> dict[str, Any]:
    return {"object": "list", "data": list(items)}
