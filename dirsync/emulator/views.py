"""Response shapes of contract §1 (camelCase, nulls written out, integer enums)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from dirsync.emulator.store import (
    CUSTOM,
    DEFAULT_USER_COLLECTION,
    PERMISSION_NAMES,
    Access,
    CollectionRec,
    EventRec,
    GroupRec,
    MemberRec,
    PolicyRec,
    Store,
)


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def association(collection_id: str, access: Access) -> dict[str, Any]:
    return {
        "id": collection_id,
        "readOnly": access.read_only,
        "hidePasswords": access.hide_passwords,
        "manage": access.manage,
    }


def associations(
    store: Store, access: dict[str, Access], shared_only: bool = True
) -> list[dict[str, Any]]:
    """Stored collection access; default user collections are never shown."""
    return [
        association(cid, acc)
        for cid, acc in access.items()
        if not shared_only
        or (cid in store.collections and store.collections[cid].type != DEFAULT_USER_COLLECTION)
    ]


def permissions_view(stored: dict[str, bool] | None) -> dict[str, bool]:
    """PermissionsModel: every flag, false unless set."""
    return {name: bool((stored or {}).get(name, False)) for name in PERMISSION_NAMES}


def member_view(
    store: Store,
    member: MemberRec,
    collections: list[dict[str, Any]] | bool | None = True,
    account_details: bool = True,
) -> dict[str, Any]:
    """MemberResponseModel. `collections=True` shows the stored access, else the given echo."""
    linked = account_details and member.user_id is not None
    return {
        "object": "member",
        "id": member.id,
        "userId": member.user_id,
        "name": member.name if linked else None,
        "email": member.email,
        "twoFactorEnabled": member.two_factor_enabled if linked else False,
        "status": member.status,
        "collections": (
            associations(store, member.collections) if collections is True else collections
        ),
        "resetPasswordEnrolled": member.reset_password_enrolled,
        "ssoExternalId": member.sso_external_id if linked else None,
        "type": member.type,
        "externalId": member.external_id,
        "permissions": permissions_view(member.permissions) if member.type == CUSTOM else None,
    }


def group_view(
    store: Store, group: GroupRec, collections: list[dict[str, Any]] | bool | None = True
) -> dict[str, Any]:
    return {
        "object": "group",
        "id": group.id,
        "name": group.name,
        "externalId": group.external_id,
        "collections": (
            associations(store, group.collections) if collections is True else collections
        ),
    }


def collection_view(store: Store, collection: CollectionRec) -> dict[str, Any]:
    return {
        "object": "collection",
        "id": collection.id,
        "externalId": collection.external_id,
        "groups": [
            association(group.id, group.collections[collection.id])
            for group in store.groups.values()
            if collection.id in group.collections
        ],
    }


def policy_view(policy: PolicyRec) -> dict[str, Any]:
    return {
        "object": "policy",
        "id": policy.id,
        "type": policy.type,
        "enabled": policy.enabled,
        "data": policy.data,
    }


def event_view(event: EventRec) -> dict[str, Any]:
    return {
        "object": "event",
        "type": event.type,
        "itemId": event.item_id,
        "collectionId": event.collection_id,
        "groupId": event.group_id,
        "policyId": event.policy_id,
        "memberId": event.member_id,
        "actingUserId": event.acting_user_id,
        "installationId": None,
        "date": iso(event.date),
        "device": event.device,
        "ipAddress": event.ip_address,
        "secretId": None,
        "projectId": None,
        "serviceAccountId": None,
    }


def list_view(data: list[dict[str, Any]]) -> dict[str, Any]:
    return {"object": "list", "data": data}
