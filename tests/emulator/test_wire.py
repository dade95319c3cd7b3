"""Contract §0 cross-cutting wire behaviour, over real HTTP."""

from __future__ import annotations

import re

import httpx

from tests.emulator.helpers import Api, error_keys
from tests.fixtures.emulator import ServedEmulator

COLLECTION = "c0000000-0000-0000-0000-000000000001"
GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_ok_results_are_200_with_empty_body(api: Api) -> None:
    """contract §0 Status codes: every OkResult (delete, group-ids, revoke, import ...)."""
    member = api.invite("ok@example.com")
    group = api.create_group("G")
    calls = [
        ("PUT", f"/public/members/{member['id']}/group-ids", {"groupIds": [group["id"]]}),
        ("PUT", f"/public/groups/{group['id']}/member-ids", {"memberIds": [member["id"]]}),
        ("POST", f"/public/members/{member['id']}/reinvite", None),
        ("POST", f"/public/members/{member['id']}/revoke", None),
        ("POST", f"/public/members/{member['id']}/restore", None),
        (
            "POST",
            "/public/organization/import",
            {"groups": [], "members": [], "overwriteExisting": False},
        ),
        ("DELETE", f"/public/groups/{group['id']}", None),
        ("DELETE", f"/public/members/{member['id']}", None),
    ]
    for method, path, body in calls:
        response = api.request(method, path, body)
        assert (method, path, response.status_code, response.content) == (method, path, 200, b"")


def test_success_is_never_201_or_204(api: Api) -> None:
    """contract §0 Status codes: creating answers 200, not 201."""
    response = api.post("/public/members", {"email": "new@example.com", "type": 2})
    assert response.status_code == 200
    assert api.post("/public/groups", {"name": "G"}).status_code == 200


def test_not_in_org_404_empty(api: Api) -> None:
    """contract §0 "Not in this org": controllers answer 404 with an empty body."""
    missing = "00000000-0000-0000-0000-000000000009"
    for path in (
        f"/public/members/{missing}",
        f"/public/groups/{missing}",
        f"/public/collections/{missing}",
        f"/public/members/{missing}/group-ids",
    ):
        response = api.get(path)
        assert (response.status_code, response.content) == (404, b""), path


def test_unknown_id_in_body_404_json(api: Api) -> None:
    """contract §0: a NotFoundException deeper down gives 404 "Resource not found."."""
    response = api.post(
        "/public/groups",
        {
            "name": "G",
            "collections": [{"id": "00000000-0000-0000-0000-000000000009", "readOnly": False}],
        },
    )
    assert response.status_code == 404
    assert response.json() == {"object": "error", "message": "Resource not found.", "errors": None}


def test_error_body_shape_bad_request(api: Api) -> None:
    """contract §0 Error body: BadRequestException -> message, errors null."""
    api.invite("dup@example.com")
    response = api.post("/public/members", {"email": "dup@example.com", "type": 2})
    assert response.status_code == 400
    assert response.json() == {
        "object": "error",
        "message": "This user has already been invited.",
        "errors": None,
    }


