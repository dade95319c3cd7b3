"""The cloud rate limiter (contract §4): fixed windows keyed by client + verb + concrete path."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

SECOND, MINUTE = 1.0, 60.0


@dataclass(frozen=True)
class Rule:
    period: str
    seconds: float
    limit: int


API_RULES: dict[str, tuple[Rule, ...]] = {
    "POST": (Rule("1s", SECOND, 5), Rule("1m", MINUTE, 60)),
    "PUT": (Rule("1s", SECOND, 5), Rule("1m", MINUTE, 60)),
    "DELETE": (Rule("1s", SECOND, 5), Rule("1m", MINUTE, 60)),
    "GET": (Rule("1m", MINUTE, 200),),
}
IDENTITY_RULES: dict[str, tuple[Rule, ...]] = {
    "POST": (Rule("1s", SECOND, 5), Rule("1m", MINUTE, 10)),
}
IDENTITY_ANY: tuple[Rule, ...] = (Rule("1s", SECOND, 5), Rule("1m", MINUTE, 60))


@dataclass(frozen=True)
class Verdict:
    """The outcome for one request: `retry_after` is set when it is refused."""

    headers: dict[str, str]
    retry_after: int | None = None
    period: str = ""


@dataclass
class RateLimiter:
    """AspNetCoreRateLimit's counters; `time_scale` > 1 shrinks every window by that factor."""

    time_scale: float = 1.0
    _counters: dict[tuple[str, str, str, str], tuple[float, int]] = field(default_factory=dict)

    def reset(self) -> None:
        self._counters.clear()

    def check(self, client: str, method: str, path: str, identity: bool) -> Verdict:
        """Count the request against each matching rule, shortest period first."""
        table = IDENTITY_RULES if identity else API_RULES
        rules = table.get(method, IDENTITY_ANY if identity else ())
        if not rules:
            return Verdict({})
        now = time.monotonic()
        path = path.lower()
        headers: dict[str, str] = {}
        for rule in rules:
            window = rule.seconds / self.time_scale
            key = (client, rule.period, method, path)
            start, count = self._counters.get(key, (now, 0))
            if now >= start + window:
                start, count = now, 0
            count += 1
            self._counters[key] = (start, count)
            remaining = start + window - now
            if count > rule.limit:
                return Verdict({}, max(1, math.ceil(remaining)), rule.period)
            reset_at = datetime.now(UTC).timestamp() + remaining
            headers = {
                "X-Rate-Limit-Limit": rule.period,
                "X-Rate-Limit-Remaining": str(rule.limit - count),
                "X-Rate-Limit-Reset": datetime.fromtimestamp(reset_at, UTC).isoformat(),
            }
        return Verdict(headers)
