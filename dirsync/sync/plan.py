"""The planner: desired state + org snapshot + state file + now -> Plan. Pure: no I/O.

Leavers and the removal safety limits are decided in ``leavers.py``; membership calls in
``membership.py``; which members and groups are dirsync's in ``ownership.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from dirsync.bitwarden.models import (
    Association,
    Member,
    MemberStatus,
    MemberType,
    OrgSnapshot,
    Permissions,
)
from dirsync.sync.actions import (
    Action,
    Adopt,
    DeleteGroup,
    InviteStaged,
    ReAddress,
    Reinvite,
    SetGroupMembers,
    TakeOverGroup,
    TakeOverMember,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.confirmation import Awaiting, accepted_since, awaiting
from dirsync.sync.creations import Writes, plan_creations
from dirsync.sync.leavers import guard, leaver_actions, returning_action
from dirsync.sync.mapping import DesiredMember, DesiredState
from dirsync.sync.membership import Memberships
from dirsync.sync.ownership import Ownership, classify
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.seats import Seats, check_seats
from dirsync.sync.state import State

PHASES: dict[str, int] = {
    "adopt": 0,
    "re-address": 0,
    "invite-staged": 0,
    "take-over-member": 0,
    "take-over-group": 0,
    "restore": 0,
    "create-group": 0,
    "update-group": 0,
    "invite": 1,
    "update-member": 2,
    "set-group-members": 3,
    "set-member-groups": 3,
    "reinvite": 4,
    "revoke": 4,
    "delete": 4,
    "delete-group": 4,
}
"""Apply order: a later phase may refer to what an earlier one created."""


def phase_of(action: Action) -> int:
    """The action's phase; a group created by the import gets its access after it exists."""
    if isinstance(action, UpdateGroup) and action.group_id is None:
        return PHASES["update-member"]
    return PHASES[action.kind]


@dataclass(frozen=True, slots=True)
class Plan:
    actions: tuple[Action, ...]
    warnings: tuple[str, ...]
    state: State
    """The state file refreshed from what was seen, before any action's result."""
    managed_members: int
    managed_groups: int
    withheld_reason: str | None = None
    seats: Seats | None = None
    """The seats the plan takes (cloud); None when the subscription is unknown."""
    awaiting: Awaiting | None = None
    """Members waiting for an admin to confirm them (None: nobody)."""
    email_changes: tuple[str, ...] = ()
    """Changed source addresses dirsync cannot apply (also among the warnings)."""
    writes: Writes = field(default_factory=Writes)
    """How the creations and memberships go out: imports or single calls, and why."""

    def runnable(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if not getattr(a, "withheld", False))

    def withheld(self) -> tuple[Action, ...]:
        return tuple(a for a in self.actions if getattr(a, "withheld", False))

    def counts(self) -> dict[str, int]:
        return dict(Counter(a.kind for a in self.actions))

    def is_empty(self) -> bool:
        return not self.actions


def make_plan(
    desired: DesiredState,
    org: OrgSnapshot,
    state: State,
    now: datetime,
    policy: PlanPolicy,
) -> Plan:
    owned = classify(desired, org, state, policy.takeover)
    state = _observe(state, org, owned, now)
    takeover_reason = policy.takeovers_over_limit(len(owned.taken) + len(owned.taken_groups))
    held_back = takeover_reason is not None
    groups = _existing_groups(desired, owned, held_back)
    members = _existing_members(desired, owned, state, now, policy, held_back)
    ms = Memberships(
        desired=desired,
        org=_without(org, members.readdressed),
        members=members.controlled,
        new_members=frozenset(members.new),
        groups=groups.controlled,
        new_groups=frozenset(groups.new),
        labels={ext: m.email for ext, m in desired.members.items()},
        group_names={ext: g.name for ext, g in desired.groups.items()},
        unsynced=owned.blocked_groups | (owned.taken_groups.keys() if held_back else set()),
    )
    removals, reason = _removals(desired, owned, state, now, policy)
    if takeover_reason is not None:
        reason = f"{reason}; {takeover_reason}" if reason else takeover_reason
    creations, writes = plan_creations(ms, policy.create_as_staged, policy.costs)
    creations = _keep_readdressed(creations, members.readdressed, desired)
    actions, seats, seat_reason = check_seats(
        org, [*groups.actions, *members.actions, *creations, *removals], policy
    )
    if seat_reason is not None:
        reason = f"{reason}; {seat_reason}" if reason else seat_reason
    # Stable: inside a kind, actions keep the order they were made in (sorted by id).
    actions.sort(key=lambda a: (phase_of(a), a.kind))
    return Plan(
        actions=tuple(actions),
        warnings=(*desired.warnings, *owned.warnings, *members.warnings, *members.email_changes),
        email_changes=tuple(members.email_changes),
        state=state,
        managed_members=len(owned.members),
        managed_groups=len(owned.groups),
        withheld_reason=reason,
        seats=seats,
        awaiting=awaiting(org, state.accepted, now),
        writes=writes,
    )


