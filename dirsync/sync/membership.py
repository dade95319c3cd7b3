"""Group membership changes, covered by the fewest replace calls.

Every membership change is an edge (member, group). A ``PUT /groups/{id}/member-ids``
covers all edges of one group, a ``PUT /members/{id}/group-ids`` all edges of one member;
a minimal set of calls is a vertex cover of that bipartite graph, chosen greedily by degree.
Edges set by the creating call itself (a single invite with its groups, or an import of a
new group with its members) are free. Every replace call sends the complete target set,
so the calls agree with each other in any order, and memberships dirsync does not manage
(unmanaged groups, untouched members) are sent back unchanged.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from dirsync.bitwarden.models import OrgSnapshot
from dirsync.sync.actions import SetGroupMembers, SetMemberGroups
from dirsync.sync.mapping import DesiredState

_NONE: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Edges:
    """Membership changes as adjacency in both directions (external ids)."""

    by_member: dict[str, set[str]] = field(default_factory=dict)
    by_group: dict[str, set[str]] = field(default_factory=dict)

    def add(self, member: str, group: str) -> None:
        self.by_member.setdefault(member, set()).add(group)
        self.by_group.setdefault(group, set()).add(member)

    def without(self, members: frozenset[str], groups: frozenset[str]) -> Edges:
        """The edges not touching the given (free) members or groups."""
        kept = Edges()
        for member, targets in self.by_member.items():
            if member in members:
                continue
            for group in targets:
                if group not in groups:
                    kept.add(member, group)
        return kept


@dataclass(frozen=True, slots=True)
class Memberships:
    """Who dirsync controls, and the current and desired memberships of them."""

    desired: DesiredState
    org: OrgSnapshot
    members: Mapping[str, str]
    """Controlled existing members: external id -> member id."""
    new_members: frozenset[str]
    groups: Mapping[str, str]
    """Synced existing groups: external id -> group id."""
    new_groups: frozenset[str]
    labels: Mapping[str, str]
    """Member external id -> email, for display."""
    group_names: Mapping[str, str]

    unsynced: frozenset[str]
    """Desired groups dirsync cannot sync (their externalId is held by another group)."""

    def wanted(self, member: str) -> frozenset[str]:
        groups = self.desired.members[member].groups
        return groups - self.unsynced if self.unsynced else groups

    def current(self) -> dict[str, set[str]]:
        """Controlled existing member external id -> synced existing groups it is in
        (members in none are absent)."""
        group_ext = {gid: ext for ext, gid in self.groups.items()}
        member_ext = {mid: ext for ext, mid in self.members.items()}
        current: dict[str, set[str]] = {}
        for gid, member_ids in self.org.group_members.items():
            g = group_ext.get(gid)
            if g is None:
                continue
            for mid in member_ids:
                m = member_ext.get(mid)
                if m is not None:
                    current.setdefault(m, set()).add(g)
        return current

    def edges(self, current: Mapping[str, AbstractSet[str]]) -> Edges:
        edges = Edges()
        for member in self.members:
            now_in = current.get(member, _NONE)
            wanted = self.wanted(member)
            if now_in == wanted:
                continue
            for group in wanted ^ now_in:
                edges.add(member, group)
        for member in self.new_members:
            for group in self.wanted(member):
                edges.add(member, group)
        return edges


def cover(edges: Edges) -> tuple[set[str], set[str]]:
    """A small vertex cover (members, groups): greedy on the highest remaining degree."""
    degree = {
        0: {g: len(ms) for g, ms in edges.by_group.items()},
        1: {m: len(gs) for m, gs in edges.by_member.items()},
    }
    adjacency = {0: edges.by_group, 1: edges.by_member}
    heap = [(-d, side, key) for side in (0, 1) for key, d in degree[side].items()]
    heapq.heapify(heap)
    chosen: dict[int, set[str]] = {0: set(), 1: set()}
    while heap:
        negative, side, key = heapq.heappop(heap)
        left = degree[side][key]
        if left == 0:
            continue
        if left != -negative:
            heapq.heappush(heap, (-left, side, key))
            continue
        chosen[side].add(key)
        degree[side][key] = 0
        other = degree[1 - side]
        for neighbour in adjacency[side][key]:
            if other[neighbour] > 0 and neighbour not in chosen[1 - side]:
                other[neighbour] -= 1
    return chosen[1], chosen[0]


def replace_calls(
    ms: Memberships,
    current: Mapping[str, AbstractSet[str]],
    edges: Edges,
) -> list[SetGroupMembers | SetMemberGroups]:
    """The replace calls covering *edges*, each with its complete target set."""
    cover_members, cover_groups = cover(edges)
    actions: list[SetGroupMembers | SetMemberGroups] = []
    controlled = {mid: ext for ext, mid in ms.members.items()} if cover_groups else {}
    for g in sorted(cover_groups):
        gid = ms.groups.get(g)
        linked = ms.org.group_members.get(gid, frozenset()) if gid else frozenset()
        keep = [mid for mid in linked if mid not in controlled]
        members = ms.desired.groups[g].member_ids
        existing = sorted(ms.members[m] for m in members if m in ms.members)
        new = sorted(m for m in members if m in ms.new_members)
        added = sorted(
            ms.labels[m]
            for m in members
            if m in ms.new_members or (m in ms.members and g not in current.get(m, _NONE))
        )
        leaving = (controlled[mid] for mid in linked if mid in controlled)
        removed = sorted(ms.labels[m] for m in leaving if m not in members)
        actions.append(
            SetGroupMembers(
                group_id=gid,
                group_external_id=g,
                name=ms.group_names[g],
                member_ids=tuple(sorted(keep)) + tuple(existing),
                new_member_external_ids=tuple(new),
                added=tuple(added),
                removed=tuple(removed),
            )
        )
    if cover_members:
        in_groups = _groups_of(ms.org, {ms.members[m] for m in cover_members if m in ms.members})
        synced_ids = set(ms.groups.values())
        for m in sorted(cover_members):
            mid = ms.members.get(m)
            keep = sorted(g for g in in_groups.get(mid or "", ()) if g not in synced_ids)
            want = ms.wanted(m)
            now_in = current.get(m, _NONE)
            actions.append(
                SetMemberGroups(
                    member_id=mid,
                    external_id=m,
                    email=ms.labels[m],
                    group_ids=tuple(keep)
                    + tuple(sorted(ms.groups[g] for g in want if g in ms.groups)),
                    new_group_external_ids=tuple(sorted(g for g in want if g in ms.new_groups)),
                    added=tuple(sorted(ms.group_names[g] for g in want - now_in)),
                    removed=tuple(sorted(ms.group_names[g] for g in now_in - want)),
                )
            )
    return actions


def _groups_of(org: OrgSnapshot, member_ids: set[str]) -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for gid, mids in org.group_members.items():
        for mid in member_ids.intersection(mids):
            groups.setdefault(mid, []).append(gid)
    return groups
