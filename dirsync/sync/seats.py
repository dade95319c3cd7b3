"""Seats (contract §7): what a plan's invites and restores take, and how far they may grow
the subscription. Never grow the bill silently: invites beyond the free seats are withheld
unless growth is allowed (``sync.max_seat_growth``, ``--allow-seat-growth N``), and never
beyond the autoscale cap.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from dirsync.bitwarden.models import MemberStatus, OrgSnapshot
from dirsync.sync.actions import (
    Action,
    Invite,
    InviteStaged,
    Restore,
    SetMemberGroups,
    UpdateMember,
)
from dirsync.sync.policy import PlanPolicy

OCCUPYING = frozenset({MemberStatus.INVITED, MemberStatus.ACCEPTED, MemberStatus.CONFIRMED})
"""Statuses that take a seat; Revoked and Staged members take none."""


@dataclass(frozen=True, slots=True)
class Seats:
    seats: int
    """The subscription's seats now."""
    occupied: int
    needed: int
    """Seats the plan's invites and restores take."""
    max_autoscale: int | None
    """The autoscale cap; None: no cap."""
    withheld: int = 0

    @property
    def free(self) -> int:
        return max(0, self.seats - self.occupied)

    @property
    def headroom(self) -> int | None:
        """Seats autoscaling may still add; None: unbounded."""
        return None if self.max_autoscale is None else max(0, self.max_autoscale - self.seats)

    def to_json(self) -> dict[str, Any]:
        return {
            "seats": self.seats,
            "occupied": self.occupied,
            "free": self.free,
            "needed": self.needed,
            "max_autoscale_seats": self.max_autoscale,
            "autoscale_headroom": self.headroom,
            "withheld_invites": self.withheld,
        }

    def line(self) -> str:
        headroom = "unbounded" if self.headroom is None else str(self.headroom)
        return (
            f"Seats: {self.needed} needed, {self.free} free of {self.seats}, "
            f"autoscale headroom {headroom}"
            + (f"; {self.withheld} invites withheld" if self.withheld else "")
            + "."
        )


def check_seats(
    org: OrgSnapshot, actions: Sequence[Action], policy: PlanPolicy
) -> tuple[list[Action], Seats | None, str | None]:
    """The actions with the invites the seats cannot take withheld, the seat figures, why."""
    counts = org.subscription.password_manager if org.subscription else None
    if counts is None or counts.seats is None:
        return list(actions), None, None
    occupied = sum(1 for m in org.members if m.status in OCCUPYING)
    needed = sum(
        1
        for a in actions
        if isinstance(a, Restore | InviteStaged) or (isinstance(a, Invite) and not a.staged)
    )
    seats = Seats(counts.seats, occupied, needed, counts.max_auto_scale_seats)
    growth = max(0, needed - seats.free)
    allowed = policy.allow_seat_growth
    limit = policy.max_seat_growth if allowed is None else allowed
    if seats.headroom is not None:
        limit = min(limit, seats.headroom)
    over = growth - limit
    if over <= 0:
        return list(actions), seats, None
    invites = [a for a in actions if isinstance(a, Invite) and not a.staged]
    held = {a.external_id for a in invites[len(invites) - min(over, len(invites)) :]}
    kept: list[Action] = []
    for action in actions:
        if isinstance(action, Invite) and action.external_id in held:
            kept.append(replace(action, withheld=True))
        elif not (
            isinstance(action, UpdateMember | SetMemberGroups)
            and action.member_id is None
            and action.external_id in held
        ):
            kept.append(action)
    why = (
        f"--allow-seat-growth {allowed}"
        if allowed is not None
        else f"sync.max_seat_growth = {policy.max_seat_growth}"
    )
    cap = "" if seats.max_autoscale is None else f", autoscale cap {seats.max_autoscale}"
    reason = (
        f"{needed} invites and restores need {growth} seats beyond the {seats.free} free "
        f"({why}{cap})"
    )
    return kept, replace(seats, withheld=len(held)), reason
