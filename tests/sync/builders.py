"""Small builders for planner tests: source users/groups and org members/groups."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from dirsync.bitwarden.models import Group, Member, MemberStatus, MemberType, OrgSnapshot
from dirsync.config import SyncConfig
from dirsync.model import DirectorySnapshot, SourceGroup, SourceUser
from dirsync.sync.mapping import DesiredState, build_desired

_ids = itertools.count(1)


def uid(prefix: str = "m") -> str:
    return f"{prefix}-{next(_ids):06d}"


def user(ext: str, *, enabled: bool = True, scheduled: bool = False) -> SourceUser:
    return SourceUser(
        external_id=ext, email=f"{ext}@example.org", enabled=enabled, scheduled=scheduled
    )


def group(ext: str, name: str, members: Iterable[str]) -> SourceGroup:
    return SourceGroup(external_id=ext, name=name, member_ids=frozenset(members))


def snapshot(
    users: Iterable[SourceUser],
    groups: Iterable[SourceGroup] = (),
    uncertain: Iterable[str] = (),
) -> DirectorySnapshot:
    return DirectorySnapshot(
        source="test", users=tuple(users), groups=tuple(groups), uncertain_ids=frozenset(uncertain)
    )


def desired(snap: DirectorySnapshot, **sync: object) -> DesiredState:
    return build_desired(snap, SyncConfig.model_validate(sync))


def member(
    ext: str | None,
    *,
    email: str | None = None,
    status: MemberStatus = MemberStatus.CONFIRMED,
    type: MemberType = MemberType.USER,
    id: str | None = None,
) -> Member:
    return Member(
        id=id or uid("m"),
        email=email or f"{ext}@example.org",
        status=status,
        type=type,
        external_id=ext,
        collections=[],
    )


def org_group(ext: str | None, name: str, id: str | None = None) -> Group:
    return Group(id=id or uid("g"), name=name, external_id=ext, collections=[])


def org(
    members: Iterable[Member] = (),
    groups: Iterable[Group] = (),
    memberships: dict[str, Iterable[str]] | None = None,
) -> OrgSnapshot:
    groups = tuple(groups)
    links = {g.id: frozenset() for g in groups}
    for gid, mids in (memberships or {}).items():
        links[gid] = frozenset(mids)
    return OrgSnapshot(members=tuple(members), groups=groups, group_members=links)
