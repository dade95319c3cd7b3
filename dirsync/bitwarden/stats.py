"""Request accounting for reports and benchmarks: calls, retries, 429s, throttle waits."""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from typing import Any

_ID = re.compile(r"/[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_POLICY_TYPE = re.compile(r"(/public/policies)/\d+")


def path_kind(path: str) -> str:
    """``/public/members/<uuid>/revoke`` -> ``/public/members/{id}/revoke``."""
    kind = _ID.sub("/{id}", path)
    return _POLICY_TYPE.sub(r"\1/{type}", kind)


@dataclass(frozen=True)
class RequestStats:
    """A snapshot of the counters. ``calls`` is keyed by ``"VERB /path/kind"``."""

    calls: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    rate_limited: int = 0
    """429 responses received."""
    throttle_wait_seconds: float = 0.0
    token_requests: int = 0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())

    def as_dict(self) -> dict[str, Any]:
        return {
            "calls": dict(sorted(self.calls.items())),
            "total_calls": self.total_calls,
            "retries": self.retries,
            "rate_limited": self.rate_limited,
            "throttle_wait_seconds": round(self.throttle_wait_seconds, 3),
            "token_requests": self.token_requests,
        }


class StatsRecorder:
    """Thread-safe counters behind :class:`RequestStats`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, int] = {}
        self._retries = 0
        self._rate_limited = 0
        self._wait = 0.0
        self._tokens = 0

    def call(self, method: str, path: str) -> None:
        key = f"{method} {path_kind(path)}"
        with self._lock:
            self._calls[key] = self._calls.get(key, 0) + 1
            if path.endswith("/connect/token"):
                self._tokens += 1

    def retry(self) -> None:
        with self._lock:
            self._retries += 1

    def rate_limited(self) -> None:
        with self._lock:
            self._rate_limited += 1

    def waited(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._wait += seconds

    def snapshot(self) -> RequestStats:
        with self._lock:
            return RequestStats(
                calls=dict(self._calls),
                retries=self._retries,
                rate_limited=self._rate_limited,
                throttle_wait_seconds=self._wait,
                token_requests=self._tokens,
            )
