"""What happens around every API and identity request: faults, rate limit, auth, request log."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import struct
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dirsync.emulator.errors import UNHANDLED_MESSAGE, public_error, rate_limited_body
from dirsync.emulator.faults import HTML_PAGES, FaultPlan, malform
from dirsync.emulator.runtime import Emulator

logger = logging.getLogger(__name__)
TRANSPORT_KEY = "dirsync.emulator.transport"
ROUTED_KEY = "dirsync.emulator.routed"
"""False when no route takes the path and verb: ASP.NET answers 404/405 before auth."""
IDENTITY_PATHS = ("/connect/", "/identity/connect/")
API_PATHS = ("/public/", "/api/public/")


class ConnectionDropped(ConnectionResetError):
    """Raised in-process, where there is no TCP connection to drop."""


async def _send_simple(
    send: Send, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None
) -> None:
    raw_headers = [(b"content-length", b"%d" % len(body))]
    if content_type:
        raw_headers.append((b"content-type", content_type.encode()))
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": body})


async def _send_json(
    send: Send, status: int, body: Any, headers: dict[str, str] | None = None
) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    await _send_simple(send, status, data, "application/json; charset=utf-8", headers)


async def drop_connection(scope: Scope) -> None:
    """Reset the client's TCP connection without any answer (RST, not a clean close)."""
    transport = scope.get(TRANSPORT_KEY)
    if transport is None:
        raise ConnectionDropped("emulated connection reset")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    transport.abort()
    for _ in range(3):
        await asyncio.sleep(0)


def _bearer(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                return str(token.strip())
    query = dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))
    from_query: str | None = query.get("access_token")
    return from_query


def _client_key(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-connecting-ip":
            return str(value.decode("latin-1"))
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _fault_answer(send: Send, status: int) -> None:
    if status == 429:
        await _send_json(send, 429, rate_limited_body("1s"), {"Retry-After": "1"})
    elif status == 500:
        await _send_json(send, 500, public_error(UNHANDLED_MESSAGE))
    else:
        await _send_simple(send, status, HTML_PAGES[status].encode(), "text/html")


async def handle(
    emulator: Emulator, app: ASGIApp, scope: Scope, receive: Receive, send: Send
) -> None:
    """Serve one request to the API or identity paths, logging its final status."""
    method, path = scope["method"], scope["path"]
    plan = emulator.faults.plan(method)
    status = 0
    latency = emulator.options.latency
    await latency.one_way(emulator.jitter)

    async def way_back(message: Message) -> None:
        # Every answer travels back; the request was handled (a write applied) whether
        # or not the client is still there to hear it.
        if message["type"] == "http.response.start":
            await latency.one_way(emulator.jitter)
        await send(message)

    try:
        status = await _serve(emulator, app, scope, receive, way_back, plan)
    finally:
        emulator.log(method, path, status, plan.name)


async def _serve(
    emulator: Emulator, app: ASGIApp, scope: Scope, receive: Receive, send: Send, plan: FaultPlan
) -> int:
    method, path = scope["method"], scope["path"]
    if plan.latency:
        await asyncio.sleep(plan.latency)
    if plan.reset_before:
        await drop_connection(scope)
        return 0
    if plan.status:
        await _fault_answer(send, plan.status)
        return plan.status
    headers: dict[str, str] = {}
    is_identity = path.startswith(IDENTITY_PATHS)
    if emulator.rate_limited:
        verdict = emulator.limiter.check(_client_key(scope), method, path, is_identity)
        if verdict.retry_after is not None:
            body = rate_limited_body(verdict.period)
            await _send_json(send, 429, body, {"Retry-After": str(verdict.retry_after)})
            return 429
        headers = verdict.headers
    if plan.revoke_token:
        emulator.issuer.revoke_all()
    if path.startswith(API_PATHS) and scope.get(ROUTED_KEY, True):
        token = _bearer(scope)
        claims = emulator.issuer.claims(token) if token else None
        if claims is None or claims.get("client_sub") != emulator.store.org.id:
            await _send_simple(send, 401, b"", "", headers)
            return 401
    start: Message = {}
    chunks: list[bytes] = []

    async def buffer(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
        else:
            chunks.append(message.get("body", b""))

    try:
        await app(scope, receive, buffer)
    except Exception:
        logger.exception("emulator failure answering %s %s", method, path)
        await _send_json(send, 500, public_error(UNHANDLED_MESSAGE), headers)
        return 500
    if plan.reset_after:
        await drop_connection(scope)
        return 0
    status: int = start["status"]
    payload = b"".join(chunks)
    raw_headers = [(k, v) for k, v in start.get("headers", []) if k != b"content-length"]
    if (
        plan.malformed
        and status == 200
        and payload
        and b"json" in dict(raw_headers).get(b"content-type", b"")
    ):
        payload, content_type = malform(plan.malformed, payload)
        raw_headers = [(k, v) for k, v in raw_headers if k != b"content-type"]
        raw_headers.append((b"content-type", content_type.encode()))
    raw_headers.append((b"content-length", b"%d" % len(payload)))
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})
    return status
