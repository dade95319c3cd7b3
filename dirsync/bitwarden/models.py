"""Typed Public API models (contract §1-§2). Unknown future enum values read as plain ints."""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel
from pydantic.dataclasses import dataclass

IMPORT_SMALL_LIMIT = 2000
"""The cloud refuses an import of more members or groups than this without ``largeImport``
(contract §1 Import)."""


class MemberType(IntEnum):
    OWNER = 0
    ADMIN = 1
    USER = 2
    CUSTOM = 4


class MemberStatus(IntEnum):
    REVOKED = -1
    INVITED = 0
    ACCEPTED = 1
    CONFIRMED = 2
    STAGED = 3


WIRE = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")
"""camelCase on the wire, snake_case in Python; unknown fields ignored."""


class ApiModel(BaseModel):
    model_config = ConfigDict(**WIRE, frozen=True)

    def wire(self) -> dict[str, Any]:
        """The JSON body for a request."""
        return self.model_dump(by_alias=True, mode="json")


class Permissions(ApiModel):
    access_event_logs: bool = False
    access_import_export: bool = False
    access_reports: bool = False
    create_new_collections: bool = False
    edit_any_collection: bool = False
    delete_any_collection: bool = False
    manage_groups: bool = False
    manage_policies: bool = False
    manage_sso: bool = False
    manage_users: bool = False
    manage_reset_password: bool = False
    manage_scim: bool = False


class Association(ApiModel):
    """Access of a member or group to a collection (AssociationWithPermissions)."""

    id: str
    read_only: bool = False
    hide_passwords: bool = False
    manage: bool = False


KnownOrInt = Field(union_mode="left_to_right")
"""Known values become the enum member; unknown future values stay plain ints."""


@dataclass(frozen=True, slots=True, kw_only=True, config=WIRE)
class Member:
    """A validated dataclass with slots, not an ApiModel: an organization may hold 100,000,
    at 0.6 KB each instead of 1.7 KB (no instance dict, no fields-set)."""

    id: str
    user_id: str | None = None
    name: str | None = None
    email: str | None = None
    two_factor_enabled: bool = False
    status: Annotated[MemberStatus | int, KnownOrInt]
    type: Annotated[MemberType | int, KnownOrInt]
    external_id: str | None = None
    reset_password_enrolled: bool = False
    sso_external_id: str | None = None
    collections: list[Association] | None = None
    permissions: Permissions | None = None


class Group(ApiModel):
    id: str
    name: str
    external_id: str | None = None
    collections: list[Association] | None = None


class Collection(ApiModel):
    id: str
    external_id: str | None = None
    groups: list[Association] | None = None


class SeatCounts(ApiModel):
    seats: int | None = None
    max_auto_scale_seats: int | None = None
    """None: seats may grow without a cap (where the plan autoscales)."""


class Subscription(ApiModel):
    """GET /public/organization/subscription (contract §7); the cloud only."""

    password_manager: SeatCounts | None = None


class Policy(ApiModel):
    id: str
    type: int
    enabled: bool
    data: dict[str, Any] | None = None


class Event(ApiModel):
    type: int
    item_id: str | None = None
    collection_id: str | None = None
    group_id: str | None = None
    policy_id: str | None = None
    member_id: str | None = None
    acting_user_id: str | None = None
    installation_id: str | None = None
    date: datetime
    device: int | None = None
    ip_address: str | None = None
    secret_id: str | None = None
    project_id: str | None = None
    service_account_id: str | None = None


class OrgSnapshot(BaseModel):
    """The organization as read at the start of a run."""

    model_config = ConfigDict(frozen=True)

    members: tuple[Member, ...] = ()
    groups: tuple[Group, ...] = ()
    group_members: dict[str, frozenset[str]] = Field(default_factory=dict)
    """Group id -> member ids."""
    subscription: Subscription | None = None
    """The seats (cloud); None on a self-hosted server, or when not read."""
