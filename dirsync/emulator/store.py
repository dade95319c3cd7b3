"""The emulator's in-memory state, with the indexes that keep 10k members cheap."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

OWNER, ADMIN, USER, CUSTOM = 0, 1, 2, 4
MEMBER_TYPES = frozenset({OWNER, ADMIN, USER, CUSTOM})
REVOKED, INVITED, ACCEPTED, CONFIRMED, STAGED = -1, 0, 1, 2, 3
MEMBER_STATUSES = frozenset({REVOKED, INVITED, ACCEPTED, CONFIRMED, STAGED})
SHARED_COLLECTION, DEFAULT_USER_COLLECTION = 0, 1
POLICY_TYPES = frozenset(range(23))
PERMISSION_NAMES = (
    "accessEventLogs",
    "accessImportExport",
    "accessReports",
    "createNewCollections",
    "editAnyCollection",
    "deleteAnyCollection",
    "manageGroups",
    "managePolicies",
    "manageSso",
    "manageUsers",
    "manageResetPassword",
    "manageScim",
    "manageAccessRules",
)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass(slots=True)
class Access:
    """Collection access of a member or group (AssociationWithPermissions without the id)."""

    read_only: bool = False
    hide_passwords: bool = False
    manage: bool = False


@dataclass(slots=True)
class Organization:
    id: str
    name: str = "Emulated Organization"
    use_directory: bool = True
    use_groups: bool = True
    use_api: bool = True
    seats: int | None = None
    """None: unlimited. Reached: seats grow only with ``autoscale`` (up to the cap)."""
    autoscale: bool = False
    """The seed set maxAutoScaleSeats: seats grow on demand up to ``max_autoscale_seats``
    (None: no cap). Without it the seat count is a hard limit, as if the cap were reached."""
    max_autoscale_seats: int | None = None
    plan_allows_more_seats: bool = True
    profile: str = "cloud"
    staged_status: bool = False
    """Feature flag pm-34423-staged-status (contract §1 Import step 5)."""

    @property
    def self_hosted(self) -> bool:
        return self.profile == "self-hosted"


@dataclass(slots=True)
class MemberRec:
    id: str
    email: str
    type: int
    status: int
    external_id: str | None = None
    user_id: str | None = None
    name: str | None = None
    two_factor_enabled: bool = False
    reset_password_enrolled: bool = False
    sso_external_id: str | None = None
    master_password: bool = True
    """Whether the linked account has a master password (meaningless without an account)."""
    permissions: dict[str, bool] | None = None
    collections: dict[str, Access] = field(default_factory=dict)
    prior_status: int | None = None
    """The status a revoked member returns to on restore."""

    @property
    def has_master_password(self) -> bool:
        return self.user_id is not None and self.master_password

    @property
    def is_confirmed_owner(self) -> bool:
        return self.type == OWNER and self.status == CONFIRMED


@dataclass(slots=True)
class GroupRec:
    id: str
    name: str
    external_id: str | None = None
    collections: dict[str, Access] = field(default_factory=dict)


@dataclass(slots=True)
class CollectionRec:
    id: str
    external_id: str | None = None
    type: int = SHARED_COLLECTION


@dataclass(slots=True)
class PolicyRec:
    id: str
    type: int
    enabled: bool
    data: dict[str, object] | None = None


@dataclass(slots=True)
class EventRec:
    type: int
    date: datetime
    member_id: str | None = None
    group_id: str | None = None
    collection_id: str | None = None
    policy_id: str | None = None
    item_id: str | None = None
    acting_user_id: str | None = None
    ip_address: str | None = None
    device: int | None = None


@dataclass
class Store:
    """Members, groups, collections, policies and events of the one organization."""

    org: Organization
    client_secret: str
    members: dict[str, MemberRec] = field(default_factory=dict)
    groups: dict[str, GroupRec] = field(default_factory=dict)
    collections: dict[str, CollectionRec] = field(default_factory=dict)
    policies: dict[int, PolicyRec] = field(default_factory=dict)
    events: list[EventRec] = field(default_factory=list)
    _emails: dict[str, str] = field(default_factory=dict)
    _group_members: dict[str, dict[str, None]] = field(default_factory=dict)
    _member_groups: dict[str, dict[str, None]] = field(default_factory=dict)

    # members

    def member_by_email(self, email: str) -> MemberRec | None:
        member_id = self._emails.get(email.lower())
        return self.members[member_id] if member_id else None

    def add_member(self, member: MemberRec) -> MemberRec:
        self.members[member.id] = member
        self._emails[member.email.lower()] = member.id
        self._member_groups[member.id] = {}
        return member

    def remove_member(self, member_id: str) -> None:
        member = self.members.pop(member_id)
        self._emails.pop(member.email.lower(), None)
        for group_id in self._member_groups.pop(member_id, {}):
            self._group_members[group_id].pop(member_id, None)

    def confirmed_owner_count(self) -> int:
        return sum(1 for m in self.members.values() if m.is_confirmed_owner)

    def occupied_seats(self) -> int:
        return sum(1 for m in self.members.values() if m.status in (INVITED, ACCEPTED, CONFIRMED))

    def seats_available(self, needed: int) -> bool:
        """Whether *needed* more seats can be taken; autoscaling grows ``org.seats``."""
        org = self.org
        total = self.occupied_seats() + needed
        if org.seats is None or total <= org.seats:
            return True
        if not org.autoscale or org.self_hosted or not org.plan_allows_more_seats:
            return False
        if org.max_autoscale_seats is not None and total > org.max_autoscale_seats:
            return False
        org.seats = total
        return True

    # group membership, indexed both ways

    def add_group(self, group: GroupRec) -> GroupRec:
        self.groups[group.id] = group
        self._group_members[group.id] = {}
        return group

    def remove_group(self, group_id: str) -> None:
        del self.groups[group_id]
        for member_id in self._group_members.pop(group_id):
            self._member_groups[member_id].pop(group_id, None)

    def group_member_ids(self, group_id: str) -> list[str]:
        return list(self._group_members[group_id])

    def member_group_ids(self, member_id: str) -> list[str]:
        return list(self._member_groups[member_id])

    def set_group_members(self, group_id: str, member_ids: list[str]) -> None:
        """Replace a group's members; ids outside the org are ignored."""
        for member_id in self._group_members[group_id]:
            self._member_groups[member_id].pop(group_id, None)
        wanted = dict.fromkeys(m for m in member_ids if m in self.members)
        self._group_members[group_id] = wanted
        for member_id in wanted:
            self._member_groups[member_id][group_id] = None

    def set_member_groups(self, member_id: str, group_ids: list[str]) -> None:
        """Replace a member's groups; ids outside the org are ignored."""
        for group_id in self._member_groups[member_id]:
            self._group_members[group_id].pop(member_id, None)
        wanted = dict.fromkeys(g for g in group_ids if g in self.groups)
        self._member_groups[member_id] = wanted
        for group_id in wanted:
            self._group_members[group_id][member_id] = None

    # collections

    def remove_collection(self, collection_id: str) -> None:
        del self.collections[collection_id]
        for member in self.members.values():
            member.collections.pop(collection_id, None)
        for group in self.groups.values():
            group.collections.pop(collection_id, None)

    # events

    def record(
        self,
        event_type: int,
        *,
        member_id: str | None = None,
        group_id: str | None = None,
        collection_id: str | None = None,
        policy_id: str | None = None,
        ip_address: str | None = None,
    ) -> None:
        """Log an event with a strictly increasing date, so paging by date never skips one."""
        now = datetime.now(UTC)
        if self.events and now <= self.events[-1].date:
            now = self.events[-1].date + timedelta(microseconds=1)
        self.events.append(
            EventRec(
                type=event_type,
                date=now,
                member_id=member_id,
                group_id=group_id,
                collection_id=collection_id,
                policy_id=policy_id,
                ip_address=ip_address,
            )
        )
