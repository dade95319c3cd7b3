"""The typed actions a Plan holds; the executor applies exactly these.

Members and groups that do not exist yet are referred to by external id (``member_id`` /
``group_id`` None); the executor resolves them once they are created.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from dirsync.bitwarden.models import Association, MemberType, Permissions


class _NamedByEmail:
    """An action on a member: reports and tables name it by the member's email."""

    __slots__ = ()
    email: str

    def target(self) -> str:
        return self.email


class _NamedByName:
    """An action on a group: reports and tables name it by the group's name."""

    __slots__ = ()
    name: str

    def target(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True)
class Invite(_NamedByEmail):
    kind: ClassVar[str] = "invite"
    external_id: str
    email: str
    type: MemberType
    permissions: Permissions | None
    group_ids: tuple[str, ...]
    """Groups sent with a single invite (both empty when invited through import)."""
    new_group_external_ids: tuple[str, ...]
    via_import: bool
    withheld: bool = False
    """No free seat for it (sync.max_seat_growth, the autoscale cap)."""
    staged: bool = False
    """Imported as Staged: no email, no seat, until invited (sync.create_as_staged)."""


@dataclass(frozen=True, slots=True)
class Adopt(_NamedByEmail):
    """Link an existing member without externalId, matched by email, to its source user."""

    kind: ClassVar[str] = "adopt"
    member_id: str
    external_id: str
    email: str
    type: MemberType
    permissions: Permissions | None
    collections: tuple[Association, ...] | None
    """The member's current collection access, kept (PUT with null would remove it)."""


@dataclass(frozen=True, slots=True)
class TakeOverMember(_NamedByEmail):
    """Rewrite the externalId another tool set to dirsync's, in place (PUT, contract §1):
    id, type, permissions, groups, collection access and status stay as they are."""

    kind: ClassVar[str] = "take-over-member"
    member_id: str
    old_external_id: str
    external_id: str
    email: str
    type: MemberType
    permissions: Permissions | None
    collections: tuple[Association, ...] | None
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class UpdateMember(_NamedByEmail):
    kind: ClassVar[str] = "update-member"
    member_id: str | None
    external_id: str
    email: str
    type: MemberType
    permissions: Permissions | None
    collections: tuple[Association, ...] | None
    old_type: MemberType | int


@dataclass(frozen=True, slots=True)
class Restore(_NamedByEmail):
    kind: ClassVar[str] = "restore"
    member_id: str
    external_id: str
    email: str


@dataclass(frozen=True, slots=True)
class Reinvite(_NamedByEmail):
    kind: ClassVar[str] = "reinvite"
    member_id: str
    external_id: str
    email: str


@dataclass(frozen=True, slots=True)
class ReAddress(_NamedByEmail):
    """A member still Invited or Staged whose source address changed: remove the old
    invitation and invite the new address with the same externalId (nothing to lose: no
    account yet), keeping its type, permissions, collection access and groups."""

    kind: ClassVar[str] = "re-address"
    member_id: str
    external_id: str
    old_email: str
    email: str
    type: MemberType
    permissions: Permissions | None
    collections: tuple[Association, ...] | None
    group_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InviteStaged(ReAddress):
    """A Staged pre-hire whose start date came: a Staged member cannot be re-invited
    (contract §1), so it is removed and its address invited the same way."""

    kind: ClassVar[str] = "invite-staged"


@dataclass(frozen=True, slots=True)
class Revoke(_NamedByEmail):
    kind: ClassVar[str] = "revoke"
    member_id: str
    external_id: str
    email: str
    reason: str
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class Delete(_NamedByEmail):
    kind: ClassVar[str] = "delete"
    member_id: str
    external_id: str
    email: str
    reason: str
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class CreateGroup(_NamedByName):
    kind: ClassVar[str] = "create-group"
    external_id: str
    name: str
    collections: tuple[Association, ...] | None
    member_external_ids: tuple[str, ...]
    """Members set by the import call (empty for a single create)."""
    via_import: bool


@dataclass(frozen=True, slots=True)
class UpdateGroup(_NamedByName):
    """Rename a group or set its collection access (None keeps the stored access)."""

    kind: ClassVar[str] = "update-group"
    group_id: str | None
    external_id: str
    name: str
    collections: tuple[Association, ...] | None
    old_name: str


@dataclass(frozen=True, slots=True)
class TakeOverGroup(_NamedByName):
    """Set dirsync's externalId on a group another tool or a person made (PUT, contract §1);
    its id and collection access stay (None: the stored access is kept)."""

    kind: ClassVar[str] = "take-over-group"
    group_id: str
    old_external_id: str | None
    external_id: str
    name: str
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class DeleteGroup(_NamedByName):
    kind: ClassVar[str] = "delete-group"
    group_id: str
    external_id: str
    name: str
    withheld: bool = False


@dataclass(frozen=True, slots=True)
class SetGroupMembers(_NamedByName):
    """Replace a group's member set (PUT member-ids)."""

    kind: ClassVar[str] = "set-group-members"
    group_id: str | None
    group_external_id: str
    name: str
    member_ids: tuple[str, ...]
    new_member_external_ids: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]
    via_import: bool = False
    """Carried by the import (every member named by externalId), not a PUT."""
    member_external_ids: tuple[str, ...] = ()
    """With via_import: the group's whole membership."""


@dataclass(frozen=True, slots=True)
class SetMemberGroups(_NamedByEmail):
    """Replace a member's group set (PUT group-ids)."""

    kind: ClassVar[str] = "set-member-groups"
    member_id: str | None
    external_id: str
    email: str
    group_ids: tuple[str, ...]
    new_group_external_ids: tuple[str, ...]
    added: tuple[str, ...]
    removed: tuple[str, ...]


Action = (
    Invite
    | Adopt
    | TakeOverMember
    | UpdateMember
    | Restore
    | ReAddress
    | Reinvite
    | Revoke
    | Delete
    | CreateGroup
    | UpdateGroup
    | TakeOverGroup
    | DeleteGroup
    | SetGroupMembers
    | SetMemberGroups
)
