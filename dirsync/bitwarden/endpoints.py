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


CLOUD_API_HOSTS = frozenset(urlsplit(api).hostname for api, _ in CLOUD_PRESETS.values())


@dataclass(frozen=True)
class Endpoints:
    api_url: str
    identity_url: str
    cloud: bool
    """True for the US/EU presets: the only servers known to rate-limit."""
    self_hosted: bool = False
    """True for a self-hosted base URL: no subscription endpoint there (contract §7)."""
    api_key: str = "bitwarden.api_url"
    identity_key: str = "bitwarden.identity_url"
    """The configuration keys the URLs came from, for error messages."""

    @property
    def token_url(self) -> str:
        return f"{self.identity_url}/connect/token"


def _check_url(key: str, url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError(f"bitwarden.{key}: {url!r} is not an http(s) URL")
    return url.rstrip("/")


def _refuse_suffix(key: str, url: str, suffixes: tuple[str, ...], why: str) -> None:
    """A URL ending in a path dirsync adds itself (or one of the other server) is a mistake."""
    for suffix in suffixes:
        if url.lower().endswith(suffix):
            raise ConfigError(
                f"bitwarden.{key}: {url!r} ends in {suffix}: {why}; "
                f"did you mean {url[: -len(suffix)] or url!r}?"
            )


def _check_api_url(url: str) -> str:
    url = _check_url("api_url", url)
    _refuse_suffix("api_url", url, ("/public",), "give the API's root, dirsync adds /public/...")
    _refuse_suffix("api_url", url, ("/identity",), "that is the identity server, not the API")
    parts = urlsplit(url)
    if parts.hostname in CLOUD_API_HOSTS and parts.path not in ("", "/"):
        raise ConfigError(
            f"bitwarden.api_url: {url!r}: the cloud API has no path "
            f"({parts.scheme}://{parts.netloc}; or set bitwarden.server to us or eu)"
        )
    return url


def _check_identity_url(url: str) -> str:
    url = _check_url("identity_url", url)
    _refuse_suffix(
        "identity_url", url, ("/connect/token", "/connect"), "dirsync adds /connect/token"
    )
    _refuse_suffix("identity_url", url, ("/api",), "that is the API, not the identity server")
    return url


def _check_server(url: str) -> str:
    base = _check_url("server", url)
    _refuse_suffix(
        "server", base, ("/api", "/identity"), "give the server's base URL, dirsync adds it"
    )
    return base


def resolve_endpoints(
    server: str, api_url: str | None = None, identity_url: str | None = None
) -> Endpoints:
    """US/EU presets, a self-hosted base URL (``/api``, ``/identity``), or explicit URLs."""
    preset = CLOUD_PRESETS.get(server.strip().lower())
    if preset is not None:
        api, identity = preset
    else:
        base = _check_server(server.strip())
        api, identity = f"{base}/api", f"{base}/identity"
    api = _check_api_url(api_url) if api_url else api
    identity = _check_identity_url(identity_url) if identity_url else identity
    cloud = preset is not None and not api_url and not identity_url
    return Endpoints(
        api_url=api,
        identity_url=identity,
        cloud=cloud,
        self_hosted=preset is None and not api_url,
        api_key="bitwarden.api_url" if api_url else "bitwarden.server",
        identity_key="bitwarden.identity_url" if identity_url else "bitwarden.server",
    )


def not_the_api_hint(api_url: str) -> str:
    """Why a list endpoint may answer 404: what the API's root usually looks like."""
    parts = urlsplit(api_url)
    path = parts.path.rstrip("/")
    if parts.hostname in CLOUD_API_HOSTS or path.endswith("/api"):
        return "is this a Bitwarden server?"
    if not path:
        return f"a self-hosted server serves the API under /api: try {api_url}/api"
    return "a self-hosted server serves the API at its base URL + /api"


def resolve_rate_limit(setting: str, endpoints: Endpoints) -> RateLimitMode:
    """``auto``: the cloud limits for the US/EU presets; none for self-hosted or explicit URLs."""
    if setting == "auto":
        return "cloud" if endpoints.cloud else "off"
    if setting in ("cloud", "off"):
        return "cloud" if setting == "cloud" else "off"
    raise ConfigError(f"bitwarden.rate_limit: {setting!r} is not one of auto, cloud, off")
