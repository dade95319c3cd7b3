"""Contract §4 Rate limiting (cloud profile), over real HTTP.

The cloud emulator here runs with --time-scale 10: a minute lasts 6 s and a second 0.1 s,
with the published limits unchanged, so the ratios hold and the tests stay fast.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.emulator.helpers import Api, seed, token_for
from tests.fixtures.emulator import ServedEmulator, start_emulator

SCALE = 10.0
SECOND = 1.0 / SCALE
RATE_LIMITED_BODY = {
    "object": "error",
    "message": "Slow down! Too many requests. Try again in 1m.",
    "validationErrors": None,
    "exceptionMessage": None,
    "exceptionStackTrace": None,
    "innerExceptionMessage": None,
}


@pytest.fixture(scope="module")
def cloud_server() -> Iterator[ServedEmulator]:
    served = start_emulator(rate_limit="cloud", time_scale=SCALE)
    yield served
    served.stop()


@pytest.fixture
def cloud(cloud_server: ServedEmulator) -> ServedEmulator:
    cloud_server.reset()
    return cloud_server


def _until_ok(send: Callable[[], httpx.Response]) -> httpx.Response:
    """Send, waiting out the (scaled) one-second window if it is what refused us."""
    response = send()
    while response.status_code == 429 and "in 1s" in response.json()["message"]:
        time.sleep(SECOND)
        response = send()
    return response


def test_61st_invite_within_a_minute_429(cloud: ServedEmulator) -> None:
    """contract §4: all invites share one 60/min budget; the 61st gets 429 + Retry-After."""
    api = Api(cloud)
    started = time.monotonic()
    for n in range(60):
        response = _until_ok(
            lambda n=n: api.post("/public/members", {"email": f"r{n}@example.com", "type": 2})
        )
        assert response.status_code == 200, (n, response.text)
        time.sleep(SECOND / 4)
    response = api.post("/public/members", {"email": "r60@example.com", "type": 2})
    assert time.monotonic() - started < 60 / SCALE, "the machine was too slow for the window"
    assert response.status_code == 429
    assert response.json() == RATE_LIMITED_BODY
    assert int(response.headers["Retry-After"]) >= 1
    assert len(cloud.state()["members"]) == 61
    api.close()


def test_puts_to_100_member_ids_do_not_share_a_budget(
    emulator_factory: Callable[..., ServedEmulator],
) -> None:
    """contract §4: the counter key holds the concrete path, so every id has its own budget."""
    members = [
        {"id": f"00000000-0000-0000-0000-{n:012d}", "email": f"p{n}@example.com"}
        for n in range(100)
    ]
    served = emulator_factory(seed=seed(members), rate_limit="cloud")
    api = Api(served)
    statuses = [api.put(f"/public/members/{m['id']}", {"type": 2}).status_code for m in members]
    assert statuses == [200] * 100
    same = [
        api.put(f"/public/members/{members[0]['id']}", {"type": 2}).status_code for _ in range(6)
    ]
    assert 429 in same
    api.close()


def test_time_scale_preserves_one_second_limit(cloud: ServedEmulator) -> None:
    """contract §4 + --time-scale: 5 per (scaled) second, then 429 "1s", then allowed again."""
    api = Api(cloud)
    responses = [api.post("/public/groups", {"name": f"g{i}"}) for i in range(7)]
    assert [r.status_code for r in responses] == [200] * 5 + [429, 429]
    assert responses[5].json()["message"] == "Slow down! Too many requests. Try again in 1s."
    time.sleep(SECOND * 1.5)
    assert api.post("/public/groups", {"name": "later"}).status_code == 200
    api.close()


def test_rate_limit_headers(cloud: ServedEmulator) -> None:
    """contract §4 [U]: successes carry X-Rate-Limit-Limit, -Remaining and -Reset."""
    api = Api(cloud)
    first = api.get("/public/members")
    second = api.get("/public/members")
    assert first.headers["X-Rate-Limit-Limit"] == "1m"
    assert int(first.headers["X-Rate-Limit-Remaining"]) == 199
    assert int(second.headers["X-Rate-Limit-Remaining"]) == 198
    assert "X-Rate-Limit-Reset" in first.headers
    api.close()


def test_get_limit_200_per_minute(cloud: ServedEmulator) -> None:
    """contract §4: get:* has no per-second rule and 200 per minute."""
    api = Api(cloud)
    statuses = [api.get("/public/groups").status_code for _ in range(201)]
    assert statuses[:200] == [200] * 200
    assert statuses[200] == 429
    api.close()


def test_identity_token_limit(cloud: ServedEmulator) -> None:
    """contract §4 Identity host: post:/connect/token is limited to 10 per minute."""
    statuses = []
    for _ in range(10):
        statuses.append(_until_ok(lambda: token_for(cloud)).status_code)
        time.sleep(SECOND / 4)
    assert statuses == [200] * 10
    assert token_for(cloud).status_code == 429


def test_counters_per_client_ip(cloud: ServedEmulator) -> None:
    """contract §4: limiting is per client IP (real-IP header X-Connecting-IP)."""
    api = Api(cloud)
    for _ in range(5):
        api.request(
            "POST", "/public/groups", {"name": "a"}, headers={"X-Connecting-IP": "10.0.0.1"}
        )
    blocked = api.request(
        "POST", "/public/groups", {"name": "a"}, headers={"X-Connecting-IP": "10.0.0.1"}
    )
    other = api.request(
        "POST", "/public/groups", {"name": "b"}, headers={"X-Connecting-IP": "10.0.0.2"}
    )
    assert (blocked.status_code, other.status_code) == (429, 200)
    api.close()


def test_profile_off_has_no_limiter(api: Api) -> None:
    """contract §4: self-hosted (profile off) has no limiter and no X-Rate-Limit headers."""
    responses = [api.post("/public/groups", {"name": f"g{i}"}) for i in range(12)]
    assert [r.status_code for r in responses] == [200] * 12
    assert "X-Rate-Limit-Limit" not in responses[-1].headers
