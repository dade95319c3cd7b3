"""Which org members and groups dirsync may change, and how each source user matches one.

Managed: a non-owner, unprotected member of a known type and status (contract §2) whose
externalId is a source user's or is in the state file's managed list. Groups likewise by
externalId. Everything else is untouched.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from dirsync.bitwarden.models import Group, Member, MemberStatus, MemberType, OrgSnapshot
from dirsync.dn import normalize_dn
from dirsync.sync.mapping import DesiredGroup, DesiredMember, DesiredState
from dirsync.sync.state import State


@dataclass(frozen=True, slots=True)
class Ownership:
    members: Mapping[str, Member]
    """Managed members by external id."""
    adoptable: Mapping[str, Member]
    """Desired external id -> an unmanaged member without externalId whose email matches."""
    blocked: frozenset[str]
    """Desired external ids that cannot be invited: their email or id is held by another member."""
    groups: Mapping[str, Group]
    """Managed groups by external id."""
    blocked_groups: frozenset[str]
    warnings: tuple[str, ...]
    taken: Mapping[str, Member] = field(default_factory=dict)
    """Desired external id -> a member another tool made for that source user (takeover)."""
    taken_groups: Mapping[str, Group] = field(default_factory=dict)
    """Desired group external id -> a group another tool or a person made for it."""


_CHANGEABLE_TYPES = frozenset({MemberType.ADMIN, MemberType.USER, MemberType.CUSTOM})
_KNOWN_STATUSES = frozenset(MemberStatus)


def _understood(member: Member) -> bool:
    """Type and status are values of contract §2 (a newer server may send others)."""
    return (member.type == MemberType.OWNER or member.type in _CHANGEABLE_TYPES) and (
        member.status in _KNOWN_STATUSES
    )


def _changeable(member: Member) -> bool:
    """Not an owner, and nothing about it dirsync does not understand."""
    return member.type in _CHANGEABLE_TYPES and member.status in _KNOWN_STATUSES


def classify(
    desired: DesiredState, org: OrgSnapshot, state: State, takeover: frozenset[str] = frozenset()
) -> Ownership:
    """*takeover*: the `sync.takeover` rules ("dn", "name")."""
    warnings: list[str] = []
    source_ids = desired.members.keys() | desired.disabled | desired.held
    counts = Counter(m.external_id for m in org.members if m.external_id)
    members: dict[str, Member] = {}
    for member in org.members:
        ext = member.external_id
        if not ext or (ext not in source_ids and ext not in state.managed_members):
            continue
        if not _changeable(member) or desired.is_protected(member.email, ext):
            if not _understood(member):
                warnings.append(
                    f"{member.email}: type {member.type} or status {member.status} is unknown "
                    "to dirsync; left alone"
                )
            continue
        if counts[ext] > 1:
            warnings.append(f"external id {ext} is used by {counts[ext]} members; left alone")
            continue
        members[ext] = member

    adoptable: dict[str, Member] = {}
    blocked: set[str] = set()
    missing = [ext for ext in desired.members if ext not in members]
    taken = _taken_members(desired, org, source_ids, state, missing) if "dn" in takeover else {}
    missing = [ext for ext in missing if ext not in taken]
    by_email: dict[str, Member] = {}
    for member in org.members if missing else ():
        if member.email:
            by_email.setdefault(member.email.casefold(), member)
    for ext in missing:
        want = desired.members[ext]
        if ext in counts:
            blocked.add(ext)
            warnings.append(
                f"{want.email}: external id {ext} belongs to a member dirsync leaves alone "
                "(owner, protected, duplicate id or unknown type/status)"
            )
            continue
        holder = by_email.get(want.email.casefold())
        if holder is None:
            continue
        if (
            not holder.external_id
            and _changeable(holder)
            and not desired.is_protected(holder.email, None)
        ):
            adoptable[ext] = holder
        else:
            blocked.add(ext)
            warnings.append(
                f"{want.email}: the email is already in the org "
                f"(externalId {holder.external_id!r}, type {holder.type}); not invited"
            )

    groups, blocked_groups = _classify_groups(desired, org.groups, state, warnings)
    taken_groups = _taken_groups(desired, org.groups, state, groups, blocked_groups, takeover)
    blocked_groups |= _name_clashes(
        desired, org.groups, {**groups, **taken_groups}, blocked_groups, warnings
    )
    return Ownership(
        members=members,
        adoptable=adoptable,
        blocked=frozenset(blocked),
        groups=groups,
        blocked_groups=frozenset(blocked_groups),
        warnings=tuple(warnings),
        taken=taken,
        taken_groups={k: g for k, g in taken_groups.items() if k not in blocked_groups},
    )


def _dn_key(value: str | None) -> str | None:
    """The DN key of an externalId or source DN, or None when it is not a DN."""
    if not value or "=" not in value:
        return None
    return normalize_dn(value)


def _taken_members(
    desired: DesiredState,
    org: OrgSnapshot,
    source_ids: set[str] | frozenset[str],
    state: State,
    missing: list[str],
) -> dict[str, Member]:
    """Missing source users whose member another tool made with the entry's DN as id."""
    by_dn: dict[str, DesiredMember] = {}
    for missing_id in missing:
        key = _dn_key(desired.members[missing_id].dn)
        if key is not None:
            by_dn[key] = desired.members[missing_id]
    taken: dict[str, Member] = {}
    for member in org.members if by_dn else ():
        old = member.external_id
        if not old or old in source_ids or old in state.managed_members:
            continue
        want = by_dn.get(_dn_key(old) or "")
        if (
            want is not None
            and _changeable(member)
            and not desired.is_protected(member.email, old)
            and want.external_id not in taken
        ):
            taken[want.external_id] = member
    return taken


