"""Contract §1 Events and §0 List wrapper at volume: 10,000 events, paging, start/end,
and the control surface's `POST /_emulator/events` (late-arriving events)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.emulator.helpers import Api, seed
from tests.fixtures.emulator import ServedEmulator

ACTOR = "a0000000-0000-0000-0000-000000000001"


def _events(count: int, newest: datetime, step: timedelta, **fields: Any) -> list[dict[str, Any]]:
    return [
        {"type": 1500 + i % 5, "date": (newest - i * step).isoformat(), **fields}
        for i in range(count)
    ]


def _walk(api: Api, params: dict[str, str]) -> list[dict[str, Any]]:
    """Every page of a listing: (body of each page)."""
    bodies, token = [], None
    while True:
        query = {**params, **({"continuationToken": token} if token else {})}
        response = api.get("/public/events", params=query)
        assert response.status_code == 200, response.text
        body = response.json()
        bodies.append(body)
        token = body["continuationToken"]
        if token is None:
            return bodies


def test_ten_thousand_events_page_50_newest_first(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Paging + §0 List wrapper: 10,000 events come back once each, 50 a
    page, newest first; the token is set on every full page (the 200th too) and null on the
    last, short one."""
    now = datetime.now(UTC)
    emulator.reset({**seed(), "events": _events(10_000, now, timedelta(seconds=20))})
    window = {"start": (now - timedelta(days=5)).isoformat(), "end": now.isoformat()}
    bodies = _walk(api, window)
    assert [len(b["data"]) for b in bodies] == [50] * 200 + [0]
    assert all(b["object"] == "list" for b in bodies)
    assert all(b["continuationToken"] for b in bodies[:-1])
    dates = [e["date"] for b in bodies for e in b["data"]]
    assert len(set(dates)) == 10_000
    assert dates == sorted(dates, reverse=True)


def test_short_page_has_a_null_token(emulator: ServedEmulator, api: Api) -> None:
    """contract §0 List wrapper: continuationToken is written, as null, on a page that is
    not full (PagedListResponseModel)."""
    emulator.reset({**seed(), "events": _events(49, datetime.now(UTC), timedelta(minutes=1))})
    body = api.get("/public/events").json()
    assert set(body) == {"object", "data", "continuationToken"}
    assert (len(body["data"]), body["continuationToken"]) == (49, None)


def test_start_end_select_the_range_across_pages(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Query: start and end bound the events, on every page of a walk."""
    now = datetime.now(UTC)
    emulator.reset({**seed(), "events": _events(300, now, timedelta(minutes=1))})
    start, end = now - timedelta(minutes=250, seconds=30), now - timedelta(minutes=9, seconds=30)
    bodies = _walk(api, {"start": start.isoformat(), "end": end.isoformat()})
    dates = [datetime.fromisoformat(e["date"]) for b in bodies for e in b["data"]]
    assert len(dates) == 241  # minutes 10..250 before now
    assert all(start <= d <= end for d in dates)
    assert [len(b["data"]) for b in bodies] == [50, 50, 50, 50, 41]


def test_acting_user_filter_pages(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Filter precedence + Paging: a filtered walk pages the matches only."""
    now = datetime.now(UTC)
    mixed = _events(120, now, timedelta(minutes=2), actingUserId=ACTOR) + _events(
        130, now - timedelta(minutes=1), timedelta(minutes=2)
    )
    emulator.reset({**seed(), "events": mixed})
    bodies = _walk(api, {"actingUserId": ACTOR})
    assert [len(b["data"]) for b in bodies] == [50, 50, 20]
    assert {e["actingUserId"] for b in bodies for e in b["data"]} == {ACTOR}


def test_late_events_land_at_their_dates(emulator: ServedEmulator, api: Api) -> None:
    """Control surface: POST /_emulator/events inserts events at their (older) dates, as
    late-arriving ones do; listings stay newest first (contract §1 Events Paging)."""
    now = datetime.now(UTC)
    emulator.reset({**seed(), "events": _events(3, now, timedelta(minutes=10))})
    late = {"type": 1511, "date": (now - timedelta(minutes=15)).isoformat(), "memberId": None}
    assert emulator.control("POST", "events", [late]).status_code == 200
    data = api.get("/public/events").json()["data"]
    assert [e["type"] for e in data] == [1500, 1501, 1511, 1502]
    bad = emulator.control("POST", "events", [late, {"type": 1511}])
    assert bad.status_code == 400
    assert bad.json()["message"].startswith("events[1]:")
    assert len(api.get("/public/events").json()["data"]) == 4
