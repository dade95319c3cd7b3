"""The knobs the planner obeys, taken from [sync] and the command line."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from dirsync.config import SyncConfig


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

    @classmethod
    def from_sync(cls, sync: SyncConfig, allow_removals: int | None = None) -> PlanPolicy:
        return cls(
            removal=sync.removal,
            delete_after_days=sync.delete_after_days,
            max_removals=sync.max_removals,
            max_removal_percent=sync.max_removal_percent,
            reinvite_after_days=sync.reinvite_after_days,
            allow_removals=allow_removals,
        )
