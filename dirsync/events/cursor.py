"""The export's cursor in the state directory: how far it has written, and what it wrote last.

``through``: every event dated up to it has been read and written. ``seen``: the key and
date of each event written within the overlap window before ``through``, so a run that
reads that window again writes none of them twice. ``output``: the output file and its
size when the cursor was saved, so lines written after that (a run killed between writing
and saving) are found again instead of written twice. Saved atomically (temporary file,
fsync, rename, fsync of the directory); a corrupt cursor is an error, never reset.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from dirsync.atomic import write_atomically
from dirsync.events import EventsError

CURSOR_FILE = "cursor.json"
VERSION = 1


@dataclass(frozen=True, slots=True)
class OutputMark:
    """An output file as it was when the cursor was saved."""

    path: str
    inode: int
    size: int


@dataclass(frozen=True, slots=True)
class Cursor:
    through: datetime | None = None
    seen: Mapping[str, datetime] = field(default_factory=dict)
    output: OutputMark | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "through": self.through.isoformat() if self.through else None,
            "seen": {key: date.isoformat() for key, date in sorted(self.seen.items())},
            "output": None
            if self.output is None
            else {"path": self.output.path, "inode": self.output.inode, "size": self.output.size},
        }

    @classmethod
    def from_json(cls, data: Any, where: Path) -> Cursor:
        try:
            if data.get("version") != VERSION:
                raise ValueError(f"unsupported version {data.get('version')!r}")
            output = data["output"]
            return cls(
                through=_date(data["through"]) if data["through"] is not None else None,
                seen={str(key): _date(value) for key, value in data["seen"].items()},
                output=None
                if output is None
                else OutputMark(str(output["path"]), int(output["inode"]), int(output["size"])),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise EventsError(
                f"events cursor {where} is corrupt ({type(exc).__name__}: {exc}); fix or "
                "restore it, or remove it to export again from events.first_days back"
            ) from None


def _date(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date, got {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"date {value!r} has no time zone")
    return parsed


def load_cursor(directory: Path) -> Cursor:
    """The saved cursor, or an empty one before the first export."""
    path = directory / CURSOR_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Cursor()
    except OSError as exc:
        raise EventsError(f"cannot read events cursor {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise EventsError(f"events cursor {path} is corrupt (not JSON: {exc})") from None
    return Cursor.from_json(data, path)


def save_cursor(directory: Path, cursor: Cursor) -> None:
    """Replace the cursor file atomically."""
    path = directory / CURSOR_FILE
    body = json.dumps(cursor.to_json(), indent=1).encode()
    try:
        write_atomically(path, body)
    except OSError as exc:
        raise EventsError(f"cannot write events cursor {path}: {exc.strerror}") from None
