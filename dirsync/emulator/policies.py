"""`/public/policies` (contract §1 Policies)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.errors import json_response, model_state, not_found_empty
from dirsync.emulator.runtime import client_ip, store_of
from dirsync.emulator.store import POLICY_TYPES, PolicyRec, new_id
from dirsync.emulator.validation import Reader, read_json
from dirsync.emulator.views import list_view, policy_view


def _policy_type(raw: str) -> int:
    """The `{type}` route value: an integer PolicyType, else a model-binding 400."""
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value not in POLICY_TYPES:
        raise model_state({"type": [f"The value '{raw}' is not valid."]})
    return value


async def list_policies(request: Request) -> Response:
    store = store_of(request)
    return json_response(list_view([policy_view(p) for p in store.policies.values()]))


async def get_policy(request: Request) -> Response:
    policy = store_of(request).policies.get(_policy_type(request.path_params["type"]))
    if policy is None:
        raise not_found_empty()
    return json_response(policy_view(policy))


async def update_policy(request: Request) -> Response:
    store = store_of(request)
    policy_type = _policy_type(request.path_params["type"])
    reader = Reader.root(await read_json(request), "PolicyUpdateRequestModel")
    enabled = reader.boolean("enabled", required=True)
    data = reader.get("data")
    if data is not None and not isinstance(data, dict):
        reader.json_fail(
            "data", "System.Collections.Generic.Dictionary`2[System.String,System.Object]"
        )
    reader.raise_if_invalid()
    policy = store.policies.get(policy_type)
    if policy is None:
        policy = store.policies[policy_type] = PolicyRec(new_id(), policy_type, bool(enabled))
    policy.enabled, policy.data = bool(enabled), data
    store.record(1700, policy_id=policy.id, ip_address=client_ip(request))
    return json_response(policy_view(policy))
