"""What dirsync itself did (revoke dates, managed ids, invite dates), as data: no I/O.

``state_file.py`` reads and writes it; the planner sees only this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, assert_never

from dirsync.sync.actions import (
    Action,
    Adopt,
    CreateGroup,
    Delete,
    DeleteGroup,
    Invite,
    ReAddress,
    Reinvite,
    Restore,
    Revoke,
    SetGroupMembers,
    SetMemberGroups,
    TakeOverGroup,
    TakeOverMember,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.errors import StateError

VERSION = 1


@dataclass(frozen=True, slots=True)
class State:
    managed_members: frozenset[str] = frozenset()
    """External ids of members dirsync manages (so a leaver gone from the source is known)."""
    managed_groups: frozenset[str] = frozenset()
    revoked: Mapping[str, datetime] = field(default_factory=dict)
    """Member id -> when dirsync revoked it. Revoked members not listed were revoked by a person."""
    invited: Mapping[str, datetime] = field(default_factory=dict)
    """Member id -> first seen Invited, or last re-invited (the API has no invite date)."""
    last_success: datetime | None = None
    accepted: Mapping[str, datetime] = field(default_factory=dict)
    """Member id -> first seen Accepted (waiting for an admin's confirmation)."""
    group_ids: frozenset[str] = frozenset()
    """The organization's group ids at the last run: a hint that lets their member ids be
    read alongside the lists (a round trip saved), never trusted for anything else."""

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "managed_members": sorted(self.managed_members),
            "managed_groups": sorted(self.managed_groups),
            "revoked": {k: v.isoformat() for k, v in sorted(self.revoked.items())},
            "invited": {k: v.isoformat() for k, v in sorted(self.invited.items())},
            "last_success": self.last_success.isoformat() if self.last_success else None,
            "accepted": {k: v.isoformat() for k, v in sorted(self.accepted.items())},
            "group_ids": sorted(self.group_ids),
        }

    @classmethod
    def from_json(cls, data: Any, where: Path) -> State:
        try:
            if data.get("version") != VERSION:
                raise StateError(f"state file {where}: unsupported version {data.get('version')!r}")
            last = data.get("last_success")
            return cls(
                managed_members=frozenset(_strings(data["managed_members"])),
                managed_groups=frozenset(_strings(data["managed_groups"])),
                revoked={str(k): _date(v) for k, v in data["revoked"].items()},
                invited={str(k): _date(v) for k, v in data["invited"].items()},
                last_success=_date(last) if last is not None else None,
                # Absent from files written before dirsync tracked it.
                accepted={str(k): _date(v) for k, v in data.get("accepted", {}).items()},
                group_ids=frozenset(_strings(data.get("group_ids", []))),
            )
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise StateError(
                f"state file {where} is corrupt ({type(exc).__name__}: {exc}); "
                "fix or restore it from a backup (it is never reset automatically)"
            ) from None


def _strings(values: Any) -> list[str]:
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        raise TypeError("expected a list of strings")
    return values


def _date(value: Any) -> datetime:
    if not isinstance(value, str):
        raise TypeError(f"expected an ISO date, got {value!r}")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(f"date {value!r} has no time zone")
    return parsed


def record(state: State, done: Iterable[tuple[Action, str | None]], now: datetime) -> State:
    """The state after the successful actions in *done* ((action, id of what it created))."""
    members = set(state.managed_members)
    groups = set(state.managed_groups)
    group_ids = set(state.group_ids)
    revoked = dict(state.revoked)
    invited = dict(state.invited)
    for action, created in done:
        match action:
            case Revoke():
                revoked[action.member_id] = now
            case Restore():
                revoked.pop(action.member_id, None)
            case Delete():
                revoked.pop(action.member_id, None)
                invited.pop(action.member_id, None)
                members.discard(action.external_id)
            case Reinvite():
                invited[action.member_id] = now
            case ReAddress():
                invited.pop(action.member_id, None)
                members.add(action.external_id)
                if created is not None:
                    invited[created] = now
            case Invite():
                members.add(action.external_id)
                if created is not None:
                    invited[created] = now
            case Adopt() | TakeOverMember():
                members.add(action.external_id)
            case TakeOverGroup():
                groups.add(action.external_id)
            case CreateGroup():
                groups.add(action.external_id)
                if created is not None:
                    group_ids.add(created)
            case DeleteGroup():
                groups.discard(action.external_id)
                group_ids.discard(action.group_id)
            case UpdateMember() | UpdateGroup() | SetGroupMembers() | SetMemberGroups():
                pass
            case _:
                assert_never(action)
    return replace(
        state,
        managed_members=frozenset(members),
        managed_groups=frozenset(groups),
        revoked=revoked,
        invited=invited,
        group_ids=frozenset(group_ids),
    )
