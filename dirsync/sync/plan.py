"""The planner: desired state + org snapshot + state file + now -> Plan. Pure: no I/O.

Which members and groups are dirsync's is decided in ``ownership.py``; what happens to
those that exist in ``existing.py``; leavers and the removal safety limits in
``leavers.py``; membership calls in ``membership.py``; invites, new groups and how they are
written in ``creations.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from dirsync.bitwarden.models import (
    MemberStatus,
    OrgSnapshot,
)
from dirsync.sync.actions import (
    Action,
    DeleteGroup,
    SetGroupMembers,
    UpdateGroup,
)
from dirsync.sync.confirmation import Awaiting, accepted_since, awaiting
from dirsync.sync.creations import Writes, plan_creations
from dirsync.sync.existing import existing_groups, existing_members
from dirsync.sync.leavers import guard, leaver_actions
from dirsync.sync.mapping import DesiredState
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
    groups = existing_groups(desired, owned, held_back)
    members = existing_members(desired, owned, state, now, policy, held_back)
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
