"""One-person operations for onboarding/offboarding automation; each is idempotent.

A second call finds the work done and returns action "none". Owners and protected
members are refused. An offboarded member is not recorded as revoked by dirsync, so the
sync never restores it on its own (it counts as revoked by a person).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.models import Member, MemberStatus, MemberType
from dirsync.sync.errors import SyncError


class ManualError(SyncError):
    """The operation is refused or impossible (owner, protected, unknown group, ...)."""


@dataclass(frozen=True, slots=True)
class ManualResult:
    action: str
    """What was done: invited, revoked, deleted, restored, or none."""
    member: Member | None
    message: str


def find_member(
    client: BitwardenClient, email: str | None, external_id: str | None
) -> Member | None:
    if email is not None:
        return client.find_member_by_email(email)
    return next((m for m in client.list_members() if m.external_id == external_id), None)


def _who(email: str | None, external_id: str | None) -> str:
    return email if email is not None else f"external id {external_id}"


def _check_allowed(member: Member, protected: Sequence[str]) -> None:
    folded = {p.casefold() for p in protected}
    if member.type == MemberType.OWNER:
        raise ManualError(f"{member.email} is an owner; dirsync never changes owners")
    if (member.email or "").casefold() in folded or (member.external_id or "").casefold() in folded:
        raise ManualError(f"{member.email} is protected (sync.protected); not changed")


def invite(
    client: BitwardenClient,
    email: str,
    *,
    external_id: str | None,
    member_type: MemberType,
    group_names: Sequence[str],
) -> ManualResult:
    existing = client.find_member_by_email(email)
    if existing is not None and existing.status == MemberStatus.STAGED:
        return _invite_staged(client, existing, email)
    if existing is not None:
        return ManualResult("none", existing, f"{email} is already a member")
    if external_id is not None:
        holder = find_member(client, None, external_id)
        if holder is not None:
            raise ManualError(f"external id {external_id} already belongs to {holder.email}")
    group_ids = _group_ids(client, group_names)
    member = client.invite_member(
        email, type=member_type, external_id=external_id, groups=group_ids or None
    )
    return ManualResult("invited", member, f"invited {email}")


def _invite_staged(client: BitwardenClient, staged: Member, email: str) -> ManualResult:
    """A Staged member cannot be re-invited (400, contract §1) and has no account, so it is
    removed and its address invited with the same externalId, type, access and groups."""
    group_ids = client.get_member_group_ids(staged.id)
    client.delete_member(staged.id)
    member = client.invite_member(
        email,
        type=MemberType(staged.type),
        external_id=staged.external_id,
        permissions=staged.permissions,
        collections=list(staged.collections or ()) or None,
        groups=group_ids or None,
    )
    return ManualResult("invited", member, f"invited {email} (it was Staged)")


def _group_ids(client: BitwardenClient, names: Sequence[str]) -> list[str]:
    if not names:
        return []
    groups = client.list_groups()
    ids: list[str] = []
    for name in names:
        found = [g for g in groups if g.name.casefold() == name.casefold()]
        if not found:
            raise ManualError(f"no group named {name!r} in the organization")
        if len(found) > 1:
            raise ManualError(f"{len(found)} groups are named {name!r}; rename one")
        ids.append(found[0].id)
    return ids


def offboard(
    client: BitwardenClient,
    *,
    email: str | None,
    external_id: str | None,
    delete: bool,
    protected: Sequence[str],
) -> ManualResult:
    member = find_member(client, email, external_id)
    who = _who(email, external_id)
    if member is None:
        return ManualResult("none", None, f"{who} is not a member")
    _check_allowed(member, protected)
    if delete:
        client.delete_member(member.id)
        return ManualResult("deleted", member, f"deleted {member.email}")
    if member.status == MemberStatus.REVOKED:
        return ManualResult("none", member, f"{member.email} is already revoked")
    client.revoke_member(member.id)
    return ManualResult("revoked", member, f"revoked {member.email}")


def restore(
    client: BitwardenClient,
    *,
    email: str | None,
    external_id: str | None,
    protected: Sequence[str],
) -> ManualResult:
    member = find_member(client, email, external_id)
    if member is None:
        raise ManualError(f"{_who(email, external_id)} is not a member; nothing to restore")
    _check_allowed(member, protected)
    if member.status != MemberStatus.REVOKED:
        return ManualResult("none", member, f"{member.email} is already active")
    client.restore_member(member.id)
    return ManualResult("restored", member, f"restored {member.email}")
