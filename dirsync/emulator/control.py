"""The test-only control surface under `/_emulator/` (no token; never under /public).

Tests use it to reset and read the state, read the request log, change faults, revoke
tokens, and model real users: accept and confirm invites, set the master-password flag,
add owners; and set the subscription's seats and autoscale cap. Collections can only be
created through the seed (the API has no POST).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator import seed
from dirsync.emulator.errors import ApiError, empty_response, json_response
from dirsync.emulator.faults import FaultSpecError
from dirsync.emulator.runtime import emulator_of, store_of
from dirsync.emulator.store import ACCEPTED, CONFIRMED, INVITED, OWNER, MemberRec, new_id
from dirsync.emulator.validation import parse_guid, strict_email_ok
from dirsync.emulator.views import member_view


def _refuse(message: str, status: int = 400) -> ApiError:
    return ApiError(status, {"message": message})


async def _body(request: Request) -> Any:
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise _refuse(f"body is not JSON: {exc}") from None


def _member(request: Request) -> MemberRec:
    member_id = parse_guid(request.path_params["id"]) or ""
    member = store_of(request).members.get(member_id)
    if member is None:
        raise _refuse(f"no member {request.path_params['id']}", 404)
    return member


async def reset(request: Request) -> Response:
    try:
        emulator_of(request).reset(await _body(request))
    except seed.SeedError as exc:
        raise _refuse(f"seed: {exc}") from None
    return empty_response()


async def state(request: Request) -> Response:
    return json_response(seed.dump(store_of(request)))


async def requests(request: Request) -> Response:
    emulator = emulator_of(request)
    if request.method == "DELETE":
        emulator.requests.clear()
        return empty_response()
    return json_response(emulator.requests)


async def accept(request: Request) -> Response:
    member = _member(request)
    if member.status != INVITED:
        raise _refuse(f"member {member.id} is not Invited (status {member.status})")
    body = await _body(request) or {}
    member.status, member.user_id = ACCEPTED, new_id()
    member.name = body.get("name", member.name)
    member.master_password = bool(body.get("hasMasterPassword", True))
    return json_response(member_view(store_of(request), member))


async def confirm(request: Request) -> Response:
    member = _member(request)
    if member.status != ACCEPTED:
        raise _refuse(f"member {member.id} is not Accepted (status {member.status})")
    member.status = CONFIRMED
    store_of(request).record(1501, member_id=member.id)
    return json_response(member_view(store_of(request), member))


async def master_password(request: Request) -> Response:
    member = _member(request)
    body = await _body(request)
    if not isinstance(body, dict) or not isinstance(body.get("value"), bool):
        raise _refuse('body must be {"value": true|false}')
    member.master_password = body["value"]
    return json_response(member_view(store_of(request), member))


async def add_owner(request: Request) -> Response:
    store = store_of(request)
    body = await _body(request)
    email = body.get("email") if isinstance(body, dict) else None
    if not isinstance(email, str) or not strict_email_ok(email):
        raise _refuse('body must be {"email": "<a valid email>"}')
    if store.member_by_email(email):
        raise _refuse(f"{email} is already a member")
    member = store.add_member(
        MemberRec(
            id=new_id(),
            email=email,
            type=OWNER,
            status=CONFIRMED,
            user_id=new_id(),
            name=body.get("name"),
            external_id=body.get("externalId"),
        )
    )
    return json_response(member_view(store, member))


async def set_subscription(request: Request) -> Response:
    """{"seats": N | null, "maxAutoScaleSeats": N | null}; without maxAutoScaleSeats the
    seat count is a hard limit (no autoscaling)."""
    body = await _body(request)
    if not isinstance(body, dict):
        raise _refuse('body must be {"seats": N, "maxAutoScaleSeats": N}')
    values = [body.get("seats"), body.get("maxAutoScaleSeats")]
    if any(v is not None and (not isinstance(v, int) or v < 0) for v in values):
        raise _refuse("seats and maxAutoScaleSeats must be null or whole numbers >= 0")
    org = store_of(request).org
    org.seats = body.get("seats")
    org.autoscale = "maxAutoScaleSeats" in body
    org.max_autoscale_seats = body.get("maxAutoScaleSeats")
    return empty_response()


async def faults(request: Request) -> Response:
    body = await _body(request)
    spec = body.get("spec") if isinstance(body, dict) else None
    if not isinstance(spec, str):
        raise _refuse('body must be {"spec": "<SPEC>"}')
    try:
        emulator_of(request).set_faults(spec)
    except FaultSpecError as exc:
        raise _refuse(str(exc)) from None
    return empty_response()


async def revoke_tokens(request: Request) -> Response:
    emulator_of(request).issuer.revoke_all()
    return empty_response()
