"""Options and the running emulator's parts (state, tokens, limiter, faults, request log)."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, cast

from starlette.requests import Request

from dirsync.emulator import seed
from dirsync.emulator.faults import FaultInjector, FaultSpec
from dirsync.emulator.identity import TokenIssuer
from dirsync.emulator.latency import LatencyModel
from dirsync.emulator.ratelimit import RateLimiter
from dirsync.emulator.store import Store, new_id


@dataclass
class EmulatorOptions:
    org_id: str | None = None
    client_secret: str | None = None
    seed: dict[str, Any] | None = None
    rate_limit: str = "cloud"
    """"cloud" (contract §4) or "off" (self-hosted)."""
    time_scale: float = 1.0
    faults: str | None = None
    token_lifetime: int = 3600
    clock_skew: float = 1.0
    latency: LatencyModel = field(default_factory=LatencyModel)
    """Round trip and server cost as a model (latency.py), not a fault."""


@dataclass
class Emulator:
    """Everything a request handler can touch."""

    options: EmulatorOptions
    store: Store = field(init=False)
    issuer: TokenIssuer = field(init=False)
    limiter: RateLimiter = field(init=False)
    faults: FaultInjector = field(init=False)
    requests: list[dict[str, Any]] = field(default_factory=list)
    jitter: random.Random = field(default_factory=lambda: random.Random(0))  # noqa: S311
    """Draws the latency model's jitter (reproducible, not secret)."""

    def __post_init__(self) -> None:
        options = self.options
        if options.time_scale <= 0:
            raise ValueError(f"time scale must be > 0, not {options.time_scale}")
        self.issuer = TokenIssuer(options.token_lifetime, options.clock_skew)
        self.limiter = RateLimiter(options.time_scale)
        self.store = seed.load(
            options.seed or {}, options.org_id or new_id(), options.client_secret
        )
        self.faults = FaultInjector(FaultSpec.parse(options.faults))

    @property
    def rate_limited(self) -> bool:
        return self.options.rate_limit == "cloud"

    def reset(self, document: dict[str, Any] | None) -> None:
        """Fresh state from a seed; org id and secret stay unless the seed sets them."""
        self.store = seed.load(document or {}, self.store.org.id, self.store.client_secret)
        self.limiter.reset()
        self.requests.clear()
        self.faults = FaultInjector(FaultSpec.parse(self.options.faults))

    def set_faults(self, spec: str) -> None:
        self.faults = FaultInjector(FaultSpec.parse(spec))

    def log(self, method: str, path: str, status: int, fault: str | None) -> None:
        entry: dict[str, Any] = {"method": method, "path": path, "status": status}
        entry["time"] = time.time()
        if fault:
            entry["fault"] = fault
        self.requests.append(entry)


def emulator_of(request: Request) -> Emulator:
    return cast(Emulator, request.app.state.emulator)


def store_of(request: Request) -> Store:
    return emulator_of(request).store


def client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None
