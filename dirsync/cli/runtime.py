"""What the sync commands share: the clock, the client, and errors as one line + exit 1."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from datetime import UTC, datetime

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.errors import BitwardenError
from dirsync.cli.context import fail
from dirsync.config import ConfigError, Settings
from dirsync.sources.errors import SourceError
from dirsync.sync.errors import SyncError

NOW_ENV = "DIRSYNC_NOW"
"""An ISO-8601 time with zone that replaces the clock (tests, replaying a day)."""


def current_time() -> datetime:
    value = os.environ.get(NOW_ENV)
    if not value:
        return datetime.now(UTC)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{NOW_ENV}={value!r} is not an ISO-8601 time")
    if parsed.tzinfo is None:
        fail(f"{NOW_ENV}={value!r} needs a time zone, e.g. 2026-11-01T00:00:00+00:00")
    return parsed


def error_message(exc: BaseException, settings: Settings | None = None) -> str | None:
    """The one line for an error that stops a run safely (None: a bug, let it show)."""
    if isinstance(exc, SourceError):
        kind = settings.source.type if settings is not None else "source"
        return f"{kind} source: {exc}; nothing was changed"
    if isinstance(exc, ConfigError | SyncError):
        return str(exc)
    if isinstance(exc, BitwardenError):
        return f"Bitwarden API: {exc}"
    return None


@contextlib.contextmanager
def one_line_errors(settings: Settings | None = None) -> Iterator[None]:
    """Configuration, source, state and API errors become one stderr line and exit 1."""
    try:
        yield
    except (SourceError, ConfigError, SyncError, BitwardenError) as exc:
        fail(error_message(exc, settings) or str(exc))


def open_client(settings: Settings, *, dry_run: bool) -> BitwardenClient:
    with one_line_errors(settings):
        return BitwardenClient.from_config(settings.bitwarden, dry_run=dry_run)
