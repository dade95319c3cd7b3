"""Client-side rate limiter mirroring the cloud server's counters (contract §4).

The server counts per client IP + period + HTTP verb + concrete path, so each
(verb, path) pair here has its own sliding log per rule. A sliding log is at
least as strict as the server's fixed windows; each window is stretched by a
margin (a fraction plus a fixed slack) so scheduling and network jitter cannot
squeeze one request too many into a server window. The per-second write rule
is also paced (requests spread over the second, not sent in a burst of five):
a burst that reaches a busy server late is what such jitter turns into a 429.
``X-Rate-Limit-Remaining: 0`` on a response blocks that pair until
``X-Rate-Limit-Reset``.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

WRITE_METHODS = frozenset({"POST", "PUT", "DELETE"})


@dataclass(frozen=True)
class Limit:
    """At most ``count`` requests per ``period`` seconds for matching (verb, path) pairs."""

    methods: frozenset[str]
    period: float
    count: int
    path_suffix: str = ""
    paced: bool = False
    """Also space requests evenly (``period / count`` apart) instead of in bursts."""

    def applies(self, method: str, path: str) -> bool:
        return method in self.methods and path.endswith(self.path_suffix)


def cloud_limits(scale: float = 1.0) -> tuple[Limit, ...]:
    """The published cloud limits; ``scale`` > 1 shrinks the windows like the emulator's."""
    token = frozenset({"POST"})
    return (
        Limit(WRITE_METHODS, 1 / scale, 5, paced=True),
        Limit(WRITE_METHODS, 60 / scale, 60),
        Limit(frozenset({"GET"}), 60 / scale, 200),
        Limit(token, 60 / scale, 10, path_suffix="/connect/token"),
    )


class Throttle:
    """Thread-safe: :meth:`acquire` blocks until a request may be sent and returns the wait."""

    def __init__(
        self,
        limits: tuple[Limit, ...],
        *,
        margin: float = 0.05,
        slack: float = 0.05,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._limits = limits
        self._margin = margin
        self._slack = slack
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._logs: dict[tuple[str, str, int], deque[float]] = {}
        self._blocked_until: dict[tuple[str, str], float] = {}
        self._longest = max((limit.period for limit in limits), default=0.0)

    def _delay(self, method: str, path: str, now: float) -> float:
        delay = self._blocked_until.get((method, path), now) - now
        for index, limit in enumerate(self._limits):
            if not limit.applies(method, path):
                continue
            window = limit.period * (1 + self._margin) + self._slack
            log = self._logs.setdefault((method, path, index), deque())
            while log and log[0] <= now - window:
                log.popleft()
            if len(log) >= limit.count:
                delay = max(delay, log[-limit.count] + window - now)
            if limit.paced and log:
                delay = max(delay, log[-1] + window / limit.count - now)
        return delay

    def acquire(self, method: str, path: str) -> float:
        """Wait for a slot for ``method path``, take it, and return the seconds waited."""
        started = self._clock()
        while True:
            with self._lock:
                now = self._clock()
                delay = self._delay(method, path, now)
                if delay <= 0:
                    for index, limit in enumerate(self._limits):
                        if limit.applies(method, path):
                            self._logs[(method, path, index)].append(now)
                    return now - started
            self._sleep(delay)

    def observe(self, method: str, path: str, headers: Mapping[str, str]) -> None:
        """Honour ``X-Rate-Limit-Remaining: 0`` until ``X-Rate-Limit-Reset``."""
        if headers.get("x-rate-limit-remaining", "").strip() != "0":
            return
        wait = _reset_in(headers.get("x-rate-limit-reset", ""))
        if wait is None or wait <= 0:
            return
        with self._lock:
            now = self._clock()
            until = now + min(wait, self._longest * (1 + self._margin) + self._slack)
            key = (method, path)
            self._blocked_until[key] = max(self._blocked_until.get(key, now), until)


def _reset_in(value: str) -> float | None:
    """Seconds until a reset given as delta seconds, epoch seconds or an ISO-8601 time."""
    value = value.strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        if moment.tzinfo is None:
            return None
        return moment.timestamp() - time.time()
    return number - time.time() if number > 1e9 else number
