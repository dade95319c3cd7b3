"""Client-side limiter mirroring the server counters (contract §4)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import httpx

from dirsync.bitwarden.throttle import Throttle, cloud_limits
from tests.client.fakes import FakeServer, listing


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _throttle(fake: FakeTime, margin: float = 0.05, scale: float = 1.0) -> Throttle:
    return Throttle(cloud_limits(scale), margin=margin, clock=fake.clock, sleep=fake.sleep)


def test_writes_to_one_path_are_paced_five_per_second() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    waits = [throttle.acquire("POST", "/public/members") for _ in range(6)]
    window = 1.1  # the second, 5% and 50 ms of margin
    assert waits[0] == 0.0
    assert all(abs(wait - window / 5) < 1e-9 for wait in waits[1:])


def test_sixty_first_write_within_a_minute_waits_for_the_window() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    for _ in range(60):
        throttle.acquire("POST", "/public/members")
    started = fake.now
    throttle.acquire("POST", "/public/members")
    assert fake.now >= 60 * 1.05
    assert fake.now - started > 40


def test_each_concrete_path_and_verb_has_its_own_budget() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    for index in range(100):
        assert throttle.acquire("PUT", f"/public/members/{index}") == 0.0
    assert fake.slept == []
    assert throttle.acquire("DELETE", "/public/members/1") == 0.0
    assert throttle.acquire("DELETE", "/public/members/2") == 0.0


def test_reads_have_200_per_minute_and_no_per_second_rule() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    for _ in range(200):
        assert throttle.acquire("GET", "/public/members") == 0.0
    assert throttle.acquire("GET", "/public/members") > 60


def test_the_token_endpoint_gets_ten_per_minute() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    for _ in range(10):
        fake.now += 0.3
        assert throttle.acquire("POST", "/identity/connect/token") == 0.0
    assert throttle.acquire("POST", "/identity/connect/token") > 55


def test_scale_shrinks_the_windows() -> None:
    fake = FakeTime()
    throttle = _throttle(fake, scale=60)
    for _ in range(61):
        throttle.acquire("POST", "/public/members")
    assert 1.0 < fake.now < 1.2


def test_remaining_zero_header_blocks_until_reset() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    reset = (datetime.now(UTC) + timedelta(seconds=20)).isoformat()
    throttle.observe(
        "GET", "/public/groups", {"x-rate-limit-remaining": "0", "x-rate-limit-reset": reset}
    )
    waited = throttle.acquire("GET", "/public/groups")
    assert 18 < waited <= 20.5
    assert throttle.acquire("GET", "/public/members") == 0.0


def test_headers_with_remaining_budget_or_nonsense_change_nothing() -> None:
    fake = FakeTime()
    throttle = _throttle(fake)
    throttle.observe("GET", "/a", {"x-rate-limit-remaining": "5", "x-rate-limit-reset": "30"})
    throttle.observe("GET", "/a", {"x-rate-limit-remaining": "0", "x-rate-limit-reset": "later"})
    throttle.observe("GET", "/a", {"x-rate-limit-remaining": "0"})
    assert throttle.acquire("GET", "/a") == 0.0


def test_threads_never_exceed_a_window() -> None:
    throttle = Throttle(cloud_limits(scale=5), margin=0.05)
    stamps: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(5):
            throttle.acquire("POST", "/public/members")
            with lock:
                stamps.append(time.monotonic())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stamps.sort()
    window = 1 / 5
    for index, stamp in enumerate(stamps):
        inside = [s for s in stamps[index:] if s < stamp + window]
        assert len(inside) <= 5


def test_client_accounts_throttle_waits() -> None:
    server = FakeServer(lambda request: httpx.Response(200, json=listing()))
    with server.client(rate_limit="cloud", rate_limit_scale=60) as client:
        for _ in range(201):
            client.list_groups()
        stats = client.stats
    assert stats.throttle_wait_seconds > 0.2
    assert stats.calls["GET /public/groups"] == 201
