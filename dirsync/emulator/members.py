"""`/public/members` (contract §1 Members)."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.common import (
    LAST_OWNER,
    check_manage,
    echo,
    find_member,
    has_other_confirmed_owner,
    read_associations,
    require_known,
    seat_error,
)
from dirsync.emulator.errors import bad_request, empty_response, json_response
from dirsync.emulator.runtime import client_ip, store_of
from dirsync.emulator.store import (
    ADMIN,
    CUSTOM,
    INVITED,
    MEMBER_TYPES,
    OWNER,
    PERMISSION_NAMES,
    REVOKED,
    STAGED,
    Access,
    MemberRec,
    new_id,
)
from dirsync.emulator.validation import Reader, read_json, strict_email_ok
from dirsync.emulator.views import list_view, member_view

TYPE_ENUM = "Bit.Core.Enums.OrganizationUserType"
TWO_FACTOR_POLICY = 0
NEEDS_TWO_FACTOR = (
    "You cannot restore this user until they enable two-step login on their user account."
)
CUSTOM_ONLY = "Only users with the Custom role may use custom permissions."
BAD_EMAIL = "The Email field is not a supported e-mail address format."


@dataclass
class MemberBody:
    type: int
    external_id: str | None
    permissions: dict[str, bool] | None
    collections: dict[str, Access] | None
    groups: list[str] | None
    email: str = ""


def _permissions(reader: Reader) -> dict[str, bool] | None:
    child = reader.child("permissions", "Bit.Api.AdminConsole.Public.Models.PermissionsModel")
    if child is None:
        return None
    return {name: bool(child.boolean(name)) for name in PERMISSION_NAMES}


async def _read_body(request: Request, create: bool) -> MemberBody:
    model = "MemberCreateRequestModel" if create else "MemberUpdateRequestModel"
    reader = Reader.root(await read_json(request), model)
    member_type = reader.enum_int("type", MEMBER_TYPES, TYPE_ENUM, required_member=model)
    external_id = reader.string("externalId", max_len=300)
    permissions = _permissions(reader)
    collections = read_associations(reader, "collections")
    groups = reader.guid_list("groups")
    email = ""
    if create:
        email = reader.string("email", required=True, max_len=256) or ""
        if email and len(email) <= 256 and not strict_email_ok(email):
            reader.add("Email", BAD_EMAIL)
    if not reader.errors and permissions is not None and member_type != CUSTOM:
        reader.add("", CUSTOM_ONLY)
    reader.raise_if_invalid()
    check_manage(collections)
    assert member_type is not None
    return MemberBody(member_type, external_id, permissions, collections, groups, email)


async def list_members(request: Request) -> Response:
    store = store_of(request)
    return json_response(list_view([member_view(store, m) for m in store.members.values()]))


async def get_member(request: Request) -> Response:
    store = store_of(request)
    return json_response(member_view(store, find_member(store, request.path_params["id"])))


async def get_member_group_ids(request: Request) -> Response:
    store = store_of(request)
    member = find_member(store, request.path_params["id"])
    return json_response(store.member_group_ids(member.id))


async def invite_member(request: Request) -> Response:
    store = store_of(request)
    body = await _read_body(request, create=True)
    if store.member_by_email(body.email):
        raise bad_request("This user has already been invited.")
    require_known(body.collections, store.collections)
    require_known(body.groups, store.groups)
    if not store.seats_available(1):
        raise seat_error(store.org)
    member = store.add_member(
        MemberRec(
            id=new_id(),
            email=body.email,
            type=body.type,
            status=INVITED,
            external_id=body.external_id,
            permissions=(body.permissions or {}) if body.type == CUSTOM else None,
            collections=dict(body.collections or {}),
        )
    )
    if body.groups:
        store.set_member_groups(member.id, body.groups)
    store.record(1500, member_id=member.id, ip_address=client_ip(request))
    view = member_view(store, member, collections=echo(body.collections), account_details=False)
    return json_response(view)


async def update_member(request: Request) -> Response:
    store = store_of(request)
    body = await _read_body(request, create=False)
    member = find_member(store, request.path_params["id"])
    require_known(body.collections, store.collections)
    require_known(body.groups, store.groups)
    if body.type != OWNER and not has_other_confirmed_owner(store, member):
        raise bad_request(LAST_OWNER)
    if body.type == CUSTOM:
        member.permissions = body.permissions or member.permissions or {}
    else:
        member.permissions = None
    member.type = body.type
    member.external_id = body.external_id
    member.collections = dict(body.collections or {})
    if body.groups is not None:
        store.set_member_groups(member.id, body.groups)
    store.record(1502, member_id=member.id, ip_address=client_ip(request))
    return json_response(member_view(store, member, collections=echo(body.collections)))


async def set_member_group_ids(request: Request) -> Response:
    store = store_of(request)
    reader = Reader.root(await read_json(request), "UpdateGroupIdsRequestModel")
    group_ids = reader.guid_list("groupIds")
    reader.raise_if_invalid()
    member = find_member(store, request.path_params["id"])
    store.set_member_groups(member.id, group_ids or [])
    store.record(1504, member_id=member.id, ip_address=client_ip(request))
    return empty_response()


async def delete_member(request: Request) -> Response:
    store = store_of(request)
    member = find_member(store, request.path_params["id"])
    if member.type == OWNER and not has_other_confirmed_owner(store, member):
        raise bad_request(LAST_OWNER)
    store.remove_member(member.id)
    store.record(1503, member_id=member.id, ip_address=client_ip(request))
    return empty_response()


async def reinvite_member(request: Request) -> Response:
    member = find_member(store_of(request), request.path_params["id"])
    if member.status != INVITED:
        raise bad_request("User invalid.")
    return empty_response()


async def revoke_member(request: Request) -> Response:
    store = store_of(request)
    member = find_member(store, request.path_params["id"])
    if member.status == REVOKED:
        raise bad_request("Already revoked.")
    if member.type == OWNER and not has_other_confirmed_owner(store, member):
        raise bad_request(LAST_OWNER)
    member.prior_status, member.status = member.status, REVOKED
    store.record(1511, member_id=member.id, ip_address=client_ip(request))
    return empty_response()


async def restore_member(request: Request) -> Response:
    store = store_of(request)
    member = find_member(store, request.path_params["id"])
    if member.status != REVOKED:
        raise bad_request("Already active.")
    prior = member.prior_status if member.prior_status is not None else INVITED
    two_factor = store.policies.get(TWO_FACTOR_POLICY)
    exempt = member.type in (OWNER, ADMIN) or member.user_id is None
    if two_factor and two_factor.enabled and not exempt and not member.two_factor_enabled:
        raise bad_request(NEEDS_TWO_FACTOR)
    if prior != STAGED and not store.seats_available(1):
        raise seat_error(store.org)
    member.status, member.prior_status = prior, None
    store.record(1512, member_id=member.id, ip_address=client_ip(request))
    return empty_response()