def _taken_groups(
    desired: DesiredState,
    org_groups: tuple[Group, ...],
    state: State,
    owned: Mapping[str, Group],
    blocked: set[str],
    takeover: frozenset[str],
) -> dict[str, Group]:
    """Missing source groups whose group another tool made (its DN as id) or a person
    made (no externalId, the same name)."""
    missing = [g for ext, g in desired.groups.items() if ext not in owned and ext not in blocked]
    by_dn: dict[str, DesiredGroup] = {}
    by_name: dict[str, DesiredGroup] = {}
    for target in missing:
        key = _dn_key(target.dn)
        if "dn" in takeover and key is not None:
            by_dn[key] = target
        if "name" in takeover:
            by_name.setdefault(target.name, target)
    taken: dict[str, Group] = {}
    claimed = {g.id for g in owned.values()}
    for group in org_groups:
        ext = group.external_id
        if group.id in claimed or (ext and (ext in desired.groups or ext in state.managed_groups)):
            continue
        found = by_dn.get(_dn_key(ext) or "") if ext else by_name.get(group.name)
        if found is not None and found.external_id not in taken:
            taken[found.external_id] = group
            claimed.add(group.id)
    return taken


def _classify_groups(
    desired: DesiredState, org_groups: tuple[Group, ...], state: State, warnings: list[str]
) -> tuple[dict[str, Group], set[str]]:
    counts = Counter(g.external_id for g in org_groups if g.external_id)
    groups: dict[str, Group] = {}
    blocked: set[str] = set()
    for group in org_groups:
        ext = group.external_id
        if not ext or (ext not in desired.groups and ext not in state.managed_groups):
            continue
        if counts[ext] > 1 or desired.is_protected(None, ext):
            if counts[ext] > 1:
                warnings.append(
                    f"group external id {ext} is used by {counts[ext]} groups; left alone"
                )
            blocked.add(ext)
            continue
        groups[ext] = group
    return groups, blocked


def _name_clashes(
    desired: DesiredState,
    org_groups: tuple[Group, ...],
    owned: Mapping[str, Group],
    blocked: set[str],
    warnings: list[str],
) -> set[str]:
    """Source groups that would be created or renamed to a name another group has.

    Bitwarden allows two groups with one name, and admins cannot tell them apart; so the
    first source group keeps the name (one that already has it first) and the others are
    left out, with a warning naming both.
    """
    org_by_name: dict[str, list[Group]] = {}
    for group in org_groups:
        org_by_name.setdefault(group.name, []).append(group)
    chosen: dict[str, str] = {}
    clashes: set[str] = set()
    candidates = [ext for ext in desired.groups if ext not in blocked]
    for ext in sorted(candidates, key=lambda e: (e not in owned, e)):
        name = desired.groups[ext].name
        mine = owned.get(ext)
        if name in chosen:
            warnings.append(
                f"group {ext}: name {name!r} is also the name of source group {chosen[name]}; "
                "left out (make the names differ, e.g. with sync.group_name)"
            )
            clashes.add(ext)
            continue
        chosen[name] = ext
        if mine is not None and mine.name == name:
            continue
        others = [g for g in org_by_name.get(name, []) if mine is None or g.id != mine.id]
        if others:
            holder = others[0]
            warnings.append(
                f"group {ext}: name {name!r} is taken by group {holder.id} "
                f"(externalId {holder.external_id!r}) in the organization; "
                f"{'not created' if mine is None else 'not renamed'}"
            )
            clashes.add(ext)
    return clashes
