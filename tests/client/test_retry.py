"""Retry policy: 429 with Retry-After, 500/502/503/504, transport errors; bounded."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx
import pytest

import dirsync.bitwarden
from dirsync.bitwarden.errors import BadRequest, NotFound, RateLimited, Transient, Unreachable
from dirsync.bitwarden.retry import Retryable, RetryPolicy, run_with_retries
from tests.client.fakes import FakeServer, listing

RATE_LIMITED = {
    "object": "error",
    "message": "Slow down! Too many requests. Try again in 1m.",
    "validationErrors": None,
    "exceptionMessage": None,
    "exceptionStackTrace": None,
    "innerExceptionMessage": None,
}


def scripted(*responses: httpx.Response | Exception) -> FakeServer:
    queue = list(responses)

    def handler(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0) if queue else httpx.Response(200, json=listing())
        if isinstance(item, Exception):
            raise item
        return item

    return FakeServer(handler)


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_are_retried(status: int) -> None:
    server = scripted(httpx.Response(status), httpx.Response(status))
    with server.client() as client:
        assert client.list_groups() == []
        assert client.stats.retries == 2


def test_transport_errors_are_retried_once_the_server_has_answered(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="dirsync.bitwarden.retry")
    answered = httpx.Response(200, json=listing())
    server = scripted(answered, httpx.ConnectError("refused"), httpx.ReadTimeout("slow"))
    with server.client() as client:
        assert client.list_groups() == []
        assert client.list_groups() == []
    reasons = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert len(reasons) == 2
    assert "ConnectError" in reasons[0]
    assert "ReadTimeout" in reasons[1]


def test_a_server_never_reached_is_not_retried() -> None:
    server = scripted(httpx.ConnectError("[Errno 111] Connection refused"))
    with server.client() as client, pytest.raises(Unreachable) as caught:
        client.list_groups()
    assert str(caught.value) == (
        "cannot connect to https://api.test (bitwarden.api_url): [Errno 111] Connection refused"
    )
    assert isinstance(caught.value.__cause__, httpx.ConnectError)
    assert client.stats.retries == 0


def test_429_is_counted_and_retried() -> None:
    limited = httpx.Response(429, json=RATE_LIMITED, headers={"Retry-After": "1"})
    server = scripted(limited)
    with server.client() as client:
        client.list_groups()
        assert client.stats.rate_limited == 1
        assert client.stats.retries == 1


def test_attempts_are_bounded_then_transient() -> None:
    server = scripted(*[httpx.Response(503)] * 10)
    with server.client() as client, pytest.raises(Transient, match="503"):
        client.list_groups()
    assert len([s for s in server.seen if s[1] == "/public/groups"]) == 4


def test_endless_429_ends_as_rate_limited_with_the_advice() -> None:
    limited = httpx.Response(429, json=RATE_LIMITED, headers={"Retry-After": "7"})
    server = scripted(*[limited] * 10)
    with server.client() as client, pytest.raises(RateLimited) as caught:
        client.list_groups()
    assert caught.value.retry_after == 7


@pytest.mark.parametrize(
    ("status", "error"), [(400, BadRequest), (404, NotFound), (409, BadRequest)]
)
def test_client_errors_are_not_retried(status: int, error: type[Exception]) -> None:
    server = scripted(httpx.Response(status, json={"message": "no", "errors": None}))
    with server.client() as client, pytest.raises(error):
        client.list_groups()
    assert client.stats.retries == 0


POLICY = RetryPolicy(max_attempts=5, backoff_initial=1.0, backoff_max=4.0, max_retry_after=30)


def _fail_then(failures: list[Retryable]) -> tuple[list[Retryable | None], list[float]]:
    """Run an attempt failing with ``failures`` in turn; the previous failures it saw,
    and the sleeps requested between attempts."""
    seen: list[Retryable | None] = []
    slept: list[float] = []

    def attempt(previous: Retryable | None) -> str:
        seen.append(previous)
        if failures:
            raise failures.pop(0)
        return "done"

    assert run_with_retries(attempt, POLICY, what="x", sleep=slept.append) == "done"
    return seen, slept


def test_retry_after_is_honoured_and_backoff_grows_with_jitter() -> None:
    first = Retryable("429", RateLimited("x"), retry_after=9, maybe_applied=False)
    others = [Retryable("503", Transient("x")) for _ in range(3)]
    seen, slept = _fail_then([first, *others])
    assert seen[0] is None
    assert seen[1] is first
    assert 9 <= slept[0] <= 9.9
    assert 1.0 <= slept[1] <= 2.0
    assert 2.0 <= slept[2] <= 4.0
    assert 2.0 <= slept[3] <= 4.0
    assert len(slept) == 4


def test_a_long_retry_after_is_capped() -> None:
    _, slept = _fail_then([Retryable("429", RateLimited("x"), retry_after=3600)])
    assert 30 <= slept[0] <= 33


def test_total_time_bounds_the_retries() -> None:
    policy = RetryPolicy(max_attempts=50, max_seconds=0.05, backoff_initial=0.02)
    calls: list[int] = []

    def attempt(previous: Retryable | None) -> None:
        calls.append(1)
        raise Retryable("503", Transient("gave up"))

    with pytest.raises(Transient, match="gave up"):
        run_with_retries(attempt, policy, what="x")
    assert 1 < len(calls) < 10


def test_the_final_error_keeps_its_causes() -> None:
    """Transient <- the last Retryable <- the httpx error the client was given."""
    answered = httpx.Response(200, json=listing())
    server = scripted(answered, *[httpx.ReadError("connection reset")] * 10)
    with server.client() as client:
        client.list_groups()
        with pytest.raises(Transient) as caught:
            client.list_groups()
    assert "server https://api.test (bitwarden.api_url)" in str(caught.value)
    cause = caught.value.__cause__
    assert isinstance(cause, Retryable)
    assert isinstance(cause.__cause__, httpx.ReadError)


def test_the_client_never_drops_a_cause() -> None:
    package = Path(dirsync.bitwarden.__file__).parent
    dropped = [p.name for p in sorted(package.glob("*.py")) if "from None" in p.read_text()]
    assert dropped == []
