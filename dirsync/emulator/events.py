"""`GET /public/events` (contract §1 Events): date-range rules, filters, 50 per page.

Events stay sorted by date, so a page is two binary searches and a walk of at most 50
matches (the whole org) however many events are held. `POST /_emulator/events` adds
events (a list in the seed's form) at their dates, as late-arriving ones do.
"""

from __future__ import annotations

import base64
import bisect
import json
from datetime import UTC, datetime, timedelta

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.errors import (
    ApiError,
    bad_request,
    empty_response,
    json_response,
    model_state,
    server_error,
)
from dirsync.emulator.runtime import store_of
from dirsync.emulator.seed import event_record
from dirsync.emulator.store import EventRec
from dirsync.emulator.validation import parse_guid
from dirsync.emulator.views import event_view

PAGE_SIZE = 50
_EPOCH = datetime(1, 1, 1, tzinfo=UTC)
_UTC_KIND = 0x4000000000000000


def to_binary(moment: datetime) -> int:
    """.NET DateTime.ToBinary() of a UTC date: ticks of 100 ns with the Utc kind bit."""
    delta = moment - _EPOCH
    ticks = (delta.days * 86_400 + delta.seconds) * 10_000_000 + delta.microseconds * 10
    return ticks | _UTC_KIND


def from_binary(value: int) -> datetime:
    ticks = value & ~_UTC_KIND & 0x3FFFFFFFFFFFFFFF
    return _EPOCH + timedelta(microseconds=ticks // 10)


def _token(moment: datetime, self_hosted: bool) -> str:
    binary = str(to_binary(moment))
    if self_hosted:
        return binary
    return base64.urlsafe_b64encode(f"emu:{binary}".encode()).decode()


def _before(token: str, self_hosted: bool) -> datetime:
    """The date a continuation token points below; garbage crashes the server (500)."""
    try:
        text = token if self_hosted else base64.urlsafe_b64decode(token).decode()
        return from_binary(int(text.removeprefix("emu:")))
    except (ValueError, UnicodeDecodeError):
        raise server_error() from None


def _date(query: dict[str, str], key: str) -> datetime | None:
    raw = query.get(key)
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise model_state({key: [f"The value '{raw}' is not valid for {key.title()}."]}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _filter(query: dict[str, str]) -> tuple[str, str] | None:
    """The one filter that applies: actingUserId > itemId > secretId > projectId."""
    for key in ("actinguserid", "itemid", "secretid", "projectid"):
        raw = query.get(key)
        if raw:
            value = parse_guid(raw)
            if value is None:
                raise model_state({key: [f"The value '{raw}' is not valid."]})
            return key, value
    return None


def _date_of(event: EventRec) -> datetime:
    return event.date


def _matches(event: EventRec, wanted: tuple[str, str] | None) -> bool:
    if wanted is None:
        return True
    key, value = wanted
    if key == "actinguserid":
        return event.acting_user_id == value
    if key == "itemid":
        return event.item_id == value
    return False


async def list_events(request: Request) -> Response:
    store = store_of(request)
    query = {k.lower(): v for k, v in request.query_params.items()}
    start, end = _date(query, "start"), _date(query, "end")
    if start is None or end is None:
        end = datetime.now(UTC)
        start = end - timedelta(days=30)
    if start > end:
        start, end = end, start
    if end - start > timedelta(days=367):
        raise bad_request("Date range must be < 367 days.")
    wanted = _filter(query)
    self_hosted = store.org.self_hosted
    if query.get("continuationtoken"):
        end = min(end, _before(query["continuationtoken"], self_hosted) - timedelta(microseconds=1))
    low = bisect.bisect_left(store.events, start, key=_date_of)
    high = bisect.bisect_right(store.events, end, key=_date_of)
    page: list[EventRec] = []
    for index in range(high - 1, low - 1, -1):
        event = store.events[index]
        if _matches(event, wanted):
            page.append(event)
            if len(page) == PAGE_SIZE:
                break
    token = _token(page[-1].date, self_hosted) if len(page) == PAGE_SIZE else None
    return json_response(
        {"object": "list", "data": [event_view(e) for e in page], "continuationToken": token}
    )


async def add_events(request: Request) -> Response:
    """Control surface: insert the events of a JSON list at their dates."""
    try:
        items = json.loads(await request.body())
    except ValueError as exc:
        raise ApiError(400, {"message": f"body is not JSON: {exc}"}) from None
    if not isinstance(items, list):
        raise ApiError(400, {"message": "body must be a list of events"})
    added: list[EventRec] = []
    for index, item in enumerate(items):
        try:
            added.append(event_record(item))
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(400, {"message": f"events[{index}]: {exc!r}"}) from None
    store = store_of(request)
    store.events.extend(added)
    store.events.sort(key=_date_of)
    return empty_response()