def test_empty_body_model_state(api: Api) -> None:
    """contract §0 Model-state: an empty body adds key "" with "Body is empty."."""
    response = api.http.post("/public/members", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"] == {"": ["Body is empty."]}


def test_model_state_keys_are_property_paths(api: Api) -> None:
    """contract §0 [U] keys: C# property paths such as Email and Members[0].Email."""
    response = api.post("/public/members", {"email": "not-an-email", "type": 2})
    assert error_keys(response) == {"Email"}
    response = api.post(
        "/public/organization/import",
        {
            "groups": [],
            "overwriteExisting": False,
            "members": [{"externalId": "x1", "email": "a@@b"}],
        },
    )
    assert error_keys(response) == {"Members[0].Email"}


def test_json_errors_use_dollar_paths(api: Api) -> None:
    """contract §0 [U]: JSON-parse errors use $.path keys."""
    response = api.post(
        "/public/members", {"email": "a@example.com", "type": 2, "groups": ["not-a-guid"]}
    )
    assert error_keys(response) == {"$.groups[0]"}


def test_enum_strings_rejected(api: Api) -> None:
    """contract §0 JSON: enums are integers; "User" is rejected with 400."""
    response = api.post("/public/members", {"email": "a@example.com", "type": "User"})
    assert response.status_code == 400
    assert error_keys(response) == {"$.type"}
    for wrong in ("2", 2.5, True, None):
        response = api.post("/public/members", {"email": "a@example.com", "type": wrong})
        assert error_keys(response) == {"$.type"}, wrong


def test_type_3_rejected(api: Api) -> None:
    """contract §2 OrganizationUserType: Manager 3 was removed and the API rejects it."""
    response = api.post("/public/members", {"email": "a@example.com", "type": 3})
    assert error_keys(response) == {"Type"}


def test_required_type_missing(api: Api) -> None:
    """contract §0 JSON: a missing C# `required` member (Type) fails deserialization: 400."""
    response = api.post("/public/members", {"email": "a@example.com"})
    assert response.status_code == 400
    assert response.json()["message"] == "The request's model state is invalid."


def test_property_names_case_insensitive(api: Api) -> None:
    """contract §0 JSON: request property names are case-insensitive."""
    response = api.post("/public/members", {"EMAIL": "ci@example.com", "Type": 2})
    assert response.status_code == 200
    assert response.json()["email"] == "ci@example.com"


def test_nulls_written_and_get_only_properties(api: Api) -> None:
    """contract §0 JSON: nulls are written out; object and resetPasswordEnrolled are present."""
    member = api.invite("nulls@example.com")
    assert member["object"] == "member"
    assert member["userId"] is None
    assert member["externalId"] is None
    assert member["resetPasswordEnrolled"] is False
    assert set(member) == {
        "object",
        "id",
        "userId",
        "name",
        "email",
        "twoFactorEnabled",
        "status",
        "collections",
        "resetPasswordEnrolled",
        "ssoExternalId",
        "type",
        "externalId",
        "permissions",
    }


def test_guids_lowercase_hyphenated(api: Api) -> None:
    """contract §0 JSON: GUIDs are lowercase hyphenated strings; upper-case input is accepted."""
    member = api.invite("guid@example.com")
    assert GUID.match(member["id"])
    assert api.get(f"/public/members/{member['id'].upper()}").json()["id"] == member["id"]


def test_list_wrapper_without_paging(api: Api) -> None:
    """contract §0 List wrapper: {"object":"list","data":[...]} and no continuationToken."""
    for path in ("/public/members", "/public/groups", "/public/collections", "/public/policies"):
        body = api.get(path).json()
        assert set(body) == {"object", "data"}, path
        assert body["object"] == "list"


def test_self_hosted_layout_serves_every_endpoint(emulator: ServedEmulator) -> None:
    """contract §3 Self-hosted: every endpoint also answers under /api/public/..."""
    api = Api(emulator, prefix="/api")
    member = api.invite("selfhosted@example.com")
    group = api.create_group("G")
    for path in (
        "/public/members",
        f"/public/members/{member['id']}",
        f"/public/members/{member['id']}/group-ids",
        "/public/groups",
        f"/public/groups/{group['id']}",
        f"/public/groups/{group['id']}/member-ids",
        "/public/collections",
        "/public/policies",
        "/public/events",
    ):
        assert api.get(path).status_code == 200, path
    assert api.post(f"/public/members/{member['id']}/revoke").status_code == 200
    assert (
        api.post(
            "/public/organization/import", {"groups": [], "members": [], "overwriteExisting": False}
        ).status_code
        == 200
    )
    api.close()


def test_unknown_route_404_empty_and_wrong_verb_405(api: Api) -> None:
    """contract §1: only the listed routes exist (collections have no POST)."""
    response = api.get("/public/nothing")
    assert (response.status_code, response.content) == (404, b"")
    assert api.post("/public/collections", {}).status_code == 405


def test_unknown_route_needs_no_token(emulator: ServedEmulator) -> None:
    """contract §0: with no endpoint for the path, routing answers 404 before authorization."""
    response = httpx.get(f"{emulator.api_url}/public/nothing")
    assert (response.status_code, response.content) == (404, b"")
    assert httpx.get(f"{emulator.api_url}/public/members").status_code == 401


def test_route_id_not_a_guid_400(api: Api) -> None:
    """contract §0 Model-state: a route {id} that is not a GUID fails model binding."""
    assert error_keys(api.get("/public/members/abc")) == {"id"}


def test_non_json_content_type_415(api: Api) -> None:
    """contract §0 JSON: [FromBody] needs a JSON content type (ASP.NET answers 415)."""
    response = api.http.post(
        "/public/members",
        content=b"email=x",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 415


def test_unhandled_error_500_body(api: Api) -> None:
    """contract §0 exception mapping: anything else gives 500 with the unhandled message."""
    response = api.post("/public/organization/import", {"members": [], "overwriteExisting": False})
    assert response.status_code == 500
    assert response.json()["message"] == "An unhandled server error has occurred."


def test_http_client_sees_json_content_type(api: Api) -> None:
    """contract §0 JSON: answers with a body are application/json."""
    response: httpx.Response = api.get("/public/members")
    assert response.headers["content-type"].startswith("application/json")
