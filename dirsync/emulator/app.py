"""The ASGI app: routes of contract §1 (also under /api), identity, and the control surface."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Match, Route
from starlette.types import Receive, Scope, Send

from dirsync.emulator import (
    collections,
    connect,
    control,
    events,
    groups,
    importer,
    members,
    pipeline,
    policies,
    subscription,
)
from dirsync.emulator.errors import ApiError, empty_response
from dirsync.emulator.runtime import Emulator, EmulatorOptions

Handler = Callable[[Request], Awaitable[Response]]

PUBLIC_ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/public/members", members.list_members),
    ("POST", "/public/members", members.invite_member),
    ("GET", "/public/members/{id}", members.get_member),
    ("PUT", "/public/members/{id}", members.update_member),
    ("DELETE", "/public/members/{id}", members.delete_member),
    ("GET", "/public/members/{id}/group-ids", members.get_member_group_ids),
    ("PUT", "/public/members/{id}/group-ids", members.set_member_group_ids),
    ("POST", "/public/members/{id}/reinvite", members.reinvite_member),
    ("POST", "/public/members/{id}/revoke", members.revoke_member),
    ("POST", "/public/members/{id}/restore", members.restore_member),
    ("GET", "/public/groups", groups.list_groups),
    ("POST", "/public/groups", groups.create_group),
    ("GET", "/public/groups/{id}", groups.get_group),
    ("PUT", "/public/groups/{id}", groups.update_group),
    ("DELETE", "/public/groups/{id}", groups.delete_group),
    ("GET", "/public/groups/{id}/member-ids", groups.get_group_member_ids),
    ("PUT", "/public/groups/{id}/member-ids", groups.set_group_member_ids),
    ("GET", "/public/collections", collections.list_collections),
    ("GET", "/public/collections/{id}", collections.get_collection),
    ("PUT", "/public/collections/{id}", collections.update_collection),
    ("DELETE", "/public/collections/{id}", collections.delete_collection),
    ("GET", "/public/policies", policies.list_policies),
    ("GET", "/public/policies/{type}", policies.get_policy),
    ("PUT", "/public/policies/{type}", policies.update_policy),
    ("GET", "/public/events", events.list_events),
    ("POST", "/public/organization/import", importer.import_organization),
    ("GET", "/public/organization/subscription", subscription.get_subscription),
]
CONTROL_ROUTES: list[tuple[str, str, Handler]] = [
    ("POST", "/_emulator/reset", control.reset),
    ("GET", "/_emulator/state", control.state),
    ("GET", "/_emulator/requests", control.requests),
    ("DELETE", "/_emulator/requests", control.requests),
    ("POST", "/_emulator/members/{id}/accept", control.accept),
    ("POST", "/_emulator/members/{id}/confirm", control.confirm),
    ("POST", "/_emulator/members/{id}/master-password", control.master_password),
    ("POST", "/_emulator/owners", control.add_owner),
    ("POST", "/_emulator/faults", control.faults),
    ("POST", "/_emulator/subscription", control.set_subscription),
    ("POST", "/_emulator/tokens/revoke", control.revoke_tokens),
    ("POST", "/_emulator/events", events.add_events),
]


def _routes() -> list[Route]:
    table: dict[str, dict[str, Handler]] = {}
    for method, path, handler in PUBLIC_ROUTES:
        table.setdefault(path, {})[method] = handler
        table.setdefault("/api" + path, {})[method] = handler
    for path in ("/connect/token", "/identity/connect/token"):
        table[path] = {"POST": connect.token}
    for method, path, handler in CONTROL_ROUTES:
        table.setdefault(path, {})[method] = handler
    return [_route(path, handlers) for path, handlers in table.items()]


def _route(path: str, handlers: dict[str, Handler]) -> Route:
    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return Route(path, dispatch, methods=list(handlers))


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown routes (404) and wrong verbs (405) answer with an empty body, as ASP.NET does."""
    assert isinstance(exc, HTTPException)
    return empty_response(exc.status_code)


class EmulatorApp(Starlette):
    """Starlette plus the per-request pipeline, which needs uvicorn's own `send`."""

    def __init__(self, emulator: Emulator) -> None:
        super().__init__(
            routes=_routes(),
            exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        )
        self.state.emulator = emulator
        self.emulator = emulator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/_emulator/"):
            await super().__call__(scope, receive, send)
            return
        owner = getattr(send, "__self__", None)
        scope[pipeline.TRANSPORT_KEY] = getattr(owner, "transport", None)
        scope[pipeline.ROUTED_KEY] = any(
            route.matches(scope)[0] == Match.FULL for route in self.router.routes
        )
        await pipeline.handle(self.emulator, super().__call__, scope, receive, send)


def create_app(options: EmulatorOptions | None = None) -> EmulatorApp:
    """A fresh emulator as an ASGI app, for uvicorn or httpx's ASGITransport."""
    return EmulatorApp(Emulator(options or EmulatorOptions()))
