"""Non-idempotent writes are verified before a retry (narrow races, scripted)."""

from __future__ import annotations

import json

import httpx
import pytest

from dirsync.bitwarden.errors import AlreadyExists, BadRequest, NotFound
from dirsync.bitwarden.models import MemberStatus, MemberType
from tests.client.fakes import FakeServer, listing, member_json

ALREADY = "This user has already been invited."
MEMBER_ID = "7a1f3c52-0000-4000-8000-00000000000a"


def error(message: str) -> httpx.Response:
    return httpx.Response(400, json={"object": "error", "message": message, "errors": None})


class Script:
    """Answers each (method, path) from its own queue; records what was asked."""

    def __init__(self, routes: dict[str, list[httpx.Response | Exception]]) -> None:
        self.routes = {key: list(items) for key, items in routes.items()}
        self.asked: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        key = f"{request.method} {request.url.path}"
        self.asked.append(key)
        item = self.routes[key].pop(0)
        if isinstance(item, Exception):
            raise item
        return item


def test_invite_after_a_lost_answer_returns_the_member_without_resending() -> None:
    created = member_json(MEMBER_ID, "Ann@Example.com", externalId="e1")
    script = Script({
        "POST /public/members": [httpx.ReadError("connection reset")],
        "GET /public/members": [httpx.Response(200, json=listing(created))],
    })  # fmt: skip
    with FakeServer(script).client() as client:
        member = client.invite_member("ann@example.com", type=MemberType.USER, external_id="e1")
    assert member.id == MEMBER_ID
    assert script.asked == ["POST /public/members", "GET /public/members"]


def test_already_invited_after_an_uncertain_attempt_is_success_once_found() -> None:
    created = member_json(MEMBER_ID, "ann@example.com")
    script = Script({
        "POST /public/members": [httpx.Response(502), error(ALREADY)],
        "GET /public/members": [httpx.Response(200, json=listing()),
                            httpx.Response(200, json=listing(created))],
    })  # fmt: skip
    with FakeServer(script).client() as client:
        member = client.invite_member("ann@example.com", type=MemberType.USER, external_id=None)
    assert member.id == MEMBER_ID
    assert script.asked.count("POST /public/members") == 2


def test_already_invited_after_only_a_429_is_a_real_conflict() -> None:
    limited = httpx.Response(429, headers={"Retry-After": "0"})
    script = Script({"POST /public/members": [limited, error(ALREADY)]})
    with FakeServer(script).client() as client, pytest.raises(AlreadyExists):
        client.invite_member("ann@example.com", type=MemberType.USER, external_id=None)
    assert "GET /public/members" not in script.asked


def test_invite_sends_the_contract_body() -> None:
    bodies: list[object] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, json=member_json(MEMBER_ID, "a@example.com", type=4))

    with FakeServer(handler).client() as client:
        client.invite_member("a@example.com", type=MemberType.CUSTOM, external_id="x", groups=["g"])
    assert bodies == [
        {"email": "a@example.com", "type": 4, "externalId": "x", "permissions": None,
         "collections": None, "groups": ["g"]}
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("action", "status_seen", "answer"),
    [
        ("revoke", MemberStatus.CONFIRMED, "Already revoked."),
        ("restore", MemberStatus.REVOKED, "Already active."),
    ],
)
def test_already_done_after_an_uncertain_attempt_is_success(
    action: str, status_seen: MemberStatus, answer: str
) -> None:
    path = f"/public/members/{MEMBER_ID}"
    stale = member_json(MEMBER_ID, "a@example.com", status=int(status_seen))
    script = Script({
        f"POST {path}/{action}": [httpx.Response(503), error(answer)],
        f"GET {path}": [httpx.Response(200, json=stale)],
    })  # fmt: skip
    with FakeServer(script).client() as client:
        getattr(client, f"{action}_member")(MEMBER_ID)
    assert script.asked == [f"POST {path}/{action}", f"GET {path}", f"POST {path}/{action}"]


def test_already_revoked_on_a_first_attempt_is_an_error() -> None:
    script = Script({f"POST /public/members/{MEMBER_ID}/revoke": [error("Already revoked.")]})
    with FakeServer(script).client() as client, pytest.raises(BadRequest, match="Already"):
        client.revoke_member(MEMBER_ID)


def test_revoke_verified_done_is_not_resent() -> None:
    path = f"/public/members/{MEMBER_ID}"
    revoked = member_json(MEMBER_ID, "a@example.com", status=-1)
    script = Script({
        f"POST {path}/revoke": [httpx.RemoteProtocolError("dropped")],
        f"GET {path}": [httpx.Response(200, json=revoked)],
    })  # fmt: skip
    with FakeServer(script).client() as client:
        client.revoke_member(MEMBER_ID)
    assert script.asked.count(f"POST {path}/revoke") == 1


def test_reinvite_stops_when_the_member_is_no_longer_invited() -> None:
    path = f"/public/members/{MEMBER_ID}"
    accepted = member_json(MEMBER_ID, "a@example.com", status=1)
    script = Script({
        f"POST {path}/reinvite": [httpx.Response(500)],
        f"GET {path}": [httpx.Response(200, json=accepted)],
    })  # fmt: skip
    with FakeServer(script).client() as client:
        client.reinvite_member(MEMBER_ID)
    assert script.asked.count(f"POST {path}/reinvite") == 1


def test_delete_answered_404_after_an_uncertain_attempt_is_done() -> None:
    path = f"/public/members/{MEMBER_ID}"
    script = Script({f"DELETE {path}": [httpx.ReadError("reset"), httpx.Response(404)]})
    with FakeServer(script).client() as client:
        client.delete_member(MEMBER_ID)
    first = Script({f"DELETE {path}": [httpx.Response(404)]})
    with FakeServer(first).client() as client, pytest.raises(NotFound):
        client.delete_member(MEMBER_ID)


def test_group_creation_after_a_lost_answer_finds_the_group_by_external_id() -> None:
    group = {"object": "group", "id": "g1", "name": "Ops", "externalId": "ops", "collections": []}
    other = {"object": "group", "id": "g0", "name": "Ops", "externalId": "old", "collections": []}
    script = Script({
        "POST /public/groups": [httpx.ReadError("reset")],
        "GET /public/groups": [httpx.Response(200, json=listing(other, group))],
    })  # fmt: skip
    with FakeServer(script).client() as client:
        assert client.create_group("Ops", external_id="ops").id == "g1"
