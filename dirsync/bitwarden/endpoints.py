"""Where the API and identity servers are (contract §3), and which rate limits apply (§4)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from dirsync.config import ConfigError

CLOUD_PRESETS: dict[str, tuple[str, str]] = {
    "us": ("https://api.bitwarden.com", "https://identity.bitwarden.com"),
    "eu": ("https://api.bitwarden.eu", "https://identity.bitwarden.eu"),
}

RateLimitMode = Literal["cloud", "off"]


@dataclass(frozen=True)
class Endpoints:
    api_url: str
    identity_url: str
    cloud: bool
    """True for the US/EU presets: the only servers known to rate-limit."""

    @property
    def token_url(self) -> str:
        return f"{self.identity_url}/connect/token"


def _check_url(key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"bitwarden.{key}: {url!r} is not an http(s) URL")
    return url.rstrip("/")


def resolve_endpoints(
    server: str, api_url: str | None = None, identity_url: str | None = None
) -> Endpoints:
    """US/EU presets, a self-hosted base URL (``/api``, ``/identity``), or explicit URLs."""
    preset = CLOUD_PRESETS.get(server.strip().lower())
    if preset is not None:
        api, identity = preset
    else:
        base = _check_url("server", server.strip())
        api, identity = f"{base}/api", f"{base}/identity"
    api = _check_url("api_url", api_url) if api_url else api
    identity = _check_url("identity_url", identity_url) if identity_url else identity
    cloud = preset is not None and not api_url and not identity_url
    return Endpoints(api_url=api, identity_url=identity, cloud=cloud)


def resolve_rate_limit(setting: str, endpoints: Endpoints) -> RateLimitMode:
    """``auto``: the cloud limits for the US/EU presets; none for self-hosted or explicit URLs."""
    if setting == "auto":
        return "cloud" if endpoints.cloud else "off"
    if setting in ("cloud", "off"):
        return "cloud" if setting == "cloud" else "off"
    raise ConfigError(f"bitwarden.rate_limit: {setting!r} is not one of auto, cloud, off")
