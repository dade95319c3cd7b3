"""The members and groups that exist: what the plan does to each.

Takeovers of another tool's objects, adoptions by email, renames and access changes of
groups, restores, role updates, re-invites, and changed addresses (re-addressed or
reported). Pure, like the rest of the planner (``plan.py`` assembles the steps).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from dirsync.bitwarden.models import Association, Member, MemberStatus, MemberType, Permissions
from dirsync.sync.actions import (
    Action,
    Adopt,
    InviteStaged,
    ReAddress,
    Reinvite,
    TakeOverGroup,
    TakeOverMember,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.leavers import returning_action
from dirsync.sync.mapping import DesiredMember, DesiredState
from dirsync.sync.ownership import Ownership
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State

A = TypeVar("A", bound=ReAddress)


@dataclass(slots=True)
class Step:
    """What one planning step found: its actions, and the ids the next steps need."""

    actions: list[Action] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    """External ids to create."""
    controlled: dict[str, str] = field(default_factory=dict)
    """External id -> Bitwarden id of what exists and dirsync keeps in line."""
    email_changes: list[str] = field(default_factory=list)
    """Changed addresses dirsync cannot apply: what an admin or the person must do."""
    readdressed: dict[str, str] = field(default_factory=dict)
    """Old member id -> external id of members invited again at a new address."""


def existing_groups(desired: DesiredState, owned: Ownership, held_back: bool) -> Step:
    """Takeovers, renames and access changes of the groups that exist; the ones to create."""
    step = Step()
    for ext, target in desired.groups.items():
        if ext in owned.blocked_groups:
            continue
        group = owned.groups.get(ext)
        if group is None and (group := owned.taken_groups.get(ext)) is not None:
            step.actions.append(
                TakeOverGroup(group.id, group.external_id, ext, target.name, withheld=held_back)
            )
            if held_back:
                continue
            group = group.model_copy(update={"name": target.name})
        if group is None:
            step.new.append(ext)
            continue
        step.controlled[ext] = group.id
        access_differs = target.collections is not None and _access(group.collections) != set(
            target.collections
        )
        if group.name != target.name or access_differs:
            step.actions.append(
                UpdateGroup(group.id, ext, target.name, target.collections, group.name)
            )
    return step


def existing_members(
    desired: DesiredState,
    owned: Ownership,
    state: State,
    now: datetime,
    policy: PlanPolicy,
    held_back: bool,
) -> Step:
    """Takeovers, adoptions, restores, role updates and re-invites of members that exist."""
    step = Step()
    for ext, want in desired.members.items():
        if ext in owned.blocked:
            continue
        member = owned.members.get(ext)
        adopted = member is None
        if member is None and (member := owned.taken.get(ext)) is not None:
            step.actions.append(_take_over(member, want, held_back))
            if held_back:
                continue
            adopted = False
        if member is None:
            member = owned.adoptable.get(ext)
            if member is None:
                step.new.append(ext)
                continue
            step.actions.append(_adopt(member, want, desired.manage_types))
        if member.status == MemberStatus.REVOKED:
            restore = returning_action(member, ext, state)
            if restore is None:
                step.warnings.append(f"{want.email}: revoked by a person; left revoked")
                continue
            step.actions.append(restore)
        elif (
            member.status == MemberStatus.STAGED and not want.staged and not policy.create_as_staged
        ):
            step.actions.append(_invite_staged(member, want, owned, desired.manage_types))
            step.readdressed[member.id] = ext
            continue
        elif not adopted and _email_changed(member, want):
            readdress = _email_change(member, want, owned, desired.manage_types, policy, step)
            if readdress is not None:
                step.actions.append(readdress)
                step.readdressed[member.id] = ext
                continue
        step.controlled[ext] = member.id
        if not adopted and desired.manage_types and _role_differs(member, want):
            step.actions.append(_update(member, want))
        if _reinvite_due(member, state, now, policy):
            step.actions.append(Reinvite(member.id, ext, want.email))
    return step


def _access(collections: Iterable[Association] | None) -> set[Association]:
    return set(collections or ())


def _role_differs(member: Member, want: DesiredMember) -> bool:
    if member.type != want.type:
        return True
    return want.type == MemberType.CUSTOM and member.permissions != want.permissions


def _collections(member: Member) -> tuple[Association, ...] | None:
    return tuple(member.collections) if member.collections is not None else None


def _adopt(holder: Member, want: DesiredMember, manage_types: bool) -> Adopt:
    member_type, permissions = _kept_role(holder, want, manage_types)
    return Adopt(
        holder.id, want.external_id, want.email, member_type, permissions, _collections(holder)
    )


def _kept_role(
    member: Member, want: DesiredMember, manage_types: bool
) -> tuple[MemberType, Permissions | None]:
    """The type to send on a PUT: the mapped one, or the member's own with no role mapping."""
    if manage_types:
        return want.type, want.permissions
    return MemberType(member.type), member.permissions


