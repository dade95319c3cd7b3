"""Seeded, reproducible fault injection.

SPEC is a comma-separated list of KEY=VALUE (empty SPEC: no faults):
  seed=INT            RNG seed (default 0); the same seed and the same request
                      sequence give the same faults in the same order
  5xx=P               answer 500 (JSON error), 502 or 503 (HTML proxy page) with probability P
  429=P[:LEN]         start a burst of LEN (default 1) 429 answers with probability P
  reset_before=P      drop the TCP connection before the request is handled
  reset_after=P       handle the request (a write is applied), then drop the connection
  latency=MIN[:MAX]   add a delay of MIN..MAX seconds (uniform) to every request
  revoke_token=P      revoke every issued token before handling (the request gets 401)
  malformed=P         replace a successful JSON answer by a malformed one, of a kind
                      drawn from: truncated JSON, wrong types, unexpected enum values,
                      an HTML page (status kept)
  truncated=P, wrong_types=P, bad_enum=P, html=P
                      the same, one kind only
  methods=M[+M...]    only requests with these verbs get faults (default: all); the
                      others draw nothing from the RNG, so they do not shift the sequence
Faults apply to the API and identity paths, never to /_emulator.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass, field
from typing import Any

MALFORMED_KINDS = ("truncated", "wrong_types", "bad_enum", "html")
_PROBABILITY_KEYS = ("5xx", "reset_before", "reset_after", "revoke_token", "malformed")


class FaultSpecError(ValueError):
    """A SPEC that cannot be parsed; the message names the item."""


def _probability(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"fault {key}: {text!r} is not a number") from None
    if not 0.0 <= value <= 1.0:
        raise FaultSpecError(f"fault {key}: {value} is not a probability between 0 and 1")
    return value


@dataclass(frozen=True)
class FaultSpec:
    seed: int = 0
    probabilities: dict[str, float] = field(default_factory=dict)
    burst: int = 1
    latency: tuple[float, float] = (0.0, 0.0)
    methods: frozenset[str] | None = None

    @classmethod
    def parse(cls, text: str | None) -> FaultSpec:
        seed, burst, latency, methods = 0, 1, (0.0, 0.0), None
        probabilities: dict[str, float] = {}
        for item in (text or "").split(","):
            item = item.strip()
            if not item:
                continue
            key, sep, value = item.partition("=")
            key = key.strip().lower()
            if not sep:
                raise FaultSpecError(f"fault {item!r}: expected KEY=VALUE")
            if key == "seed":
                try:
                    seed = int(value)
                except ValueError:
                    raise FaultSpecError(f"fault seed: {value!r} is not an integer") from None
            elif key == "429":
                p, _, length = value.partition(":")
                probabilities["429"] = _probability(key, p)
                burst = int(length) if length.isdigit() and int(length) > 0 else 1
                if length and not (length.isdigit() and int(length) > 0):
                    raise FaultSpecError(f"fault 429: burst length {length!r} is not >= 1")
            elif key == "latency":
                low, _, high = value.partition(":")
                try:
                    latency = (float(low), float(high or low))
                except ValueError:
                    raise FaultSpecError(f"fault latency: {value!r} is not MIN[:MAX]") from None
                if latency[0] < 0 or latency[1] < latency[0]:
                    raise FaultSpecError(f"fault latency: {value!r} needs 0 <= MIN <= MAX")
            elif key == "methods":
                methods = frozenset(m.strip().upper() for m in value.split("+") if m.strip())
            elif key in _PROBABILITY_KEYS or key in MALFORMED_KINDS:
                probabilities[key] = _probability(key, value)
            else:
                raise FaultSpecError(f"fault {key!r}: unknown key")
        return cls(seed, probabilities, burst, latency, methods)


@dataclass(frozen=True)
class FaultPlan:
    """What happens to one request."""

    latency: float = 0.0
    revoke_token: bool = False
    reset_before: bool = False
    status: int | None = None
    reset_after: bool = False
    malformed: str | None = None

    @property
    def name(self) -> str | None:
        """A short label for the request log."""
        if self.reset_before:
            return "reset_before"
        if self.status:
            return str(self.status)
        if self.revoke_token:
            return "revoke_token"
        if self.reset_after:
            return "reset_after"
        return self.malformed


class FaultInjector:
    """Draws the same number of random values for every faulted request: runs reproduce."""

    def __init__(self, spec: FaultSpec) -> None:
        self.spec = spec
        self._rng = random.Random(spec.seed)  # noqa: S311 - reproducible, not secret
        self._burst_left = 0

    def plan(self, method: str) -> FaultPlan:
        spec = self.spec
        if not spec.probabilities and spec.latency == (0.0, 0.0):
            return FaultPlan()
        if spec.methods is not None and method not in spec.methods:
            return FaultPlan()
        draws = [self._rng.random() for _ in range(9)]
        p = spec.probabilities.get
        latency = spec.latency[0] + (spec.latency[1] - spec.latency[0]) * draws[0]
        status: int | None = None
        if self._burst_left:
            self._burst_left -= 1
            status = 429
        elif draws[3] < p("429", 0.0):
            self._burst_left = spec.burst - 1
            status = 429
        elif draws[4] < p("5xx", 0.0):
            status = (500, 502, 503)[int(draws[5] * 3)]
        malformed: str | None = None
        if draws[7] < p("malformed", 0.0):
            malformed = MALFORMED_KINDS[int(draws[8] * len(MALFORMED_KINDS))]
        else:
            threshold = 0.0
            for kind in MALFORMED_KINDS:
                threshold += p(kind, 0.0)
                if draws[7] < threshold:
                    malformed = kind
                    break
        return FaultPlan(
            latency=latency,
            revoke_token=draws[1] < p("revoke_token", 0.0),
            reset_before=draws[2] < p("reset_before", 0.0),
            status=status,
            reset_after=draws[6] < p("reset_after", 0.0),
            malformed=malformed,
        )


HTML_PAGES = {
    502: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway"
    "</h1></center><hr><center>nginx</center></body></html>",
    503: "<html><head><title>503 Service Temporarily Unavailable</title></head><body><center>"
    "<h1>503 Service Temporarily Unavailable</h1></center><hr><center>nginx</center></body></html>",
    200: "<!DOCTYPE html><html><head><title>Bitwarden</title></head><body><p>Please sign in."
    "</p></body></html>",
}


def _wrong_types(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        return {k: (v if k == "object" else _wrong_types(v, k)) for k, v in value.items()}
    if isinstance(value, list):
        return [_wrong_types(v) for v in value]
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return len(value)
    return value


def _bad_enum(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (99 if k in ("type", "status") and isinstance(v, int) else _bad_enum(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_bad_enum(v) for v in value]
    return value


def malform(kind: str, body: bytes) -> tuple[bytes, str]:
    """A malformed replacement for a JSON answer, and its content type."""
    if kind == "html":
        return HTML_PAGES[200].encode(), "text/html"
    if kind == "truncated":
        return body[: max(1, len(body) // 2)], "application/json; charset=utf-8"
    document = json.loads(body)
    changed = _wrong_types(document) if kind == "wrong_types" else _bad_enum(document)
    if changed == document:
        return body[: max(1, len(body) // 2)], "application/json; charset=utf-8"
    return json.dumps(changed).encode(), "application/json; charset=utf-8"
