"""`/public/groups` (contract §1 Groups)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.common import check_manage, echo, read_associations, require_known
from dirsync.emulator.errors import bad_request, empty_response, json_response, not_found_empty
from dirsync.emulator.runtime import client_ip, store_of
from dirsync.emulator.store import Access, GroupRec, Store, new_id
from dirsync.emulator.validation import Reader, read_json, route_guid
from dirsync.emulator.views import group_view, list_view


def _find(store: Store, raw_id: str) -> GroupRec:
    group = store.groups.get(route_guid(raw_id))
    if group is None:
        raise not_found_empty()
    return group


async def _read_body(request: Request) -> tuple[str, str | None, dict[str, Access] | None]:
    reader = Reader.root(await read_json(request), "GroupCreateUpdateRequestModel")
    name = reader.string("name", required=True, max_len=100)
    external_id = reader.string("externalId", max_len=300)
    collections = read_associations(reader, "collections")
    reader.raise_if_invalid()
    check_manage(collections)
    return name or "", external_id, collections


async def list_groups(request: Request) -> Response:
    store = store_of(request)
    return json_response(list_view([group_view(store, g) for g in store.groups.values()]))


async def get_group(request: Request) -> Response:
    store = store_of(request)
    return json_response(group_view(store, _find(store, request.path_params["id"])))


async def get_group_member_ids(request: Request) -> Response:
    store = store_of(request)
    group = _find(store, request.path_params["id"])
    return json_response(store.group_member_ids(group.id))


async def create_group(request: Request) -> Response:
    store = store_of(request)
    if not store.org.use_groups:
        raise bad_request("This organization cannot use groups.")
    name, external_id, collections = await _read_body(request)
    require_known(collections, store.collections)
    group = store.add_group(GroupRec(new_id(), name, external_id, dict(collections or {})))
    store.record(1400, group_id=group.id, ip_address=client_ip(request))
    return json_response(group_view(store, group, collections=echo(collections)))


async def update_group(request: Request) -> Response:
    store = store_of(request)
    name, external_id, collections = await _read_body(request)
    group = _find(store, request.path_params["id"])
    require_known(collections, store.collections)
    group.name, group.external_id = name, external_id
    if collections is not None:
        group.collections = dict(collections)
    store.record(1401, group_id=group.id, ip_address=client_ip(request))
    return json_response(group_view(store, group, collections=echo(collections)))


async def set_group_member_ids(request: Request) -> Response:
    store = store_of(request)
    reader = Reader.root(await read_json(request), "UpdateMemberIdsRequestModel")
    member_ids = reader.guid_list("memberIds")
    reader.raise_if_invalid()
    group = _find(store, request.path_params["id"])
    store.set_group_members(group.id, member_ids or [])
    return empty_response()


async def delete_group(request: Request) -> Response:
    store = store_of(request)
    store.remove_group(_find(store, request.path_params["id"]).id)
    return empty_response()
