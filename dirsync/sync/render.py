"""A Plan as data for JSON and as a readable table (strings only; the CLI prints them)."""

from __future__ import annotations

from dataclasses import asdict, fields
from enum import Enum
from typing import Any, assert_never

from pydantic import BaseModel

from dirsync.display import display_width, pad
from dirsync.sync.actions import (
    Action,
    Adopt,
    CreateGroup,
    Delete,
    DeleteGroup,
    Invite,
    InviteStaged,
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
from dirsync.sync.creations import Writes
from dirsync.sync.plan import Plan


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    return value


def action_json(action: Action) -> dict[str, Any]:
    data: dict[str, Any] = {"kind": action.kind}
    for f in fields(action):
        data[f.name] = _plain(getattr(action, f.name))
    return data


def plan_json(plan: Plan) -> dict[str, Any]:
    return {
        "actions": [action_json(a) for a in plan.actions],
        "counts": plan.counts(),
        "withheld": len(plan.withheld()),
        "withheld_reason": plan.withheld_reason,
        "seats": plan.seats.to_json() if plan.seats else None,
        "awaiting_confirmation": plan.awaiting.to_json() if plan.awaiting else None,
        "email_changes": list(plan.email_changes),
        "writes": asdict(plan.writes),
        "managed_members": plan.managed_members,
        "managed_groups": plan.managed_groups,
        "warnings": list(plan.warnings),
    }


def _names(label: str, items: tuple[str, ...], limit: int = 5) -> str:
    if not items:
        return ""
    shown = ", ".join(items[:limit])
    more = f" (+{len(items) - limit} more)" if len(items) > limit else ""
    return f"{label} {shown}{more}"


def describe(action: Action) -> str:
    """One line of detail for the table."""
    match action:
        case Invite():
            how = "import" if action.via_import else "invite"
            groups = len(action.group_ids) + len(action.new_group_external_ids)
            return (
                f"{how}, {_type_name(action.type)}, id {action.external_id}"
                + (f", {groups} groups" if groups else "")
                + _withheld(action.withheld)
            )
        case Adopt():
            return f"set externalId {action.external_id}, type {_type_name(action.type)}"
        case TakeOverMember() | TakeOverGroup():
            return f"externalId {action.old_external_id} -> {action.external_id}" + _withheld(
                action.withheld
            )
        case UpdateMember():
            return f"type {_type_name(action.old_type)} -> {_type_name(action.type)}"
        case Revoke() | Delete():
            return action.reason + _withheld(action.withheld)
        case CreateGroup():
            count = len(action.member_external_ids)
            how = (
                f"import with {count} member{'' if count == 1 else 's'}"
                if action.via_import
                else "create"
            )
            return f"{how}, id {action.external_id}"
        case UpdateGroup():
            parts = []
            if action.old_name != action.name:
                parts.append(f"rename from {action.old_name}")
            if action.collections is not None:
                parts.append(f"{len(action.collections)} collections")
            return ", ".join(parts)
        case SetGroupMembers() | SetMemberGroups():
            how = "import; " if isinstance(action, SetGroupMembers) and action.via_import else ""
            return how + "; ".join(
                p for p in (_names("+", action.added), _names("-", action.removed)) if p
            )
        case DeleteGroup():
            return _withheld(action.withheld).strip()
        case InviteStaged():
            return "start date reached: the Staged member is invited"
        case ReAddress():
            return f"from {action.old_email}: invitation moved to the new address"
        case Restore() | Reinvite():
            return ""
        case _:
            assert_never(action)


def _withheld(withheld: bool) -> str:
    return " [WITHHELD]" if withheld else ""


def _type_name(value: object) -> str:
    return value.name.lower() if isinstance(value, Enum) else str(value)


def _writes_line(writes: Writes) -> str:
    routed = (
        f" ({writes.memberships_imported} existing groups' members)"
        if writes.memberships_imported
        else ""
    )
    return (
        f"Import: {writes.imported_members} members, {writes.imported_groups} groups{routed}, "
        f"up to {writes.import_batch} a request; chosen by time at a "
        f"{writes.round_trip * 1000:.0f} ms round trip."
    )


def withheld_text(plan: Plan) -> str:
    """What the limits withheld, why, and the flag that lets it through."""
    withheld = plan.withheld()
    takeovers = sum(1 for a in withheld if isinstance(a, TakeOverMember | TakeOverGroup))
    invites = sum(1 for a in withheld if isinstance(a, Invite))
    parts, flags = [], []
    if len(withheld) > takeovers + invites:
        parts.append(f"{len(withheld) - takeovers - invites} removals")
        flags.append("--allow-removals N")
    if invites:
        parts.append(f"{invites} invites")
        flags.append("--allow-seat-growth N")
    if takeovers:
        parts.append(f"{takeovers} takeovers")
        flags.append("--allow-takeovers N")
    return (
        f"{' and '.join(parts)} ({plan.withheld_reason}); review the plan, then run "
        f"`dirsync sync {' '.join(flags)}`"
    )


def plan_table(plan: Plan) -> str:
    waiting = [plan.awaiting.line()] if plan.awaiting else []
    if plan.is_empty():
        return "\n".join(["No changes: the organization matches the source.", *waiting])
    rows = [(a.kind, a.target(), describe(a)) for a in plan.actions]
    width = [max(display_width(r[i]) for r in [("ACTION", "TARGET", ""), *rows]) for i in range(2)]
    lines = [f"{pad('ACTION', width[0])}  {pad('TARGET', width[1])}  DETAIL"]
    lines += [f"{pad(k, width[0])}  {pad(t, width[1])}  {d}".rstrip() for k, t, d in rows]
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(plan.counts().items()))
    lines.append(f"Plan: {counts}.")
    if plan.writes.imported_members or plan.writes.imported_groups:
        lines.append(_writes_line(plan.writes))
    if plan.seats is not None and plan.seats.needed:
        lines.append(plan.seats.line())
    if plan.withheld_reason:
        lines.append(f"Withheld: {withheld_text(plan)}.")
    return "\n".join([*lines, *waiting])
