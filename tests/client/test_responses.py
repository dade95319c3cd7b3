"""Malformed answers, error bodies (contract §0) and unknown enum values (§2)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pydantic import ValidationError

from dirsync.bitwarden.errors import (
    AlreadyExists,
    BadRequest,
    BitwardenError,
    InvalidResponse,
    NotFound,
)
from dirsync.bitwarden.models import MemberStatus, MemberType
from tests.client.fakes import FakeServer, listing, member_json


def root_cause(error: BaseException) -> BaseException:
    """The end of the ``raise ... from`` chain: what the client was given."""
    while error.__cause__ is not None:
        error = error.__cause__
    return error


def answering(response: httpx.Response) -> FakeServer:
    return FakeServer(lambda request: response)


def test_an_html_page_with_200_is_invalid_response_naming_what_came() -> None:
    page = "<!DOCTYPE html><html><body>Bad gateway</body></html>"
    server = answering(httpx.Response(200, text=page, headers={"content-type": "text/html"}))
    with server.client() as client, pytest.raises(InvalidResponse) as caught:
        client.list_members()
    message = str(caught.value)
    assert message.startswith("GET /public/members: the response is not JSON")
    assert "status 200" in message
    assert "text/html" in message
    assert "<!DOCTYPE html>" in message
    assert "server https://api.test (bitwarden.api_url)" in message
    assert isinstance(root_cause(caught.value), ValidationError)
    assert [s for s in server.seen if s[0] == "GET"] == [("GET", "/public/members")] * 4


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"object": "list", "data": [{"id": 5, "status": 0, "type": 2}]}, "data.0.id"),
        ({"object": "list"}, "data"),
        ([{"id": "x"}], "(top level)"),
        ({"object": "list", "data": [{"id": "a", "status": "Invited", "type": 2}]}, "status"),
    ],
)
def test_wrong_shapes_are_invalid_response_not_a_pydantic_error(body: object, where: str) -> None:
    server = answering(httpx.Response(200, json=body))
    with server.client() as client, pytest.raises(InvalidResponse) as caught:
        client.list_members()
    assert where in str(caught.value)
    assert "pydantic" not in str(caught.value)
    assert isinstance(root_cause(caught.value), ValidationError)


def test_a_bare_id_array_with_objects_inside_is_invalid() -> None:
    server = answering(httpx.Response(200, json=[{"id": "x"}]))
    with server.client() as client, pytest.raises(InvalidResponse, match="member-ids"):
        client.get_group_member_ids("g1")


def test_unknown_enum_values_and_fields_do_not_break_a_read() -> None:
    future = member_json("m1", "a@example.com", status=7, type=9, newField={"x": 1})
    known = member_json("m2", "b@example.com", status=-1, type=4, permissions={"manageScim": True})
    server = answering(httpx.Response(200, json=listing(future, known)))
    with server.client() as client:
        first, second = client.list_members()
    assert (first.status, first.type) == (7, 9)
    assert second.status is MemberStatus.REVOKED
    assert second.type is MemberType.CUSTOM
    assert second.permissions is not None
    assert second.permissions.manage_scim


def test_model_state_errors_are_kept_on_bad_request() -> None:
    body = {
        "object": "error",
        "message": "The request's model state is invalid.",
        "errors": {"Email": ["The Email field is not a supported e-mail address format."]},
    }
    server = answering(httpx.Response(400, json=body))
    with server.client() as client, pytest.raises(BadRequest) as caught:
        client.invite_member("not-an-email", type=MemberType.USER, external_id=None)
    error = caught.value
    assert error.status == 400
    assert error.message == "The request's model state is invalid."
    assert error.errors == {"Email": ["The Email field is not a supported e-mail address format."]}
    assert "Email: The Email field" in str(error)


def test_already_invited_on_a_first_attempt_is_already_exists() -> None:
    body = {"object": "error", "message": "This user has already been invited.", "errors": None}
    server = answering(httpx.Response(400, json=body))
    with server.client() as client, pytest.raises(AlreadyExists):
        client.invite_member("a@example.com", type=MemberType.USER, external_id="e1")
    assert [s for s in server.seen if s[0] == "GET"] == []


def test_an_error_page_instead_of_an_error_body_still_names_the_status() -> None:
    server = answering(httpx.Response(400, text="<html>oops</html>"))
    with server.client() as client, pytest.raises(BadRequest) as caught:
        client.set_group_members("g1", [])
    assert "400" in str(caught.value)
    assert "<html>oops" in str(caught.value)


def test_404_with_an_empty_body_is_not_found() -> None:
    server = answering(httpx.Response(404))
    with server.client() as client, pytest.raises(NotFound, match="/public/members/m9"):
        client.get_member("m9")


def test_every_error_shares_one_base() -> None:
    for kind in (AlreadyExists, BadRequest, InvalidResponse, NotFound):
        assert issubclass(kind, BitwardenError)


@pytest.mark.parametrize(
    "member",
    [
        member_json("m1", "a@example.com", status="0"),
        member_json("m1", "a@example.com", twoFactorEnabled="yes"),
        member_json("m1", "a@example.com", type=2.5),
    ],
)
def test_types_are_checked_strictly(member: dict[str, object]) -> None:
    server = answering(httpx.Response(200, json=listing(member)))
    with server.client() as client, pytest.raises(InvalidResponse, match="unexpected response"):
        client.list_members()


def test_a_truncated_body_is_not_json() -> None:
    server = answering(httpx.Response(200, content=b'{"object":"list","da'))
    with server.client() as client, pytest.raises(InvalidResponse, match="not JSON"):
        client.list_groups()


def test_events_follow_the_continuation_token() -> None:
    pages = {
        None: {"object": "list", "data": [{"type": 1500, "date": "2026-01-02T03:04:05Z"}],
               "continuationToken": "next"},
        "next": {"object": "list", "data": [{"type": 1511, "date": "2026-01-01T00:00:00.1Z",
                                             "memberId": "m1"}], "continuationToken": None},
    }  # fmt: skip
    queries: list[dict[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        queries.append(dict(request.url.params))
        return httpx.Response(200, json=pages[request.url.params.get("continuationToken")])

    server = FakeServer(handler)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with server.client() as client:
        events = list(client.list_events(start=start, end=start + timedelta(days=2)))
    assert [(e.type, e.member_id) for e in events] == [(1500, None), (1511, "m1")]
    assert events[0].date == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert queries[0] == {"start": "2026-01-01T00:00:00+00:00", "end": "2026-01-03T00:00:00+00:00"}
    assert queries[1]["continuationToken"] == "next"
