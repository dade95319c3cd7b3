"""Progress of long phases (reading the source, group memberships, applying).

The core reports through :class:`Progress`; only the CLI decides whether it is shown
(on a terminal) or dropped (under systemd, in pipes and tests).
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    def update(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        """*phase* is under way; *done* of *total* items when they are counted. Thread-safe."""

    def close(self) -> None:
        """The last phase ended: remove any trace of the display."""


class NoProgress:
    """Shows nothing."""

    def update(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        return None

    def close(self) -> None:
        return None
