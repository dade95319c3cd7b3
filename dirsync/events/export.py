"""The incremental export (cursor, overlap, de-duplication) and one-off reads.

Each slice is written, then the cursor moves to the slice's end: never before the
output holds it, so a failure leaves no gap. Each run reads again
``events.overlap_minutes`` before the cursor, for events that reach the log late, and
skips what the cursor says it already wrote, so nothing is written twice.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from dirsync.bitwarden.models import Event, Member
from dirsync.bitwarden.reads import ReadClient
from dirsync.config import EventsConfig
from dirsync.events.cursor import Cursor, load_cursor, save_cursor
from dirsync.events.output import Sink
from dirsync.events.reader import People, Selection, SliceReader, event_key, record
from dirsync.progress import Progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Summary:
    written: int
    read: int
    pages: int
    through: datetime | None


def line(fields: dict[str, Any]) -> str:
    return json.dumps(fields, separators=(",", ":"), ensure_ascii=False)


def _recovered(records: Iterable[dict[str, Any]]) -> dict[str, datetime]:
    """Key and date of each exported line read back from the output."""
    found: dict[str, datetime] = {}
    for fields in records:
        key, date = fields.get("eventKey"), fields.get("date")
        if isinstance(key, str) and isinstance(date, str):
            try:
                found[key] = datetime.fromisoformat(date)
            except ValueError:
                continue
    return found


def export(
    client: ReadClient,
    sink: Sink,
    directory: Path,
    config: EventsConfig,
    now: datetime,
    progress: Progress,
) -> Summary:
    """Write every event since the cursor once; move the cursor after each slice."""
    cursor = load_cursor(directory)
    overlap = timedelta(minutes=config.overlap_minutes)
    seen = {**cursor.seen, **_recovered(sink.recover(cursor.output))}
    if cursor.through is None:
        start = now - timedelta(days=config.first_days)
    else:
        start = cursor.through - overlap
    people = People.of(client.list_members())
    reader = SliceReader(client, progress)
    mark, through, written = cursor.output, cursor.through, 0
    for _, b, events in reader.slices(start, now):
        fresh: list[Event] = []
        for event in events:
            key = event_key(event)
            if key not in seen:
                seen[key] = event.date
                fresh.append(event)
        if fresh:
            mark = sink.write([line(record(e, people)) for e in fresh], now)
            written += len(fresh)
        seen = {key: date for key, date in seen.items() if date >= b - overlap}
        through = b
        save_cursor(directory, Cursor(through, seen, mark))
        if fresh:
            log.info("events: %d written, cursor at %s", written, b.isoformat())
    return Summary(written, reader.read, reader.pages, through)


def read_once(
    client: ReadClient,
    start: datetime,
    end: datetime,
    selection: Selection,
    emit: Callable[[list[dict[str, Any]]], None],
    progress: Progress,
    known: Iterable[Member] = (),
) -> Summary:
    """Hand the selected events of [start, end] to *emit*, oldest first; no cursor.
    *known*: members to name even if they are no longer in the organization."""
    people = People.of([*known, *client.list_members()])
    reader = SliceReader(client, progress)
    seen: dict[str, datetime] = {}
    written = 0
    for _, b, events in reader.slices(start, end):
        chosen: list[dict[str, Any]] = []
        for event in events:
            key = event_key(event)
            if key not in seen and selection.matches(event):
                chosen.append(record(event, people))
            seen[key] = event.date
        emit(chosen)
        written += len(chosen)
        seen = {key: date for key, date in seen.items() if date >= b}
    return Summary(written, reader.read, reader.pages, None)
