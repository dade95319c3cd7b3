"""Request pieces several endpoints share: collection access lists and id checks."""

from __future__ import annotations

from typing import Any

from dirsync.emulator.errors import ApiError, bad_request, not_found_empty, not_found_json
from dirsync.emulator.store import Access, MemberRec, Organization, Store
from dirsync.emulator.validation import Reader, parse_guid, route_guid

MANAGE_EXCLUSIVE = (
    "The Manage property is mutually exclusive and cannot be true while the ReadOnly or "
    "HidePasswords properties are also true."
)
LAST_OWNER = "Organization must have at least one confirmed owner."
ASSOCIATION_TYPE = (
    "Bit.Api.AdminConsole.Public.Models.Request.AssociationWithPermissionsRequestModel"
)


def read_associations(reader: Reader, name: str) -> dict[str, Access] | None:
    """An AssociationWithPermissions[] property; None when absent or null."""
    items = reader.objects(name, ASSOCIATION_TYPE)
    if items is None:
        return None
    result: dict[str, Access] = {}
    for item in items:
        raw_id = item.get("id")
        cid = parse_guid(raw_id) if isinstance(raw_id, str) else None
        if raw_id is None:
            item.add("Id", "The Id field is required.")
        elif cid is None:
            item.json_fail("id", "System.Guid")
        read_only = item.boolean("readOnly", required=True)
        hide = item.boolean("hidePasswords")
        manage = item.boolean("manage")
        if cid is not None:
            result[cid] = Access(bool(read_only), bool(hide), bool(manage))
    return result


def check_manage(access: dict[str, Access] | None) -> None:
    for item in (access or {}).values():
        if item.manage and (item.read_only or item.hide_passwords):
            raise bad_request(MANAGE_EXCLUSIVE)


def echo(access: dict[str, Access] | None) -> list[dict[str, Any]] | None:
    """The request's collections as a response echoes them."""
    if access is None:
        return None
    return [
        {"id": cid, "readOnly": a.read_only, "hidePasswords": a.hide_passwords, "manage": a.manage}
        for cid, a in access.items()
    ]


def require_known(ids: list[str] | dict[str, Any] | None, known: dict[str, Any]) -> None:
    """Ids in a body must exist in the org: else NotFoundException (404 JSON)."""
    if any(i not in known for i in ids or ()):
        raise not_found_json()


def find_member(store: Store, raw_id: str) -> MemberRec:
    member = store.members.get(route_guid(raw_id))
    if member is None:
        raise not_found_empty()
    return member


def has_other_confirmed_owner(store: Store, member: MemberRec) -> bool:
    others = store.confirmed_owner_count() - (1 if member.is_confirmed_owner else 0)
    return others > 0


def seat_error(org: Organization) -> ApiError:
    """The invite command's seat errors when the seat count is reached."""
    if org.self_hosted:
        return bad_request("Cannot autoscale on self-hosted instance.")
    if not org.plan_allows_more_seats:
        return bad_request("Plan does not allow additional seats.")
    return bad_request("Seat limit has been reached.")
