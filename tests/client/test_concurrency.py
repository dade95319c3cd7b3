"""Adaptive concurrency (bitwarden/concurrency.py): grows on clean answers, backs off on 429
bursts and slow answers, never past its ceiling nor what the round trip can use."""

from __future__ import annotations

import threading
import time

import httpx
from pydantic import SecretStr

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.concurrency import AdaptiveLimit, Answer
from dirsync.bitwarden.retry import RetryPolicy


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _answer(gate: AdaptiveLimit, clock: Clock, seconds: float, answer: Answer) -> None:
    gate.acquire()
    sent = clock.now
    clock.now += seconds
    gate.release(sent, "GET /public/groups/{id}/member-ids", answer)


def test_clean_answers_double_the_width_each_round_up_to_the_ceiling() -> None:
    clock = Clock()
    gate = AdaptiveLimit(100, initial=10, clock=clock, service_seconds=0.001)
    for _ in range(10):
        _answer(gate, clock, 0.2, Answer.CLEAN)
    assert gate.limit == 20
    for _ in range(500):
        _answer(gate, clock, 0.2, Answer.CLEAN)
    assert gate.limit == 100


def test_a_burst_of_429s_halves_the_width_once_per_volley() -> None:
    clock = Clock()
    gate = AdaptiveLimit(64, initial=64, clock=clock, service_seconds=0.001)
    volley = []
    for _ in range(20):  # twenty requests in flight, sent at once, all answered 429
        gate.acquire()
        volley.append(clock.now)
    clock.now += 0.2
    for sent in volley:
        gate.release(sent, "PUT /public/groups/{id}/member-ids", Answer.LIMITED)
    assert gate.limit == 32
    assert gate.cuts == 1
    # The next volley, sent after the cut, cuts again.
    clock.now += 0.01
    _answer(gate, clock, 0.2, Answer.LIMITED)
    assert gate.limit == 16
    # After a cut it grows by 1/width per answer (about one per round trip), not by one.
    for _ in range(20):
        _answer(gate, clock, 0.2, Answer.CLEAN)
    assert gate.limit == 17


def test_rising_latency_takes_a_quarter_off_one_late_answer_does_not() -> None:
    clock = Clock()
    gate = AdaptiveLimit(64, initial=40, clock=clock, service_seconds=0.001)
    _answer(gate, clock, 0.2, Answer.CLEAN)  # the fastest: 0.2 s
    assert gate.limit == 41
    _answer(gate, clock, 1.0, Answer.CLEAN)  # one late answer: the average is 0.36 s
    assert gate.limit == 42
    for _ in range(3):  # answers at 0.8 s: the average passes 2 x 0.2 + 0.05
        _answer(gate, clock, 0.8, Answer.CLEAN)
    assert gate.cuts == 1
    assert gate.limit == 32  # 43 x 0.75
    for _ in range(20):  # fast again: it doubles back, unlike after a 429
        _answer(gate, clock, 0.2, Answer.CLEAN)
    assert gate.limit >= 40  # one per answer (1/width after a 429 would give 25)


def test_a_server_error_neither_grows_nor_cuts() -> None:
    clock = Clock()
    gate = AdaptiveLimit(64, initial=8, clock=clock)
    _answer(gate, clock, 0.2, Answer.NEUTRAL)
    assert gate.limit == 8
    assert gate.cuts == 0


def test_on_a_lan_the_width_stays_small() -> None:
    """Little's law: a 2 ms round trip keeps about one 3 ms request busy; the floor is 4."""
    clock = Clock()
    gate = AdaptiveLimit(128, initial=64, clock=clock)
    gate.observe("/connect/token", 0.002)
    assert gate.limit == 4
    gate.observe("/connect/token", 0.002)
    wide = AdaptiveLimit(128, initial=64, clock=clock)
    wide.observe("/connect/token", 0.2)
    assert wide.limit == 64


def test_threads_never_exceed_the_width() -> None:
    gate = AdaptiveLimit(6, initial=6)
    in_flight = 0
    most = 0
    lock = threading.Lock()

    def request() -> None:
        nonlocal in_flight, most
        gate.acquire()
        sent = time.monotonic()
        with lock:
            in_flight += 1
            most = max(most, in_flight)
        time.sleep(0.01)
        with lock:
            in_flight -= 1
        gate.release(sent, "GET /x", Answer.CLEAN)

    threads = [threading.Thread(target=request) for _ in range(60)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most == gate.peak == 6


def test_the_client_backs_off_on_a_429_burst_and_stays_under_its_ceiling() -> None:
    """200 member-id reads through the real client; the first 40 answers are 429s with
    Retry-After 0. The width halves (more than once: each volley sent after a cut), every
    read ends with its ids, and no more than the ceiling were ever in flight."""
    lock = threading.Lock()
    state = {"limited": 40, "in_flight": 0, "most": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/connect/token"):
            return httpx.Response(
                200, json={"access_token": "t", "expires_in": 3600, "token_type": "Bearer"}
            )
        with lock:
            state["in_flight"] += 1
            state["most"] = max(state["most"], state["in_flight"])
            limited = state["limited"] > 0
            state["limited"] -= 1
        time.sleep(0.02)
        with lock:
            state["in_flight"] -= 1
        if limited:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"message": "Slow down!"})
        return httpx.Response(200, json=["m1", "m2"])

    with BitwardenClient(
        api_url="https://api.test",
        identity_url="https://identity.test",
        client_id="organization.x",
        client_secret=SecretStr("s" * 20),
        rate_limit="off",
        transport=httpx.MockTransport(handler),
        max_concurrency=16,
        retry_policy=RetryPolicy(max_attempts=10, backoff_initial=0.0, backoff_max=0.01),
    ) as client:
        reads = client.in_parallel(client.get_group_member_ids, [f"g{i}" for i in range(200)])
        gate = client._session.concurrency
        assert all(ids == ["m1", "m2"] for ids in reads)
        assert gate.cuts >= 2
        assert gate.limit < 16
        assert state["most"] <= 16
        assert client.stats.rate_limited == 40
