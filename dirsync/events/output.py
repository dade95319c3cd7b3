"""Where exported events go: JSON lines on a stream (the journal), or appended to a file
that is rotated by day or size.

A file write is flushed and fsynced before the cursor moves. :meth:`FileSink.recover`
reads back the lines written after the cursor's mark (a run killed between the two), so
they are not written again, and cuts off a last line the kill left half-written.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TextIO

from dirsync.events import EventsError
from dirsync.events.cursor import OutputMark

log = logging.getLogger(__name__)


class Sink(Protocol):
    def recover(self, mark: OutputMark | None) -> list[dict[str, Any]]:
        """Events written after *mark* (the cursor's), complete lines only."""

    def write(self, lines: Sequence[str], now: datetime) -> OutputMark | None:
        """Append *lines* durably; the mark to save in the cursor."""


class StreamSink:
    """Standard output: nothing to read back, so a kill between writing and saving the
    cursor repeats the last batch (at least once, never a gap)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def recover(self, mark: OutputMark | None) -> list[dict[str, Any]]:
        return []

    def write(self, lines: Sequence[str], now: datetime) -> OutputMark | None:
        if lines:
            self._stream.write("".join(line + "\n" for line in lines))
            self._stream.flush()
        return None


class FileSink:
    """Appends to *path*; ``rotate`` "day" renames it to ``NAME-YYYY-MM-DD.EXT`` on the
    first write of a new UTC day, "size" to ``NAME-YYYYmmddTHHMMSSZ.EXT`` once it reaches
    *max_bytes*; *keep* rotated files stay (0: all)."""

    def __init__(self, path: Path, *, rotate: str, max_bytes: int, keep: int) -> None:
        self.path = path
        self._rotate = rotate
        self._max_bytes = max_bytes
        self._keep = keep

    def recover(self, mark: OutputMark | None) -> list[dict[str, Any]]:
        try:
            with self.path.open("rb+") as handle:
                size = os.fstat(handle.fileno()).st_size
                same = (
                    mark is not None
                    and mark.path == str(self.path)
                    and mark.inode == os.fstat(handle.fileno()).st_ino
                    and mark.size <= size
                )
                start = mark.size if same and mark is not None else 0
                handle.seek(start)
                tail = handle.read()
                complete = tail.rfind(b"\n") + 1
                if complete < len(tail):
                    log.warning("events: cutting a half-written last line off %s", self.path)
                    handle.truncate(start + complete)
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise EventsError(f"cannot read events file {self.path}: {exc.strerror}") from None
        found: list[dict[str, Any]] = []
        for number, line in enumerate(tail[:complete].splitlines(), 1):
            try:
                found.append(json.loads(line))
            except ValueError:
                log.warning("events: %s: line %d after the cursor is not JSON", self.path, number)
        return found

    def write(self, lines: Sequence[str], now: datetime) -> OutputMark | None:
        try:
            self._rotate_if_due(now)
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
            try:
                data = "".join(line + "\n" for line in lines).encode()
                written = 0
                while written < len(data):
                    written += os.write(fd, data[written:])
                os.fsync(fd)
                status = os.fstat(fd)
            finally:
                os.close(fd)
        except OSError as exc:
            raise EventsError(f"cannot write events file {self.path}: {exc.strerror}") from None
        return OutputMark(str(self.path), status.st_ino, status.st_size)

    def _rotate_if_due(self, now: datetime) -> None:
        try:
            status = self.path.stat()
        except FileNotFoundError:
            return
        if status.st_size == 0:
            return
        day = datetime.fromtimestamp(status.st_mtime, UTC).date()
        if self._rotate == "day" and day < now.astimezone(UTC).date():
            label = day.isoformat()
        elif self._rotate == "size" and status.st_size >= self._max_bytes:
            label = now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
        else:
            return
        target = self._free_name(label)
        os.rename(self.path, target)
        log.info("events: rotated %s to %s", self.path, target.name)
        self._prune()

    def _free_name(self, label: str) -> Path:
        stem, suffix = self.path.stem, self.path.suffix
        target = self.path.with_name(f"{stem}-{label}{suffix}")
        number = 1
        while target.exists():
            target = self.path.with_name(f"{stem}-{label}.{number}{suffix}")
            number += 1
        return target

    def _prune(self) -> None:
        if self._keep == 0:
            return
        stem, suffix = self.path.stem, self.path.suffix
        rotated = sorted(
            self.path.parent.glob(f"{stem}-[0-9]*{suffix}"),
            key=lambda p: (p.stat().st_mtime, p.name),
        )
        for old in rotated[: -self._keep]:
            old.unlink()
            log.info("events: removed the old rotated file %s", old.name)
