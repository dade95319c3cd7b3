"""The latency model (`--rtt`, `--import-item-cost`): half the round trip before the server
handles a request and half after, so a write the client gave up on is still applied; the
rate limits and Retry-After work the same under it."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
import pytest

from dirsync.emulator.latency import LatencyModel
from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator

Factory = Callable[..., ServedEmulator]


def test_each_request_takes_the_round_trip(emulator_factory: Factory) -> None:
    served = emulator_factory(extra_args=("--rtt", "0.4"))
    api = Api(served)  # the token request itself took one round trip
    try:
        started = time.monotonic()
        assert api.get("/public/members").status_code == 200
        elapsed = time.monotonic() - started
    finally:
        api.close()
    assert 0.4 <= elapsed < 1.4, elapsed


def test_a_write_the_client_gave_up_on_is_applied(emulator_factory: Factory) -> None:
    served = emulator_factory(extra_args=("--rtt", "0.6"))
    api = Api(served)
    try:
        with pytest.raises(httpx.ReadTimeout):
            # The request arrives after 0.3 s; the client leaves at 0.45 s, before the
            # answer is back at 0.6 s.
            api.http.post(
                "/public/members", json={"email": "late@example.com", "type": 2}, timeout=0.45
            )
    finally:
        api.close()
    time.sleep(0.5)
    assert "late@example.com" in {m["email"] for m in served.state()["members"]}


def test_rate_limits_and_retry_after_hold_under_latency(emulator_factory: Factory) -> None:
    # The cloud allows 5 POSTs a second (contract §4): at a 20 ms round trip the 6th is
    # inside the same second.
    served = emulator_factory(rate_limit="cloud", extra_args=("--rtt", "0.02"))
    api = Api(served)
    try:
        answers = [
            api.post("/public/members", {"email": f"p{i}@example.com", "type": 2}) for i in range(6)
        ]
        wait = int(answers[5].headers["Retry-After"])
        time.sleep(wait)
        again = api.post("/public/members", {"email": "p5@example.com", "type": 2})
    finally:
        api.close()
    assert [a.status_code for a in answers] == [200] * 5 + [429]
    assert wait >= 1
    assert again.status_code == 200


def test_an_import_costs_its_items(emulator_factory: Factory) -> None:
    served = emulator_factory(extra_args=("--import-item-cost", "0.01"))
    body = {
        "members": [
            {"email": f"p{i}@example.com", "externalId": f"e{i}", "deleted": False}
            for i in range(50)
        ],
        "groups": [],
        "overwriteExisting": False,
        "largeImport": False,
    }
    api = Api(served)
    try:
        started = time.monotonic()
        assert api.post("/public/organization/import", body).status_code == 200
        elapsed = time.monotonic() - started
    finally:
        api.close()
    assert elapsed >= 0.5, elapsed


def test_the_model_refuses_what_cannot_be() -> None:
    with pytest.raises(ValueError, match="jitter cannot exceed"):
        LatencyModel(rtt=0.1, jitter=0.2)
    with pytest.raises(ValueError, match=">= 0"):
        LatencyModel(rtt=-1)
    assert LatencyModel(rtt=0.2).half(__import__("random").Random(0)) == 0.1
