"""Contract §1 Policies and Events, over real HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.emulator.helpers import Api, error_keys, events_of, seed
from tests.fixtures.emulator import ServedEmulator

ACTOR = "a0000000-0000-0000-0000-000000000001"
ITEM = "b0000000-0000-0000-0000-000000000001"


def test_policies_list_only_saved_and_get_404(api: Api) -> None:
    """contract §1 Policies: the list holds only saved policies; GET unsaved -> 404."""
    assert api.get("/public/policies").json()["data"] == []
    response = api.get("/public/policies/1")
    assert (response.status_code, response.content) == (404, b"")


def test_policy_put(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Policies PUT: response {object, id, type, enabled, data}, event 1700."""
    response = api.put("/public/policies/1", {"enabled": True, "data": {"minLength": 12}})
    assert response.status_code == 200
    policy = response.json()
    assert policy == {
        "object": "policy",
        "id": policy["id"],
        "type": 1,
        "enabled": True,
        "data": {"minLength": 12},
    }
    assert api.get("/public/policies/1").json() == policy
    assert api.get("/public/policies").json()["data"] == [policy]
    assert emulator.state()["events"][-1]["type"] == 1700


def test_policy_validation(api: Api) -> None:
    """contract §1 Policies PUT: enabled [Required]; {type} must be a PolicyType integer."""
    assert error_keys(api.put("/public/policies/1", {"data": None})) == {"Enabled"}
    assert error_keys(api.put("/public/policies/99", {"enabled": True})) == {"type"}
    assert api.put("/public/policies/22", {"enabled": False}).status_code == 200


def test_events_recorded_with_contract_types(emulator: ServedEmulator, api: Api) -> None:
    """contract §2 EventType: 1500 invited, 1502 updated, 1511/1512, 1503 removed, 1400/1401."""
    member = api.invite("ev@example.com")
    api.put(f"/public/members/{member['id']}", {"type": 2})
    api.post(f"/public/members/{member['id']}/revoke")
    api.post(f"/public/members/{member['id']}/restore")
    group = api.create_group("G")
    api.put(f"/public/groups/{group['id']}", {"name": "H"})
    api.delete(f"/public/members/{member['id']}")
    assert events_of(emulator) == [
        (1500, member["id"]),
        (1502, member["id"]),
        (1511, member["id"]),
        (1512, member["id"]),
        (1400, group["id"]),
        (1401, group["id"]),
        (1503, member["id"]),
    ]


def _events(count: int, start: datetime, **fields: str) -> list[dict[str, object]]:
    return [
        {"type": 1502, "date": (start + timedelta(seconds=i)).isoformat(), **fields}
        for i in range(count)
    ]


def test_events_paging_50_newest_first(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Paging: 50 per page, newest first, token only when the page is full."""
    start = datetime.now(UTC) - timedelta(days=1)
    emulator.reset({**seed(), "events": _events(120, start)})
    seen: list[str] = []
    pages, token = 0, None
    while True:
        params = {"continuationToken": token} if token else {}
        body = api.get("/public/events", params=params).json()
        pages += 1
        seen += [e["date"] for e in body["data"]]
        token = body["continuationToken"]
        if token is None:
            assert len(body["data"]) < 50
            break
        assert len(body["data"]) == 50
    assert pages == 3
    assert len(seen) == 120
    assert seen == sorted(seen, reverse=True)


def test_events_item_shape(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Item: every field of EventResponseModel."""
    api.invite("shape@example.com")
    event = api.get("/public/events").json()["data"][0]
    assert set(event) == {
        "object",
        "type",
        "itemId",
        "collectionId",
        "groupId",
        "policyId",
        "memberId",
        "actingUserId",
        "installationId",
        "date",
        "device",
        "ipAddress",
        "secretId",
        "projectId",
        "serviceAccountId",
    }
    assert (event["object"], event["type"]) == ("event", 1500)


def test_events_default_range_is_last_30_days(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Date range: start or end missing -> both become the last 30 days."""
    now = datetime.now(UTC)
    emulator.reset(
        {
            **seed(),
            "events": _events(1, now - timedelta(days=40)) + _events(1, now - timedelta(days=2)),
        }
    )
    assert len(api.get("/public/events").json()["data"]) == 1
    only_start = {"start": (now - timedelta(days=60)).isoformat()}
    assert len(api.get("/public/events", params=only_start).json()["data"]) == 1
    both = {"start": (now - timedelta(days=60)).isoformat(), "end": now.isoformat()}
    assert len(api.get("/public/events", params=both).json()["data"]) == 2


def test_events_start_after_end_swapped(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Date range: start > end are swapped."""
    now = datetime.now(UTC)
    emulator.reset({**seed(), "events": _events(3, now - timedelta(days=50))})
    params = {"start": now.isoformat(), "end": (now - timedelta(days=60)).isoformat()}
    assert len(api.get("/public/events", params=params).json()["data"]) == 3


def test_events_range_over_367_days(api: Api) -> None:
    """contract §1 Events Date range: a span over 367 days gives 400."""
    now = datetime.now(UTC)
    params = {"start": (now - timedelta(days=368)).isoformat(), "end": now.isoformat()}
    response = api.get("/public/events", params=params)
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Date range must be < 367 days.",
    )


def test_events_filter_precedence(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Filter precedence: actingUserId > itemId > ... > whole org."""
    start = datetime.now(UTC) - timedelta(days=1)
    emulator.reset(
        {
            **seed(),
            "events": _events(2, start, actingUserId=ACTOR)
            + _events(3, start + timedelta(hours=1), itemId=ITEM),
        }
    )
    assert len(api.get("/public/events").json()["data"]) == 5
    both = {"actingUserId": ACTOR, "itemId": ITEM}
    assert len(api.get("/public/events", params=both).json()["data"]) == 2
    assert len(api.get("/public/events", params={"itemid": ITEM}).json()["data"]) == 3


def test_events_self_hosted_token_is_to_binary(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Events Paging: the self-hosted token is DateTime.ToBinary() of the last date."""
    start = datetime(2026, 1, 1, tzinfo=UTC)
    now = datetime.now(UTC)
    emulator.reset({**seed(profile="self-hosted"), "events": _events(60, now - timedelta(days=3))})
    body = api.get("/public/events").json()
    last = datetime.fromisoformat(body["data"][-1]["date"].replace("Z", "+00:00"))
    ticks = (last - datetime(1, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1) * 10
    assert int(body["continuationToken"]) == ticks | 0x4000000000000000
    assert start < last
