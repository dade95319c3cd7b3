"""The network and the server's work as time, for measuring a client across the internet.

``rtt``: every request spends half its round trip before the server handles it and half
after, so a write that reached the server is applied even when the client has given up
waiting (as a real server would). ``jitter`` varies each half by up to ±jitter/2.
``import_item_cost``: seconds the server spends per member and group of an import, added
after it is applied. **An assumption**: the real server's cost is not published; the
default 0 models none, and a benchmark that sets it says which value it used.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class LatencyModel:
    rtt: float = 0.0
    jitter: float = 0.0
    import_item_cost: float = 0.0

    def __post_init__(self) -> None:
        if min(self.rtt, self.jitter, self.import_item_cost) < 0:
            raise ValueError("rtt, jitter and import_item_cost must be >= 0")
        if self.jitter > self.rtt:
            raise ValueError("jitter cannot exceed the round trip time")

    def half(self, rng: random.Random) -> float:
        """One way of the round trip."""
        if self.jitter:
            return max(0.0, self.rtt / 2 + (rng.random() - 0.5) * self.jitter / 2)
        return self.rtt / 2

    async def one_way(self, rng: random.Random) -> None:
        delay = self.half(rng)
        if delay:
            await asyncio.sleep(delay)

    async def server_work(self, items: int) -> None:
        """The assumed server cost of a bulk write of *items* members and groups."""
        if self.import_item_cost and items:
            await asyncio.sleep(self.import_item_cost * items)
