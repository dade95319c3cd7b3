"""Adaptive concurrency: how many API requests one client keeps in flight.

The server budgets each concrete path on its own (contract §4), so requests on different
paths may go out together, and across the internet the width of that fan-out is what sets
a run's wall time. The width starts at ``initial`` and, like TCP's slow start, grows by one
per clean answer (it doubles every round trip) until the first back-off, then by
1/width per answer; it never passes ``ceiling``. A 429 or a transport failure halves it
and ends the doubling. When the typical answer of a kind (a moving average, so that one
late answer does not count) grows past twice the fastest of that kind plus ``slack``, a
quarter comes off, but the width may double back: rising latency is a softer sign than a
refusal.
One back-off per round trip: answers to requests sent before the last cut do not cut again,
so a burst of 429s from one volley counts once. Per-path budgets stay the throttle's job.

Width only pays while requests wait on the network: by Little's law a round trip of R
seconds keeps about R / S requests busy, S being the time one request takes to prepare
and read here. So once a round trip is known the width stays under twice that (and at
least ``floor``): on a LAN a few at once, across the internet up to the ceiling. More
threads than that would only fight over the interpreter, and slow the directory read
that runs alongside.
"""

from __future__ import annotations

import enum
import math
import threading
import time
from collections.abc import Callable


class Answer(enum.Enum):
    CLEAN = "clean"
    LIMITED = "limited"
    """A 429, or a transport failure: too much at once."""
    NEUTRAL = "neutral"
    """A server error: says nothing about the width."""


class AdaptiveLimit:
    """Thread-safe gate: :meth:`acquire` before sending, :meth:`release` with the answer."""

    def __init__(
        self,
        ceiling: int,
        initial: int = 64,
        *,
        slack: float = 0.05,
        service_seconds: float = 0.003,
        floor: int = 4,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if ceiling < 1:
            raise ValueError("ceiling must be >= 1")
        self.ceiling = ceiling
        self._limit = float(max(1, min(initial, ceiling)))
        self._threshold = float(ceiling)
        self._slack = slack
        self._service = service_seconds
        self._floor = min(floor, ceiling)
        self._clock = clock
        self._in_flight = 0
        self._fastest: dict[str, float] = {}
        self._typical: dict[str, float] = {}
        self._useful = ceiling
        """The width the fastest round trip can use (kept as answers come, not recomputed
        on every acquire)."""
        self.round_trip: float | None = None
        """The fastest clean answer so far: the network's round trip plus the least a
        server takes; None before any."""
        self._last_cut = float("-inf")
        self._changed = threading.Condition()
        self.peak = 0
        """The most requests in flight at once so far."""
        self.cuts = 0

    @property
    def limit(self) -> int:
        """The width now: the adaptive one, under what the round trip can use."""
        return min(int(self._limit), self._useful)

    def acquire(self) -> None:
        """Wait until fewer than the current width are in flight, and take a place."""
        with self._changed:
            while self._in_flight >= self.limit:
                self._changed.wait()
            self._in_flight += 1
            self.peak = max(self.peak, self._in_flight)

    def observe(self, kind: str, elapsed: float) -> None:
        """A round trip measured outside the gate (the token request)."""
        with self._changed:
            self._record(kind, elapsed)
            self._wake()

    def _record(self, kind: str, elapsed: float) -> float | None:
        """Remember *elapsed* if it is the fastest of its kind; the fastest before it."""
        fastest = self._fastest.get(kind)
        if fastest is None or elapsed < fastest:
            self._fastest[kind] = elapsed
        if self.round_trip is None or elapsed < self.round_trip:
            self.round_trip = elapsed
            wide = math.ceil(2 * elapsed / self._service)
            self._useful = max(self._floor, min(self.ceiling, wide))
        return fastest

    def release(self, sent: float, kind: str, answer: Answer) -> None:
        """Give the place back; *sent* is when the request left (on this object's clock),
        *kind* its path pattern (latency is compared within a kind)."""
        elapsed = self._clock() - sent
        with self._changed:
            self._in_flight -= 1
            if answer is Answer.LIMITED:
                self._cut(sent, 0.5, hard=True)
            elif answer is Answer.CLEAN:
                fastest = self._record(kind, elapsed)
                typical = self._typical.get(kind, elapsed) * 0.8 + elapsed * 0.2
                self._typical[kind] = typical
                if fastest is not None and typical > 2 * fastest + self._slack:
                    self._cut(sent, 0.75, hard=False)
                elif self._limit < self._threshold:
                    self._limit = min(self.ceiling, self._limit + 1)
                else:
                    self._limit = min(self.ceiling, self._limit + 1 / self._limit)
            self._wake()

    def _wake(self) -> None:
        """Wake as many waiters as there is room for (not all: a herd of threads woken to
        find no room costs the interpreter more than the requests)."""
        room = self.limit - self._in_flight
        if room > 0:
            self._changed.notify(room)

    def _cut(self, sent: float, factor: float, *, hard: bool) -> None:
        if sent <= self._last_cut:
            return
        self._last_cut = self._clock()
        self._limit = max(1.0, min(self._limit, self._useful) * factor)
        if hard:
            self._threshold = self._limit
        self.cuts += 1