def _take_over(member: Member, want: DesiredMember, held_back: bool) -> TakeOverMember:
    """Rewrite the other tool's externalId; type and permissions stay (roles act later)."""
    return TakeOverMember(
        member.id,
        member.external_id or "",
        want.external_id,
        want.email,
        MemberType(member.type),
        member.permissions,
        _collections(member),
        withheld=held_back,
    )


def _update(member: Member, want: DesiredMember) -> UpdateMember:
    return UpdateMember(
        member.id,
        want.external_id,
        want.email,
        want.type,
        want.permissions,
        _collections(member),
        member.type,
    )


_NO_ACCOUNT = frozenset({MemberStatus.INVITED, MemberStatus.STAGED})


def _invite_staged(
    member: Member, want: DesiredMember, owned: Ownership, manage_types: bool
) -> InviteStaged:
    old = member.email or want.email
    return _readdress(InviteStaged, member, want, owned, manage_types, old)


def _readdress(
    kind: type[A],
    member: Member,
    want: DesiredMember,
    owned: Ownership,
    manage_types: bool,
    old_email: str,
) -> A:
    """Remove *member* and invite *want*'s address in its place, keeping what it had."""
    member_type, permissions = _kept_role(member, want, manage_types)
    groups = tuple(sorted(owned.groups[g].id for g in want.groups if g in owned.groups))
    return kind(
        member.id,
        want.external_id,
        old_email,
        want.email,
        member_type,
        permissions,
        _collections(member),
        groups,
    )


def _email_changed(member: Member, want: DesiredMember) -> bool:
    return (member.email or "").casefold() != want.email.casefold()


def _email_change(
    member: Member,
    want: DesiredMember,
    owned: Ownership,
    manage_types: bool,
    policy: PlanPolicy,
    step: Step,
) -> ReAddress | None:
    """Invite the new address in place of an Invited or Staged member; otherwise report
    what an admin must do (the API cannot change an email, contract §7)."""
    old = member.email or member.id
    if member.status in _NO_ACCOUNT and policy.email_changes == "re-address":
        return _readdress(ReAddress, member, want, owned, manage_types, old)
    if member.status in _NO_ACCOUNT:
        todo = "sync.email_changes = 'report': re-invite the new address by hand"
    else:
        todo = (
            "the person has an account, whose email only they can change (Account settings); "
            "dirsync keeps managing the member by its externalId and invites no duplicate"
        )
    step.email_changes.append(f"{old}: the source's address is now {want.email}; {todo}")
    return None


def _reinvite_due(member: Member, state: State, now: datetime, policy: PlanPolicy) -> bool:
    if policy.reinvite_after_days <= 0 or member.status != MemberStatus.INVITED:
        return False
    since = state.invited.get(member.id)
    return since is not None and now - since >= timedelta(days=policy.reinvite_after_days)
