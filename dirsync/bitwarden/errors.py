"""Errors raised by the Bitwarden client. Every one derives from :class:`BitwardenError`.

Exception tree::

    BitwardenError          anything the client raises on purpose
    ├── AuthError           credentials rejected (invalid_client), 401 after one re-auth, 403
    ├── NotFound            404: the id is not in this organization
    ├── BadRequest          400/409 and other 4xx: carries the server's message and errors
    │   └── AlreadyExists   400 "This user has already been invited." on a first attempt
    ├── RateLimited         429 still returned after every retry allowed
    ├── Transient           5xx or a transport error still failing after every retry allowed
    ├── Unreachable         no connection to a server that never answered (never retried)
    ├── TlsError            the server's certificate is not trusted (never retried)
    ├── DryRunRefused       a write attempted in dry-run mode; nothing was sent
    └── InvalidResponse     a malformed answer (not JSON, wrong shape or types, an HTML page)
                            still coming after every retry allowed

Messages name the request (method and path), and the server's URL and configuration key
when the server may be at fault; they never contain the client secret or a token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence


class BitwardenError(Exception):
    """Base class of every error the client raises."""


class AuthError(BitwardenError):
    """The identity server or the API refused our credentials or token."""


class NotFound(BitwardenError):
    """404: the member, group or collection is not in this organization."""


class BadRequest(BitwardenError):
    """The server refused the request; ``message`` and ``errors`` are the server's own."""

    def __init__(
        self,
        where: str,
        status: int,
        message: str,
        errors: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.where = where
        self.status = status
        self.message = message
        self.errors: dict[str, list[str]] = {k: list(v) for k, v in (errors or {}).items()}
        details = "; ".join(
            f"{key or '(body)'}: {' '.join(msgs)}" for key, msgs in self.errors.items()
        )
        super().__init__(f"{where}: {status} {message}" + (f" ({details})" if details else ""))


class AlreadyExists(BadRequest):
    """The email is already a member of the organization."""


class RateLimited(BitwardenError):
    """429 after all retries; ``retry_after`` is the server's last advice in seconds."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class Transient(BitwardenError):
    """A server error or network failure that outlasted the retry budget."""


class Unreachable(BitwardenError):
    """The first connection to a server failed (refused, no such host): a wrong URL or a
    stopped server, not worth retrying."""


class TlsError(BitwardenError):
    """The server's TLS certificate failed verification: retrying cannot help."""


class DryRunRefused(BitwardenError):
    """Dry-run mode: a non-GET request was stopped before it was sent."""


class InvalidResponse(BitwardenError):
    """The server's answer could not be understood."""
