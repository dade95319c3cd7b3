"""A stop request (SIGINT, SIGTERM): no new call starts; calls in flight finish."""

from __future__ import annotations

import signal
import threading


class StopRequest:
    """Set once, from a signal handler; read by the executor before each call."""

    def __init__(self) -> None:
        self._event = threading.Event()
        self.signal: signal.Signals | None = None

    def set(self, signum: signal.Signals) -> bool:
        """Record the first stop request; False when one was already recorded."""
        if self._event.is_set():
            return False
        self.signal = signum
        self._event.set()
        return True

    def is_set(self) -> bool:
        return self._event.is_set()
