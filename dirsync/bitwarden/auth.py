"""OAuth2 client credentials (contract §3): a cached token, renewed ahead of expiry.

:class:`TokenCache` fetches one token at a time for all threads and renews it
before it expires (a tenth of its lifetime ahead, at most a minute), so the
token endpoint sees about one request per lifetime. :class:`BearerAuth` is the
httpx auth flow: on a 401 it drops the rejected token, fetches a fresh one and
sends the request once more; a second 401 reaches the caller, which reports an
:class:`AuthError`. Credentials are never stored outside the cache's fetch
function and never appear in messages.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass

import httpx

from dirsync.bitwarden.errors import AuthError, InvalidResponse

RENEW_FRACTION = 0.1
RENEW_MAX_SECONDS = 60.0


@dataclass(frozen=True)
class Token:
    value: str
    lifetime: float


def parse_token_response(
    response: httpx.Response, token_url: str, key: str = "bitwarden.identity_url"
) -> Token:
    """The token from a /connect/token answer; AuthError or InvalidResponse otherwise.
    *key* is the configuration key the URL came from."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    if response.status_code != 200:
        error = payload.get("error") if isinstance(payload, dict) else None
        if error == "invalid_client":
            raise AuthError(
                f"Bitwarden rejected the client id/secret (invalid_client) at {token_url}: "
                "check bitwarden.client_id (organization.<org id>) and the client secret, and "
                "that the organization may use the API"
            )
        detail = f"error {error!r}" if isinstance(error, str) else "no OAuth error code"
        raise AuthError(
            f"token request to {token_url} ({key}) failed: {response.status_code}, {detail}"
        )
    if not isinstance(payload, dict):
        content_type = response.headers.get("content-type", "")
        raise InvalidResponse(
            f"POST {token_url}: the token response is not a JSON object "
            f"(status 200, content-type {content_type!r}); is {key} the identity server?"
        )
    value, lifetime = payload.get("access_token"), payload.get("expires_in")
    if not isinstance(value, str) or not value:
        raise InvalidResponse(f"POST {token_url}: the token response has no access_token")
    if isinstance(lifetime, bool) or not isinstance(lifetime, int | float) or lifetime <= 0:
        raise InvalidResponse(f"POST {token_url}: the token response has no valid expires_in")
    return Token(value=value, lifetime=float(lifetime))


class TokenCache:
    """Thread-safe single-flight token holder."""

    def __init__(
        self, fetch: Callable[[], Token], clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._value: str | None = None
        self._renew_at = 0.0

    def get(self) -> str:
        """A token that has not reached its renewal time, fetching one if needed."""
        with self._lock:
            if self._value is None or self._clock() >= self._renew_at:
                started = self._clock()
                token = self._fetch()
                ahead = min(RENEW_MAX_SECONDS, token.lifetime * RENEW_FRACTION)
                self._value = token.value
                self._renew_at = started + token.lifetime - ahead
            return self._value

    def invalidate(self, value: str) -> None:
        """Forget ``value`` if it is still the cached token (another thread may have renewed)."""
        with self._lock:
            if self._value == value:
                self._value = None


class BearerAuth(httpx.Auth):
    """Adds the bearer token; on a 401, one fresh token and one resend."""

    def __init__(self, cache: TokenCache, before_resend: Callable[[httpx.Request], None]) -> None:
        self._cache = cache
        self._before_resend = before_resend

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._cache.get()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code == 401:
            self._cache.invalidate(token)
            request.headers["Authorization"] = f"Bearer {self._cache.get()}"
            self._before_resend(request)
            yield request
