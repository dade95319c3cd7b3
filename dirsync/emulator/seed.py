"""Seed and state documents: the JSON `--seed`, `--state` and `/_emulator/reset` take.

A seed holds `organization` {id, name, useDirectory, useGroups, useApi, seats,
maxAutoScaleSeats (present: seats autoscale up to it, null: without a cap; absent: seats is
a hard limit), planAllowsAdditionalSeats, profile ("cloud" | "self-hosted"), stagedStatus},
`clientSecret`, `members` (response shape, plus `hasMasterPassword` and `priorStatus`),
`groups` (plus `memberIds`), `collections` ({id, externalId, groups, type: 0 shared |
1 default user} — the only way to create them), `policies` and `events`. Every key is
optional; ids are generated when missing; without `members` the org gets one confirmed Owner.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from dirsync.emulator.store import (
    ACCEPTED,
    CONFIRMED,
    INVITED,
    MEMBER_STATUSES,
    MEMBER_TYPES,
    OWNER,
    REVOKED,
    STAGED,
    Access,
    CollectionRec,
    EventRec,
    GroupRec,
    MemberRec,
    Organization,
    PolicyRec,
    Store,
    new_id,
)
from dirsync.emulator.validation import parse_guid
from dirsync.emulator.views import association, collection_view, event_view, member_view


class SeedError(ValueError):
    """A seed document that cannot be loaded; the message names the place."""


def _guid(value: Any, where: str) -> str:
    parsed = parse_guid(value) if isinstance(value, str) else None
    if parsed is None:
        raise SeedError(f"{where}: {value!r} is not a GUID")
    return parsed


def _access(items: Any, where: str) -> dict[str, Access]:
    result: dict[str, Access] = {}
    for index, item in enumerate(items or []):
        if not isinstance(item, dict):
            raise SeedError(f"{where}[{index}]: expected an object")
        result[_guid(item.get("id"), f"{where}[{index}].id")] = Access(
            bool(item.get("readOnly", False)),
            bool(item.get("hidePasswords", False)),
            bool(item.get("manage", False)),
        )
    return result


def _member(item: dict[str, Any], where: str) -> MemberRec:
    email = item.get("email")
    if not isinstance(email, str) or not email:
        raise SeedError(f"{where}.email: required")
    member_type = item.get("type", 2)
    status = item.get("status", CONFIRMED)
    if member_type not in MEMBER_TYPES or status not in MEMBER_STATUSES:
        raise SeedError(f"{where}: type {member_type!r} or status {status!r} is not valid")
    prior = item.get("priorStatus")
    if status == REVOKED and prior is None:
        prior = CONFIRMED if item.get("userId") else INVITED
    linked = status in (ACCEPTED, CONFIRMED) or (status == REVOKED and prior != INVITED)
    user_id = item.get("userId") or (new_id() if linked else None)
    if status in (INVITED, STAGED):
        user_id = None
    return MemberRec(
        id=_guid(item.get("id") or new_id(), f"{where}.id"),
        email=email,
        type=member_type,
        status=status,
        external_id=item.get("externalId"),
        user_id=user_id,
        name=item.get("name"),
        two_factor_enabled=bool(item.get("twoFactorEnabled", False)),
        reset_password_enrolled=bool(item.get("resetPasswordEnrolled", False)),
        sso_external_id=item.get("ssoExternalId"),
        master_password=bool(item.get("hasMasterPassword", True)),
        permissions=item.get("permissions"),
        collections=_access(item.get("collections"), f"{where}.collections"),
        prior_status=prior,
    )


def _organization(doc: dict[str, Any], org_id: str) -> Organization:
    org = doc.get("organization") or {}
    if not isinstance(org, dict):
        raise SeedError("organization: expected an object")
    profile = org.get("profile", "cloud")
    if profile not in ("cloud", "self-hosted"):
        raise SeedError(f"organization.profile: {profile!r} is not 'cloud' or 'self-hosted'")
    return Organization(
        id=_guid(org.get("id") or org_id, "organization.id"),
        name=org.get("name", "Emulated Organization"),
        use_directory=bool(org.get("useDirectory", True)),
        use_groups=bool(org.get("useGroups", True)),
        use_api=bool(org.get("useApi", True)),
        seats=org.get("seats"),
        autoscale="maxAutoScaleSeats" in org,
        max_autoscale_seats=org.get("maxAutoScaleSeats"),
        plan_allows_more_seats=bool(org.get("planAllowsAdditionalSeats", True)),
        profile=profile,
        staged_status=bool(org.get("stagedStatus", False)),
    )


def default_owner() -> MemberRec:
    return MemberRec(
        id=new_id(),
        email="owner@example.com",
        type=OWNER,
        status=CONFIRMED,
        user_id=new_id(),
        name="Organization Owner",
    )


def load(doc: dict[str, Any], org_id: str, client_secret: str | None) -> Store:
    """A fresh store from a seed; no members at all gives the one confirmed Owner."""
    if not isinstance(doc, dict):
        raise SeedError("the seed must be a JSON object")
    secret = doc.get("clientSecret") or client_secret or secrets.token_urlsafe(24)
    store = Store(org=_organization(doc, org_id), client_secret=secret)
    collection_ids: list[str] = []
    for index, item in enumerate(doc.get("collections") or []):
        where = f"collections[{index}]"
        cid = _guid(item.get("id") or new_id(), f"{where}.id")
        store.collections[cid] = CollectionRec(cid, item.get("externalId"), item.get("type", 0))
        collection_ids.append(cid)
    members = doc.get("members")
    for index, item in enumerate(members if members is not None else []):
        member = _member(item, f"members[{index}]")
        if store.member_by_email(member.email):
            raise SeedError(f"members[{index}].email: {member.email!r} appears twice")
        store.add_member(member)
    if members is None:
        store.add_member(default_owner())
    for index, item in enumerate(doc.get("groups") or []):
        where = f"groups[{index}]"
        group = store.add_group(
            GroupRec(
                id=_guid(item.get("id") or new_id(), f"{where}.id"),
                name=str(item.get("name", "")),
                external_id=item.get("externalId"),
                collections=_access(item.get("collections"), f"{where}.collections"),
            )
        )
        store.set_group_members(group.id, [str(m) for m in item.get("memberIds") or []])
    for index, (cid, item) in enumerate(
        zip(collection_ids, doc.get("collections") or [], strict=True)
    ):
        for gid, access in _access(item.get("groups"), f"collections[{index}].groups").items():
            if gid in store.groups:
                store.groups[gid].collections[cid] = access
    for index, item in enumerate(doc.get("policies") or []):
        ptype = item.get("type")
        if not isinstance(ptype, int):
            raise SeedError(f"policies[{index}].type: expected an integer")
        store.policies[ptype] = PolicyRec(
            item.get("id") or new_id(), ptype, bool(item.get("enabled")), item.get("data")
        )
    for item in doc.get("events") or []:
        store.events.append(event_record(item))
    store.events.sort(key=lambda e: e.date)
    return store


def event_record(item: dict[str, Any]) -> EventRec:
    """An event from its seed form (the response shape; `date` required)."""
    date = datetime.fromisoformat(str(item["date"]).replace("Z", "+00:00"))
    return EventRec(
        type=int(item["type"]),
        date=date if date.tzinfo else date.replace(tzinfo=UTC),
        member_id=item.get("memberId"),
        group_id=item.get("groupId"),
        collection_id=item.get("collectionId"),
        policy_id=item.get("policyId"),
        item_id=item.get("itemId"),
        acting_user_id=item.get("actingUserId"),
        ip_address=item.get("ipAddress"),
        device=item.get("device"),
    )


def dump(store: Store, *, with_secret: bool = False) -> dict[str, Any]:
    """The whole state (`GET /_emulator/state`); with the secret it is a `--state` file."""
    org = store.org
    members = []
    for member in store.members.values():
        view = member_view(store, member)
        view["collections"] = [association(c, a) for c, a in member.collections.items()]
        view["permissions"] = member.permissions
        view["hasMasterPassword"] = member.has_master_password
        view["priorStatus"] = member.prior_status
        members.append(view)
    groups = []
    for group in store.groups.values():
        groups.append(
            {
                "id": group.id,
                "name": group.name,
                "externalId": group.external_id,
                "collections": [association(c, a) for c, a in group.collections.items()],
                "memberIds": store.group_member_ids(group.id),
            }
        )
    collections = []
    for collection in store.collections.values():
        view = collection_view(store, collection)
        view["type"] = collection.type
        collections.append(view)
    document: dict[str, Any] = {
        "organization": {
            "id": org.id,
            "name": org.name,
            "useDirectory": org.use_directory,
            "useGroups": org.use_groups,
            "useApi": org.use_api,
            "seats": org.seats,
            **({"maxAutoScaleSeats": org.max_autoscale_seats} if org.autoscale else {}),
            "planAllowsAdditionalSeats": org.plan_allows_more_seats,
            "profile": org.profile,
            "stagedStatus": org.staged_status,
        },
        "members": members,
        "groups": groups,
        "collections": collections,
        "policies": [
            {"id": p.id, "type": p.type, "enabled": p.enabled, "data": p.data}
            for p in store.policies.values()
        ],
        "events": [event_view(e) for e in store.events],
    }
    if with_secret:
        document["clientSecret"] = store.client_secret
    return document
