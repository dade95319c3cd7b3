"""The token endpoint (contract §3) and bearer-token checks (contract §0 "Auth")."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

SCOPE = "api.organization"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    """A token request the identity server refuses; `error` is the OAuth error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass
class TokenIssuer:
    """Signs JWT-shaped access tokens (typ at+jwt, exp claim) and checks them."""

    lifetime: int = 3600
    clock_skew: float = 1.0
    """Seconds a token stays accepted after `exp` (ASP.NET's default is 300, contract §6)."""
    _key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    _generation: int = 0

    def issue(self, form: dict[str, str], org_id: str, client_secret: str, enabled: bool) -> str:
        """Check a client-credentials request and return a signed token."""
        if form.get("grant_type") != "client_credentials":
            raise TokenError("unsupported_grant_type")
        expected_client = f"organization.{org_id}"
        client_id = form.get("client_id", "").lower().encode()
        client_ok = hmac.compare_digest(client_id, expected_client.encode())
        secret_ok = hmac.compare_digest(
            form.get("client_secret", "").encode(), client_secret.encode()
        )
        if not (client_ok and secret_ok and enabled):
            raise TokenError("invalid_client")
        scope = form.get("scope", SCOPE)
        if scope.split() != [SCOPE]:
            raise TokenError("invalid_scope")
        now = int(time.time())
        header = {"alg": "HS256", "typ": "at+jwt"}
        claims = {
            "iss": "emulator",
            "nbf": now,
            "iat": now,
            "exp": now + self.lifetime,
            "scope": [SCOPE],
            "client_id": expected_client,
            "client_sub": org_id,
            "client_type": "Organization",
            "gen": self._generation,
            "jti": secrets.token_hex(16),
        }
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        signature = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        return f"{signing_input}.{_b64(signature)}"

    def claims(self, token: str) -> dict[str, Any] | None:
        """The claims of a valid, unexpired, unrevoked token; None otherwise."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        signing_input = f"{parts[0]}.{parts[1]}"
        expected = hmac.new(self._key, signing_input.encode(), hashlib.sha256).digest()
        try:
            if not hmac.compare_digest(_unb64(parts[2]), expected):
                return None
            claims: dict[str, Any] = json.loads(_unb64(parts[1]))
        except ValueError:
            return None
        if claims.get("gen") != self._generation:
            return None
        if time.time() > claims["exp"] + self.clock_skew:
            return None
        return claims

    def revoke_all(self) -> None:
        """Make every token issued so far invalid."""
        self._generation += 1
