"""`/public/collections` (contract §1 Collections); collections come only from the seed."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.common import check_manage, read_associations, require_known
from dirsync.emulator.errors import bad_request, empty_response, json_response, not_found_empty
from dirsync.emulator.runtime import client_ip, store_of
from dirsync.emulator.store import DEFAULT_USER_COLLECTION, CollectionRec, Store
from dirsync.emulator.validation import Reader, read_json, route_guid
from dirsync.emulator.views import collection_view, list_view


def _find(store: Store, raw_id: str) -> CollectionRec:
    collection = store.collections.get(route_guid(raw_id))
    if collection is None:
        raise not_found_empty()
    return collection


async def list_collections(request: Request) -> Response:
    store = store_of(request)
    shared = [c for c in store.collections.values() if c.type != DEFAULT_USER_COLLECTION]
    return json_response(list_view([collection_view(store, c) for c in shared]))


async def get_collection(request: Request) -> Response:
    store = store_of(request)
    collection = _find(store, request.path_params["id"])
    if collection.type == DEFAULT_USER_COLLECTION:
        raise not_found_empty()
    return json_response(collection_view(store, collection))


async def update_collection(request: Request) -> Response:
    store = store_of(request)
    reader = Reader.root(await read_json(request), "CollectionUpdateRequestModel")
    external_id = reader.string("externalId", max_len=300)
    groups = read_associations(reader, "groups")
    reader.raise_if_invalid()
    check_manage(groups)
    collection = _find(store, request.path_params["id"])
    if collection.type == DEFAULT_USER_COLLECTION:
        raise bad_request("You cannot edit a collection with the type as DefaultUserCollection.")
    require_known(groups, store.groups)
    collection.external_id = external_id
    for group in store.groups.values():
        group.collections.pop(collection.id, None)
    for group_id, access in (groups or {}).items():
        store.groups[group_id].collections[collection.id] = access
    store.record(1301, collection_id=collection.id, ip_address=client_ip(request))
    return json_response(collection_view(store, collection))


async def delete_collection(request: Request) -> Response:
    store = store_of(request)
    collection = _find(store, request.path_params["id"])
    if collection.type == DEFAULT_USER_COLLECTION:
        raise bad_request("You cannot delete a collection with the type as DefaultUserCollection.")
    store.remove_collection(collection.id)
    store.record(1302, collection_id=collection.id, ip_address=client_ip(request))
    return empty_response()
