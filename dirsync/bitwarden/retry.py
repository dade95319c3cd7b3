"""The retry policy (tenacity): 429 honouring Retry-After, 500/502/503/504, transport errors,
and malformed 200 answers (see session.py for which failures are retryable).

Backoff is exponential with jitter, bounded in attempts and in total time. An
attempt function receives the previous failure so non-idempotent writes can check
whether that failed attempt took effect before sending again.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
)

from dirsync.bitwarden.errors import BitwardenError

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    max_seconds: float = 300.0
    """No retry starts once it would begin later than this after the first attempt."""
    backoff_initial: float = 0.5
    backoff_max: float = 30.0
    max_retry_after: float = 120.0
    """A longer Retry-After is capped here (and then by max_seconds)."""


class Retryable(Exception):
    """One attempt failed in a way worth retrying; ``final`` is raised if none is left."""

    def __init__(
        self,
        reason: str,
        final: BitwardenError,
        *,
        retry_after: float | None = None,
        maybe_applied: bool = True,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.final = final
        self.retry_after = retry_after
        self.maybe_applied = maybe_applied
        """False when the server certainly did nothing (429)."""


def _wait_for(policy: RetryPolicy) -> Callable[[RetryCallState], float]:
    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, Retryable) and failure.retry_after is not None:
            advised = min(failure.retry_after, policy.max_retry_after)
            return advised * (1 + random.uniform(0, 0.1))  # noqa: S311 - jitter, not crypto
        growth = 2.0 ** (state.attempt_number - 1)
        ceiling = min(policy.backoff_max, policy.backoff_initial * growth)
        return ceiling / 2 + random.uniform(0, ceiling / 2)  # noqa: S311

    return wait


def run_with_retries(
    attempt: Callable[[Retryable | None], T],
    policy: RetryPolicy,
    *,
    what: str,
    on_retry: Callable[[], None] = lambda: None,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call ``attempt(previous_failure)`` until it returns, raises a non-retryable error,
    or the policy is exhausted (then the last failure's ``final`` error is raised)."""

    def before_sleep(state: RetryCallState) -> None:
        failure = state.outcome.exception() if state.outcome else None
        on_retry()
        log.debug(
            "retrying %s in %.2fs after attempt %d: %s",
            what,
            state.upcoming_sleep,
            state.attempt_number,
            failure,
        )

    retrying = Retrying(
        stop=stop_after_attempt(policy.max_attempts) | stop_before_delay(policy.max_seconds),
        wait=_wait_for(policy),
        retry=retry_if_exception_type(Retryable),
        before_sleep=before_sleep,
        sleep=sleep,
        reraise=True,
    )
    failures: list[Retryable] = []

    def once() -> T:
        try:
            return attempt(failures[-1] if failures else None)
        except Retryable as failure:
            failures.append(failure)
            raise

    try:
        return retrying(once)
    except Retryable as failure:
        raise failure.final from failure
