"""`POST /connect/token` (contract §3)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response

from dirsync.emulator.errors import json_response
from dirsync.emulator.identity import SCOPE, TokenError
from dirsync.emulator.runtime import emulator_of


async def token(request: Request) -> Response:
    emulator = emulator_of(request)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        return json_response({"error": "invalid_request"}, 400)
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    org = emulator.store.org
    try:
        access_token = emulator.issuer.issue(
            form, org.id, emulator.store.client_secret, org.use_api
        )
    except TokenError as exc:
        return json_response({"error": exc.error}, 400)
    return json_response(
        {
            "access_token": access_token,
            "expires_in": emulator.issuer.lifetime,
            "token_type": "Bearer",
            "scope": SCOPE,
        }
    )
