"""Turning response bodies into models or errors, without ever surfacing a pydantic traceback."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import httpx
from pydantic import TypeAdapter, ValidationError

from dirsync.bitwarden.errors import AlreadyExists, BadRequest, InvalidResponse
from dirsync.bitwarden.models import ApiModel

T = TypeVar("T")

ALREADY_INVITED = "This user has already been invited."


class ListOf(ApiModel, Generic[T]):
    """``{"object":"list","data":[...]}`` (contract §0)."""

    data: list[T]


class PageOf(ApiModel, Generic[T]):
    """The events page: a list plus ``continuationToken`` (contract §0, §1 Events)."""

    data: list[T]
    continuation_token: str | None = None


def describe(response: httpx.Response) -> str:
    """Status, content type and the first bytes of the body, for error messages."""
    content_type = response.headers.get("content-type", "") or "none"
    head = response.content[:80].decode("utf-8", "replace")
    return f"status {response.status_code}, content-type {content_type}, body starts {head!r}"


def decode(response: httpx.Response, adapter: TypeAdapter[T], where: str) -> T:
    """Parse and validate a JSON body strictly (no "1" for 1, no "yes" for true),
    or raise :class:`InvalidResponse`."""
    try:
        return adapter.validate_json(response.content, strict=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        if first["type"] == "json_invalid":
            reason = "the response is not JSON"
        else:
            location = ".".join(str(part) for part in first["loc"]) or "(top level)"
            reason = (
                f"unexpected response shape at {location}: {first['msg']} "
                f"({exc.error_count()} problem(s))"
            )
        raise InvalidResponse(f"{where}: {reason} ({describe(response)})") from exc


def _error_body(response: httpx.Response) -> tuple[str, dict[str, list[str]]]:
    try:
        payload: Any = response.json()
    except ValueError:
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        raw = payload.get("errors") or payload.get("validationErrors")
        errors: dict[str, list[str]] = {}
        if isinstance(raw, dict):
            for key, value in raw.items():
                values = value if isinstance(value, list) else [value]
                errors[str(key)] = [str(v) for v in values]
        return payload["message"], errors
    return f"(no error message: {describe(response)})", {}


def bad_request(response: httpx.Response, where: str) -> BadRequest:
    """The :class:`BadRequest` (or :class:`AlreadyExists`) for a 4xx answer."""
    message, errors = _error_body(response)
    kind = AlreadyExists if message == ALREADY_INVITED else BadRequest
    return kind(where, response.status_code, message, errors)