@dataclass(slots=True)
class _Step:
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


def _without(org: OrgSnapshot, member_ids: Mapping[str, str]) -> OrgSnapshot:
    """The org as the membership step sees it: re-addressed members' old ids are gone."""
    if not member_ids:
        return org
    links = {gid: mids - member_ids.keys() for gid, mids in org.group_members.items()}
    return org.model_copy(update={"group_members": links})


def _keep_readdressed(
    actions: list[Action], readdressed: Mapping[str, str], desired: DesiredState
) -> list[Action]:
    """A group whose members are replaced keeps the re-addressed members it should have
    (their new ids are known once their invitation is made)."""
    if not readdressed:
        return actions
    kept: list[Action] = []
    for action in actions:
        if isinstance(action, SetGroupMembers):
            mine = tuple(
                ext
                for ext in readdressed.values()
                if action.group_external_id in desired.members[ext].groups
            )
            if mine:
                action = replace(
                    action, new_member_external_ids=(*action.new_member_external_ids, *mine)
                )
        kept.append(action)
    return kept


def _existing_groups(desired: DesiredState, owned: Ownership, held_back: bool) -> _Step:
    """Takeovers, renames and access changes of the groups that exist; the ones to create."""
    step = _Step()
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


def _existing_members(
    desired: DesiredState,
    owned: Ownership,
    state: State,
    now: datetime,
    policy: PlanPolicy,
    held_back: bool,
) -> _Step:
    """Takeovers, adoptions, restores, role updates and re-invites of members that exist."""
    step = _Step()
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


def _removals(
    desired: DesiredState, owned: Ownership, state: State, now: datetime, policy: PlanPolicy
) -> tuple[list[Action], str | None]:
    """Leavers and groups gone from the source, withheld past the safety limits (and why)."""
    removals, reason = guard(
        leaver_actions(desired, owned, state, now, policy), len(owned.members), policy
    )
    deletes, group_reason = guard(
        [
            DeleteGroup(group.id, ext, group.name)
            for ext, group in owned.groups.items()
            if ext not in desired.groups
        ],
        len(owned.groups),
        policy,
    )
    if group_reason is not None:
        reason = f"{reason}; groups: {group_reason}" if reason else f"groups: {group_reason}"
    return [*removals, *deletes], reason


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
    member_type, permissions = _kept_role(member, want, manage_types)
    groups = tuple(sorted(owned.groups[g].id for g in want.groups if g in owned.groups))
    return InviteStaged(
        member.id,
        want.external_id,
        member.email or want.email,
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
    step: _Step,
) -> ReAddress | None:
    """Invite the new address in place of an Invited or Staged member; otherwise report
    what an admin must do (the API cannot change an email, contract §7)."""
    old = member.email or member.id
    if member.status in _NO_ACCOUNT and policy.email_changes == "re-address":
        member_type, permissions = _kept_role(member, want, manage_types)
        groups = tuple(sorted(owned.groups[g].id for g in want.groups if g in owned.groups))
        return ReAddress(
            member.id,
            want.external_id,
            old,
            want.email,
            member_type,
            permissions,
            _collections(member),
            groups,
        )
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


def _observe(state: State, org: OrgSnapshot, owned: Ownership, now: datetime) -> State:
    """Bookkeeping from what is seen now: managed ids, live revocations, invite dates."""
    by_id = {m.id: m for m in org.members}
    revoked = {
        mid: when
        for mid, when in state.revoked.items()
        if mid in by_id and by_id[mid].status == MemberStatus.REVOKED
    }
    invited = {
        m.id: state.invited.get(m.id, now)
        for m in owned.members.values()
        if m.status == MemberStatus.INVITED
    }
    return State(
        managed_members=frozenset(owned.members),
        managed_groups=frozenset(owned.groups),
        revoked=revoked,
        invited=invited,
        last_success=state.last_success,
        accepted=accepted_since(org, state.accepted, now),
        group_ids=frozenset(g.id for g in org.groups),
    )
