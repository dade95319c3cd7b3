"""Time, not calls: what a way of writing costs across the internet (issue 11).

The planner weighs imports against single calls with this model. Its inputs: the round
trip measured on this run's reads, the width of the fan-out (``bitwarden.max_concurrency``),
the client's own time per request, and the server's time per imported member or group,
``bitwarden.import_item_seconds`` — an **assumption**: the real server's cost is unknown
(the contract gives only the rate limits, §4).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dirsync.bitwarden.models import IMPORT_SMALL_LIMIT

IMPORT_MAX_BATCH = 20_000
"""The largest batch the planner sends with ``largeImport`` (bwdc sends 2,000): bounds one
request's server time and body (~2 MB) whatever the assumed cost."""
WRITE_SPACING = 1.1 / 5
"""Seconds between writes on one path: 5 a second (§4), with the throttle's margin."""
WRITES_PER_MINUTE = 60


@dataclass(frozen=True, slots=True)
class CostModel:
    round_trip: float = 0.2
    width: int = 128
    import_item_seconds: float = 0.00005
    call_seconds: float = 0.002
    """The client's and server's processing per request, paid one after another (the
    client holds Python's GIL); what makes many cheap calls dearer than one on a LAN."""

    def fan_out(self, calls: int) -> float:
        """*calls* on paths of their own (a budget each): rounds of ``width``."""
        if calls <= 0:
            return 0.0
        return math.ceil(calls / self.width) * self.round_trip + calls * self.call_seconds

    def one_path(self, calls: int) -> float:
        """*calls* on one path: 5 a second and 60 a minute."""
        if calls <= 0:
            return 0.0
        minutes, spaced = divmod(calls - 1, WRITES_PER_MINUTE)
        return minutes * 60 + spaced * WRITE_SPACING + self.round_trip + calls * self.call_seconds

    def import_batch(self, members: int, groups: int) -> int:
        """Members (and groups) per import request: the size whose imports end soonest."""
        return self._imports(members, groups)[0]

    def imports(self, members: int, groups: int, verify: bool = True) -> float:
        """The imports that carry *members* and *groups* in :meth:`import_batch` sizes,
        plus the listing that learns the new ids when *verify*."""
        if members <= 0 and groups <= 0:
            return 0.0
        listing = self.round_trip + self.call_seconds if verify else 0.0
        return self._imports(members, groups)[1] + listing

    def _imports(self, members: int, groups: int) -> tuple[int, float]:
        """(batch size, seconds): one request when all fits, else a kind's batches at
        once on the import path, groups after the members they name."""
        largest = max(members, groups)
        if largest <= IMPORT_SMALL_LIMIT:
            return IMPORT_SMALL_LIMIT, self._request(members + groups)
        options = []
        fewest, most = (
            math.ceil(largest / IMPORT_MAX_BATCH),
            math.ceil(largest / IMPORT_SMALL_LIMIT),
        )
        for requests in range(fewest, most + 1):
            batch = max(IMPORT_SMALL_LIMIT, math.ceil(largest / requests))
            if members <= batch and groups <= batch:
                seconds = self._request(members + groups)
            else:
                seconds = self._stage(members, batch) + self._stage(groups, batch)
            options.append((seconds, -batch))
        seconds, batch = min(options)
        return -batch, seconds

    def _request(self, items: int) -> float:
        return self.round_trip + self.call_seconds + items * self.import_item_seconds

    def _stage(self, items: int, batch: int) -> float:
        if items <= 0:
            return 0.0
        requests = math.ceil(items / batch)
        return self.one_path(requests) + min(items, batch) * self.import_item_seconds
