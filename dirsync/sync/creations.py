"""The invites, new groups and membership calls, and how they are written: through the
import or one call at a time, whichever the cost model (costs.py) says ends sooner."""

from __future__ import annotations

from dataclasses import dataclass, replace

from dirsync.bitwarden.models import IMPORT_SMALL_LIMIT, MemberType
from dirsync.sync.actions import (
    Action,
    CreateGroup,
    Invite,
    SetGroupMembers,
    SetMemberGroups,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.costs import CostModel
from dirsync.sync.membership import Edges, Memberships, replace_calls


@dataclass(frozen=True, slots=True)
class Strategy:
    members_import: bool
    groups_import: bool
    seconds: float


@dataclass(frozen=True, slots=True)
class Writes:
    """The cost model's choice (sync/costs.py), for the executor and for ``plan``."""

    import_batch: int = IMPORT_SMALL_LIMIT
    """Members (and groups) per import request."""
    imported_members: int = 0
    imported_groups: int = 0
    """New groups, and existing ones whose membership the import replaces."""
    memberships_imported: int = 0
    estimate: float = 0.0
    """Seconds the invites, group creations and membership calls should take."""
    round_trip: float = 0.0
    """The round trip the estimate assumed (measured on this run's reads)."""


def plan_creations(ms: Memberships, staged: bool, costs: CostModel) -> tuple[list[Action], Writes]:
    """Invites and new groups (through import or one by one), then the membership calls,
    and how they will be written.

    *staged*: new members go through the import as Staged (only it can create them).
    """
    desired, synced = ms.desired, ms.groups
    current = ms.current()
    edges = ms.edges(current)
    strategy = _strategy(ms, edges, costs)
    members_import, groups_import = strategy.members_import, strategy.groups_import
    staged_wanted = any(desired.members[m].staged for m in ms.new_members)
    members_import = members_import or ((staged or staged_wanted) and bool(ms.new_members))
    actions: list[Action] = []
    for ext in sorted(ms.new_members):
        want = desired.members[ext]
        groups = () if members_import else ms.wanted(ext)
        existing = tuple(sorted(synced[g] for g in groups if g in synced)) if groups else ()
        created = tuple(sorted(g for g in groups if g not in synced)) if groups else ()
        actions.append(
            Invite(
                ext,
                want.email,
                want.type,
                want.permissions,
                existing,
                created,
                members_import,
                staged=staged or want.staged,
            )
        )
        if members_import and want.type != MemberType.USER:
            actions.append(
                UpdateMember(
                    None, ext, want.email, want.type, want.permissions, (), MemberType.USER
                )
            )
    importable = set(ms.members) | (set(ms.new_members) if members_import else set())
    for ext in sorted(ms.new_groups):
        new = desired.groups[ext]
        members = tuple(sorted(importable & new.member_ids)) if groups_import else ()
        actions.append(CreateGroup(ext, new.name, new.collections, members, groups_import))
        if groups_import and new.collections:
            actions.append(UpdateGroup(None, ext, new.name, new.collections, new.name))
    free_members = frozenset() if members_import else ms.new_members
    free_groups = ms.new_groups if groups_import else frozenset()
    calls = replace_calls(ms, current, edges.without(free_members, free_groups))
    imported_m = len(ms.new_members) if members_import else 0
    imported_g = len(ms.new_groups) if groups_import else 0
    importing = (imported_m, imported_g) if members_import or not ms.new_members else None
    calls, routed = _route_memberships(ms, calls, importing, costs)
    actions.extend(calls)
    return actions, Writes(
        import_batch=costs.import_batch(imported_m, imported_g + routed),
        imported_members=imported_m,
        imported_groups=imported_g + routed,
        memberships_imported=routed,
        estimate=strategy.seconds,
        round_trip=costs.round_trip,
    )


def _strategy(ms: Memberships, edges: Edges, costs: CostModel) -> Strategy:
    """Invite, and create groups, through import or one by one: whichever ends soonest."""
    new_m, new_g = ms.new_members, ms.new_groups
    non_user = sum(1 for m in new_m if ms.desired.members[m].type != MemberType.USER)
    with_access = sum(1 for g in new_g if ms.desired.groups[g].collections)
    options: list[Strategy] = []
    for members_import in (False, True) if new_m else (False,):
        for groups_import in (False, True) if new_g else (False,):
            touched_members: set[str] = set()
            touched_groups: set[str] = set()
            for member, groups in edges.by_member.items():
                if (member in new_m and not members_import) or (groups_import and groups <= new_g):
                    continue
                left = groups - new_g if groups_import else groups
                if left:
                    touched_members.add(member)
                    touched_groups |= left
            imported_m = len(new_m) if members_import else 0
            imported_g = len(new_g) if groups_import else 0
            seconds = (
                costs.imports(imported_m, imported_g)
                + costs.one_path(len(new_m) - imported_m)
                + costs.one_path(len(new_g) - imported_g)
                + costs.fan_out(
                    (non_user if members_import else 0) + (with_access if groups_import else 0)
                )
                + costs.fan_out(min(len(touched_members), len(touched_groups)))
            )
            options.append(Strategy(members_import, groups_import, seconds))
    return min(options, key=lambda option: option.seconds)


def _route_memberships(
    ms: Memberships,
    calls: list[SetGroupMembers | SetMemberGroups],
    importing: tuple[int, int] | None,
    costs: CostModel,
) -> tuple[list[SetGroupMembers | SetMemberGroups], int]:
    """The membership calls, existing groups' member sets carried by an import where that
    ends sooner (one import replaces the membership of every group it names, contract §1
    Import); and how many were. *importing*: (members, groups) the plan imports anyway,
    or None when new members are invited one by one (an import would run before them).

    A group qualifies when every member it keeps is dirsync's, so named by externalId.
    """
    controlled = set(ms.members.values())
    eligible = [
        c
        for c in calls
        if isinstance(c, SetGroupMembers)
        and c.group_id is not None
        and controlled.issuperset(c.member_ids)
    ]
    if importing is None or not eligible:
        return calls, 0
    members, groups = importing
    # Memberships need no listing afterwards: compare the imports' time without it.
    more = costs.imports(members, groups + len(eligible), verify=False) - costs.imports(
        members, groups, verify=False
    )
    if costs.fan_out(len(calls) - len(eligible)) + more >= costs.fan_out(len(calls)):
        return calls, 0
    chosen = {id(c) for c in eligible}
    known = ms.members.keys() | ms.new_members
    return [
        replace(
            c,
            via_import=True,
            member_external_ids=tuple(
                sorted(m for m in ms.desired.groups[c.group_external_id].member_ids if m in known)
            ),
        )
        if id(c) in chosen and isinstance(c, SetGroupMembers)
        else c
        for c in calls
    ], len(eligible)
