"""Reading the event log oldest first, in time slices sized to the traffic, and shaping it.

The API pages newest first (contract §1 Events). A slice [a, b] is read to its last page,
then handed over oldest first, so the caller can write it and move its cursor to b: a run
that stops loses at most the slice it was reading. A slice that took a page or two
doubles the next one; one that took many halves it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from dirsync.bitwarden.models import Event, Member
from dirsync.bitwarden.reads import ReadClient
from dirsync.events.names import type_name
from dirsync.progress import Progress

FIRST_SPAN = timedelta(days=1)
MIN_SPAN = timedelta(minutes=1)
MAX_SPAN = timedelta(days=30)
GROW_UP_TO_PAGES = 2
SHRINK_FROM_PAGES = 20


def next_span(span: timedelta, pages: int) -> timedelta:
    """The next slice's length after one that took *pages* pages."""
    if pages <= GROW_UP_TO_PAGES:
        return min(span * 2, MAX_SPAN)
    if pages >= SHRINK_FROM_PAGES:
        return max(span / 2, MIN_SPAN)
    return span


def event_key(event: Event) -> str:
    """A stable key for an event (the API gives events no id): a hash of all its fields."""
    canonical = json.dumps(event.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class People:
    """Emails by member id and by user (account) id, as the organization knows them now."""

    by_member: dict[str, str]
    by_user: dict[str, str]

    @classmethod
    def of(cls, members: Iterable[Member]) -> People:
        by_member: dict[str, str] = {}
        by_user: dict[str, str] = {}
        for member in members:
            if member.email:
                by_member[member.id] = member.email
                if member.user_id:
                    by_user[member.user_id] = member.email
        return cls(by_member, by_user)


def record(event: Event, people: People) -> dict[str, Any]:
    """The exported form: the API's fields, the type's name, the two emails, and the key."""
    fields = event.model_dump(mode="json", by_alias=True)
    fields["typeName"] = type_name(event.type)
    acting = event.acting_user_id
    fields["actingUserEmail"] = people.by_user.get(acting) if acting else None
    fields["memberEmail"] = people.by_member.get(event.member_id) if event.member_id else None
    fields["eventKey"] = event_key(event)
    return fields


@dataclass(frozen=True)
class Selection:
    """Which events a one-off read keeps: some types, and events by or about one member."""

    types: frozenset[int] | None = None
    member_id: str | None = None
    user_id: str | None = None

    def matches(self, event: Event) -> bool:
        if self.types is not None and event.type not in self.types:
            return False
        if self.member_id is None:
            return True
        by = self.user_id is not None and event.acting_user_id == self.user_id
        return by or event.member_id == self.member_id


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M")


class SliceReader:
    """Reads [start, end] slice by slice through the one client, reporting progress."""

    def __init__(self, client: ReadClient, progress: Progress) -> None:
        self._client = client
        self._progress = progress
        self.pages = 0
        self.read = 0

    def slices(
        self, start: datetime, end: datetime
    ) -> Iterator[tuple[datetime, datetime, list[Event]]]:
        """(a, b, every event dated a..b oldest first), from *start* up to *end*."""
        span, a = FIRST_SPAN, start
        while a < end:
            b = min(a + span, end)
            events, pages = self._slice(a, b)
            yield a, b, events
            span, a = next_span(span, pages), b

    def _slice(self, a: datetime, b: datetime) -> tuple[list[Event], int]:
        newest_first: list[Event] = []
        token: str | None = None
        pages = 0
        while True:
            page = self._client.events_page(a, b, continuation_token=token)
            pages += 1
            self.pages += 1
            self.read += len(page.data)
            newest_first += page.data
            self._progress.update(
                f"reading events up to {_utc(b)} UTC: {self.read} read, {self.pages} pages"
            )
            token = page.continuation_token
            if not token:
                break
        newest_first.reverse()
        newest_first.sort(key=lambda e: e.date)
        return newest_first, pages
