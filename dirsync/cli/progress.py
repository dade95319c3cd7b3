"""A one-line progress display on stderr, for terminals only."""

from __future__ import annotations

import threading
import time
from typing import TextIO

from dirsync.progress import NoProgress, Progress

REDRAW_SECONDS = 0.1


class TerminalProgress:
    """Redraws one status line in place (at most every 0.1 s, and at each new phase)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()
        self._phase = ""
        self._drawn_at = 0.0
        self._dirty = False

    def update(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        now = time.monotonic()
        with self._lock:
            new_phase = phase != self._phase
            finished = done is not None and done == total
            if not (new_phase or finished or now - self._drawn_at >= REDRAW_SECONDS):
                return
            self._phase = phase
            self._drawn_at = now
            counted = f" {done}/{total}" if done is not None and total else ""
            self._stream.write(f"\r\x1b[K{phase}…{counted}")
            self._stream.flush()
            self._dirty = True

    def close(self) -> None:
        with self._lock:
            if self._dirty:
                self._stream.write("\r\x1b[K")
                self._stream.flush()
            self._dirty = False
            self._phase = ""


def progress_for(stream: TextIO) -> Progress:
    """A live display when *stream* is a terminal; nothing otherwise."""
    return TerminalProgress(stream) if stream.isatty() else NoProgress()
