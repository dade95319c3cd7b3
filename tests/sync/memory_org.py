"""An in-memory organization following contract §1 for the calls the executor makes.

For the property test only: it lets thousands of random plans be applied in seconds.
The real API behaviour is checked end to end against the emulator in tests/e2e.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

from dirsync.bitwarden.errors import AlreadyExists, BadRequest, NotFound
from dirsync.bitwarden.imports import ImportGroup, ImportMember
from dirsync.bitwarden.models import (
    Association,
    Group,
    Member,
    MemberStatus,
    MemberType,
    OrgSnapshot,
    Permissions,
)


class MemoryOrg:
    def __init__(self, org: OrgSnapshot) -> None:
        self.members = {m.id: m for m in org.members}
        self.groups = {g.id: g for g in org.groups}
        self.links = {gid: set(mids) for gid, mids in org.group_members.items()}
        self.prior: dict[str, MemberStatus | int] = {}
        self.writes = 0
        self._ids = itertools.count(1)

    max_concurrency = 1
    """The executor's width (the real client's ceiling)."""
    round_trip = None
    """Nothing measured: the planner's cost model keeps its default round trip."""

    def read_org(
        self, on_group_read: object = None, *, collections: bool = False, known_groups: object = ()
    ) -> tuple[OrgSnapshot, list[object]]:
        return self.snapshot(), []

    def read_subscription(self) -> None:
        """Like a self-hosted server: no seats to count."""
        return

    def snapshot(self) -> OrgSnapshot:
        return OrgSnapshot(
            members=tuple(self.members.values()),
            groups=tuple(self.groups.values()),
            group_members={gid: frozenset(mids) for gid, mids in self.links.items()},
        )

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}-new-{next(self._ids)}"

    def _write(self) -> None:
        self.writes += 1

    def _get(self, member_id: str) -> Member:
        if member_id not in self.members:
            raise NotFound(member_id)
        return self.members[member_id]

    def list_members(self) -> list[Member]:
        return list(self.members.values())

    def get_member(self, member_id: str) -> Member:
        return self._get(member_id)

    def list_groups(self) -> list[Group]:
        return list(self.groups.values())

    def invite_member(
        self,
        email: str,
        *,
        type: MemberType,
        external_id: str | None,
        permissions: Permissions | None = None,
        collections: list[Association] | None = None,
        groups: list[str] | None = None,
    ) -> Member:
        self._write()
        if any((m.email or "").casefold() == email.casefold() for m in self.members.values()):
            raise AlreadyExists("POST /public/members", 400, "This user has already been invited.")
        member = Member(
            id=self._new_id("m"),
            email=email,
            status=MemberStatus.INVITED,
            type=type,
            external_id=external_id,
            permissions=permissions if type == MemberType.CUSTOM else None,
            collections=collections or [],
        )
        self.members[member.id] = member
        self.set_member_groups(member.id, groups or [])
        self.writes -= 1
        return member

    def update_member(
        self,
        member_id: str,
        *,
        type: MemberType,
        external_id: str | None,
        permissions: Permissions | None = None,
        collections: list[Association] | None = None,
        groups: list[str] | None = None,
    ) -> Member:
        self._write()
        old = self._get(member_id)
        if permissions is not None and type != MemberType.CUSTOM:
            raise BadRequest(
                "PUT", 400, "Only users with the Custom role may use custom permissions."
            )
        keep = old.permissions if permissions is None else permissions
        member = replace(
            old,
            type=type,
            external_id=external_id,
            permissions=keep if type == MemberType.CUSTOM else None,
            collections=collections or [],
        )
        self.members[member_id] = member
        if groups is not None:
            self.set_member_groups(member_id, groups)
            self.writes -= 1
        return member

    def set_member_groups(self, member_id: str, group_ids: list[str]) -> None:
        self._write()
        self._get(member_id)
        for gid, mids in self.links.items():
            if gid in group_ids:
                mids.add(member_id)
            else:
                mids.discard(member_id)

    def set_group_members(self, group_id: str, member_ids: list[str]) -> None:
        self._write()
        if group_id not in self.groups:
            raise NotFound(group_id)
        self.links[group_id] = {m for m in member_ids if m in self.members}

    def revoke_member(self, member_id: str) -> None:
        self._write()
        member = self._get(member_id)
        if member.status == MemberStatus.REVOKED:
            raise BadRequest("revoke", 400, "Already revoked.")
        self.prior[member_id] = member.status
        self.members[member_id] = replace(member, status=MemberStatus.REVOKED)

    def restore_member(self, member_id: str) -> None:
        self._write()
        member = self._get(member_id)
        if member.status != MemberStatus.REVOKED:
            raise BadRequest("restore", 400, "Already active.")
        status = self.prior.pop(member_id, MemberStatus.CONFIRMED)
        self.members[member_id] = replace(member, status=status)

    def reinvite_member(self, member_id: str) -> None:
        self._write()
        if self._get(member_id).status != MemberStatus.INVITED:
            raise BadRequest("reinvite", 400, "User invalid.")

    def delete_member(self, member_id: str) -> None:
        self._write()
        self._get(member_id)
        del self.members[member_id]
        for mids in self.links.values():
            mids.discard(member_id)

    def create_group(
        self, name: str, *, external_id: str | None, collections: list[Association] | None = None
    ) -> Group:
        self._write()
        group = Group(
            id=self._new_id("g"), name=name, external_id=external_id, collections=collections or []
        )
        self.groups[group.id] = group
        self.links[group.id] = set()
        return group

    def update_group(
        self,
        group_id: str,
        *,
        name: str,
        external_id: str | None,
        collections: list[Association] | None = None,
    ) -> Group:
        self._write()
        if group_id not in self.groups:
            raise NotFound(group_id)
        old = self.groups[group_id]
        keep = old.collections if collections is None else collections
        group = old.model_copy(
            update={"name": name, "external_id": external_id, "collections": keep}
        )
        self.groups[group_id] = group
        return group

    def delete_group(self, group_id: str) -> None:
        self._write()
        if group_id not in self.groups:
            raise NotFound(group_id)
        del self.groups[group_id]
        del self.links[group_id]

    def import_org(
        self,
        members: list[ImportMember],
        groups: list[ImportGroup],
        *,
        invite: bool = True,
        batch_size: int = 2000,
    ) -> None:
        """Contract §1 Import, overwriteExisting false: link by email, invite, upsert groups."""
        self._write()
        for item in members:
            by_ext = [m for m in self.members.values() if m.external_id == item.external_id]
            if by_ext or item.deleted or item.email is None:
                continue
            email = item.email.lower()
            same = [m for m in self.members.values() if (m.email or "").casefold() == email]
            if same:
                if not same[0].external_id:
                    self.members[same[0].id] = replace(same[0], external_id=item.external_id)
                continue
            member = Member(
                id=self._new_id("m"),
                email=email,
                status=MemberStatus.INVITED,
                type=MemberType.USER,
                external_id=item.external_id,
                collections=[],
            )
            self.members[member.id] = member
        by_ext_id = {m.external_id: m.id for m in self.members.values() if m.external_id}
        for item in groups:
            found = [g for g in self.groups.values() if g.external_id == item.external_id]
            if found:
                group = found[0].model_copy(update={"name": item.name})
            else:
                group = Group(
                    id=self._new_id("g"),
                    name=item.name,
                    external_id=item.external_id,
                    collections=[],
                )
            self.groups[group.id] = group
            self.links[group.id] = {
                by_ext_id[e] for e in item.member_external_ids if e in by_ext_id
            }
