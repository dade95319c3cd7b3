"""The knobs the planner obeys, taken from [sync] and the command line."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from dirsync.config import SyncConfig
from dirsync.sync.costs import CostModel


@dataclass(frozen=True, slots=True)
class PlanPolicy:
    removal: Literal["revoke", "delete", "none"] = "revoke"
    delete_after_days: int = 0
    """With revoke: delete members dirsync revoked this many days ago (0: never)."""
    max_removals: int = 25
    max_removal_percent: float = 10
    reinvite_after_days: int = 0
    allow_removals: int | None = None
    """--allow-removals N: this run may remove up to N whatever the limits say."""
    takeover: frozenset[str] = frozenset()
    max_takeovers: int = 25
    allow_takeovers: int | None = None
    """--allow-takeovers N: this run may take over up to N whatever the limit says."""
    max_seat_growth: int = 0
    email_changes: Literal["re-address", "report"] = "re-address"
    create_as_staged: bool = False
    allow_seat_growth: int | None = None
    """--allow-seat-growth N: this run may add up to N seats (never past the autoscale cap)."""
    costs: CostModel = field(default_factory=CostModel)
    """What writes cost in time: import or single calls (sync/costs.py)."""

    def takeovers_over_limit(self, count: int) -> str | None:
        """Why *count* takeovers are withheld, or None."""
        if self.allow_takeovers is not None:
            if count <= self.allow_takeovers:
                return None
            return f"{count} takeovers exceed --allow-takeovers {self.allow_takeovers}"
        if count <= self.max_takeovers:
            return None
        return f"{count} takeovers exceed sync.max_takeovers ({self.max_takeovers})"

    @classmethod
    def from_sync(
        cls,
        sync: SyncConfig,
        allow_removals: int | None = None,
        allow_takeovers: int | None = None,
        allow_seat_growth: int | None = None,
        costs: CostModel | None = None,
    ) -> PlanPolicy:
        return cls(
            removal=sync.removal,
            delete_after_days=sync.delete_after_days,
            max_removals=sync.max_removals,
            max_removal_percent=sync.max_removal_percent,
            reinvite_after_days=sync.reinvite_after_days,
            allow_removals=allow_removals,
            takeover=frozenset(sync.takeover),
            max_takeovers=sync.max_takeovers,
            allow_takeovers=allow_takeovers,
            max_seat_growth=sync.max_seat_growth,
            email_changes=sync.email_changes,
            create_as_staged=sync.create_as_staged,
            allow_seat_growth=allow_seat_growth,
            costs=costs or CostModel(),
        )
