"""Members who accepted their invitation and wait for an admin to confirm them.

Confirming needs the organization's key, which the Public API cannot use: a person does
it in the web vault (Members, Needs confirmation). dirsync reports how many wait and for
how long, counted from the run that first saw each one Accepted (the API gives no date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from dirsync.bitwarden.models import MemberStatus, OrgSnapshot

DAY = 86400.0


@dataclass(frozen=True, slots=True)
class Awaiting:
    emails: tuple[str, ...]
    longest_seconds: float

    def to_json(self) -> dict[str, Any]:
        return {
            "count": len(self.emails),
            "longest_wait_days": round(self.longest_seconds / DAY, 1),
            "members": list(self.emails),
        }

    def line(self) -> str:
        return (
            f"Awaiting confirmation: {len(self.emails)} members, the longest for "
            f"{self.longest_seconds / DAY:.1f} days; confirm them in the web vault "
            "(Members, Needs confirmation)."
        )


def accepted_since(
    org: OrgSnapshot, seen: Mapping[str, datetime], now: datetime
) -> dict[str, datetime]:
    """Member id -> when a run first saw it Accepted, for every Accepted member."""
    return {m.id: seen.get(m.id, now) for m in org.members if m.status == MemberStatus.ACCEPTED}


def awaiting(org: OrgSnapshot, since: Mapping[str, datetime], now: datetime) -> Awaiting | None:
    waiting = [m for m in org.members if m.status == MemberStatus.ACCEPTED]
    if not waiting:
        return None
    longest = max((now - since.get(m.id, now)).total_seconds() for m in waiting)
    return Awaiting(tuple(sorted(m.email or m.id for m in waiting)), max(0.0, longest))
