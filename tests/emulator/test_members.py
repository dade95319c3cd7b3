"""Contract §1 Members, over real HTTP."""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import (
    MY_ITEMS,
    OWNER_ID,
    SHARED,
    SHARED_2,
    Api,
    error_keys,
    events_of,
    seed,
)
from tests.fixtures.emulator import ServedEmulator

ACCESS = {"id": SHARED, "readOnly": True, "hidePasswords": False, "manage": False}


def _m(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "id": f"00000000-0000-0000-0000-{n:012d}",
        "email": f"u{n}@example.com",
        "type": 2,
        **fields,
    }


def _id(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def test_list_includes_every_status(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members GET list: includes every status, including Revoked and Staged."""
    emulator.reset(seed([_m(1, status=0), _m(2, status=1), _m(3, status=-1), _m(4, status=3)]))
    statuses = sorted(m["status"] for m in api.get("/public/members").json()["data"])
    assert statuses == [-1, 0, 1, 2, 3]


def test_list_collections_filled_shared_only(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members GET list: collections filled with shared collections only."""
    emulator.reset(seed([_m(1, collections=[ACCESS, {"id": MY_ITEMS, "readOnly": False}])]))
    members = {m["id"]: m for m in api.get("/public/members").json()["data"]}
    assert members[_id(1)]["collections"] == [ACCESS]
    assert api.get(f"/public/members/{_id(1)}").json()["collections"] == [ACCESS]


def test_get_member_group_ids_bare_array(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members GET group-ids: a bare JSON array of uuids."""
    group = "90000000-0000-0000-0000-000000000001"
    emulator.reset(seed([_m(1)], [{"id": group, "name": "G", "memberIds": [_id(1)]}]))
    assert api.get(f"/public/members/{_id(1)}/group-ids").json() == [group]


def test_post_invites(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members POST: status 0, userId null, name null, collections echo, event 1500."""
    emulator.reset(seed())
    member = api.invite(
        "new@example.com", externalId="e1", collections=[{"id": SHARED, "readOnly": True}]
    )
    assert (member["status"], member["userId"], member["name"]) == (0, None, None)
    assert (member["twoFactorEnabled"], member["ssoExternalId"]) == (False, None)
    assert member["collections"] == [ACCESS]
    assert member["externalId"] == "e1"
    assert events_of(emulator)[-1] == (1500, member["id"])


def test_post_duplicate_email_case_insensitive(api: Api) -> None:
    """contract §1 Members POST: email already in the org (any case) -> 400."""
    api.invite("Dup@Example.com")
    response = api.post("/public/members", {"email": "dup@example.COM", "type": 2})
    assert response.status_code == 400
    assert response.json()["message"] == "This user has already been invited."


def test_post_seat_limit_cloud(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members POST: seat errors are 400 "Seat limit has been reached."."""
    emulator.reset(seed([_m(1)], seats=2))
    response = api.post("/public/members", {"email": "third@example.com", "type": 2})
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Seat limit has been reached.",
    )


def test_post_seat_limit_self_hosted(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members POST: on self-hosted "Cannot autoscale on self-hosted instance."."""
    emulator.reset(seed([_m(1)], seats=2, profile="self-hosted"))
    response = api.post("/public/members", {"email": "third@example.com", "type": 2})
    assert response.json()["message"] == "Cannot autoscale on self-hosted instance."


def test_post_email_validation(api: Api) -> None:
    """contract §1 MemberCreateRequestModel: [StrictEmailAddress] and its message."""
    bad = [
        "Jo <jo@example.com>",
        "jo@example",
        "jo@example.c0m",
        "jo@@example.com",
        "jø@example.com",
        "jo@.example.com",
        "jo..x@example.com",
        "jo @example.com",
        "",
    ]
    for email in bad:
        response = api.post("/public/members", {"email": email, "type": 2})
        assert response.status_code == 400, email
        assert error_keys(response) == {"Email"}, email
    message = api.post("/public/members", {"email": "jo@example", "type": 2}).json()
    assert message["errors"]["Email"] == [
        "The Email field is not a supported e-mail address format."
    ]
    for email in ("jo.x+tag@example.co.uk", "o'brien@example.com", "x@sub.exämple.de"):
        assert api.post("/public/members", {"email": email, "type": 2}).status_code == 200, email


def test_post_length_limits(api: Api) -> None:
    """contract §1 Members: email [StringLength(256)], externalId [StringLength(300)]."""
    long_email = "a" * 245 + "@example.com"
    assert error_keys(api.post("/public/members", {"email": long_email, "type": 2})) == {"Email"}
    response = api.post(
        "/public/members", {"email": "l@example.com", "type": 2, "externalId": "x" * 301}
    )
    assert error_keys(response) == {"ExternalId"}
    response = api.post(
        "/public/members", {"email": "l@example.com", "type": 2, "externalId": "x" * 300}
    )
    assert response.status_code == 200


def test_permissions_only_with_custom(api: Api) -> None:
    """contract §1 + §6: permissions with type != 4 -> model-state error with that message."""
    response = api.post(
        "/public/members",
        {"email": "p@example.com", "type": 2, "permissions": {"manageUsers": True}},
    )
    assert response.status_code == 400
    assert ["Only users with the Custom role may use custom permissions."] in (
        response.json()["errors"].values()
    )
    custom = api.invite("c@example.com", 4, permissions={"manageUsers": True})
    assert custom["permissions"]["manageUsers"] is True
    assert api.invite("u@example.com", 2)["permissions"] is None


def test_association_manage_exclusive(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 AssociationWithPermissions: manage with readOnly/hidePasswords -> 400."""
    emulator.reset(seed())
    response = api.post(
        "/public/members",
        {
            "email": "m@example.com",
            "type": 2,
            "collections": [{"id": SHARED, "readOnly": True, "manage": True}],
        },
    )
    assert response.status_code == 400
    assert response.json()["message"].startswith("The Manage property is mutually exclusive")


def test_association_required_fields(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 AssociationWithPermissions: id and readOnly are [Required]."""
    emulator.reset(seed())
    response = api.post(
        "/public/members", {"email": "m@example.com", "type": 2, "collections": [{"id": SHARED}]}
    )
    assert error_keys(response) == {"Collections[0].ReadOnly"}


def test_put_unknown_member_404_empty(api: Api) -> None:
    """contract §1 Members PUT: 404 (empty) if not in the org."""
    response = api.put(f"/public/members/{_id(99)}", {"type": 2})
    assert (response.status_code, response.content) == (404, b"")


def test_put_unknown_collection_or_group_404_json(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members PUT: unknown collection or group id in the body -> 404 JSON."""
    emulator.reset(seed([_m(1)]))
    for body in (
        {"type": 2, "collections": [{"id": _id(98), "readOnly": False}]},
        {"type": 2, "groups": [_id(98)]},
    ):
        response = api.put(f"/public/members/{_id(1)}", body)
        assert response.status_code == 404
        assert response.json()["message"] == "Resource not found."


def test_put_semantics(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members PUT: null collections removes access, null groups keeps groups."""
    group = "90000000-0000-0000-0000-000000000001"
    emulator.reset(
        seed([_m(1, collections=[ACCESS])], [{"id": group, "name": "G", "memberIds": [_id(1)]}])
    )
    response = api.put(f"/public/members/{_id(1)}", {"type": 1, "externalId": "x"})
    assert response.status_code == 200
    after = api.get(f"/public/members/{_id(1)}").json()
    assert (after["type"], after["externalId"], after["collections"]) == (1, "x", [])
    assert api.get(f"/public/members/{_id(1)}/group-ids").json() == [group]
    api.put(
        f"/public/members/{_id(1)}",
        {"type": 1, "groups": [], "collections": [{"id": SHARED_2, "readOnly": False}]},
    )
    assert api.get(f"/public/members/{_id(1)}/group-ids").json() == []
    assert [c["id"] for c in api.get(f"/public/members/{_id(1)}").json()["collections"]] == [
        SHARED_2
    ]
    assert events_of(emulator)[-1] == (1502, _id(1))


def test_put_permissions_null_keeps(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members PUT: null permissions keeps the existing ones (type 4 only shown)."""
    emulator.reset(seed([_m(1, type=4, permissions={"manageGroups": True})]))
    response = api.put(f"/public/members/{_id(1)}", {"type": 4})
    assert response.json()["permissions"]["manageGroups"] is True
    assert api.put(f"/public/members/{_id(1)}", {"type": 2}).json()["permissions"] is None


def test_put_response_account_details(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members: PUT of a member without an account has name null; linked shows it."""
    emulator.reset(seed([_m(1, status=0), _m(2, status=2, name="Two", twoFactorEnabled=True)]))
    unlinked = api.put(f"/public/members/{_id(1)}", {"type": 2}).json()
    assert (unlinked["name"], unlinked["twoFactorEnabled"]) == (None, False)
    linked = api.put(f"/public/members/{_id(2)}", {"type": 2}).json()
    assert (linked["name"], linked["twoFactorEnabled"]) == ("Two", True)


def test_email_is_account_or_invite_email(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 MemberResponseModel: email is the invite email until an account links."""
    emulator.reset(seed())
    member = api.invite("Invite.Case@example.com")
    assert api.get(f"/public/members/{member['id']}").json()["email"] == "Invite.Case@example.com"


def test_put_last_confirmed_owner(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members PUT: demoting the only confirmed owner -> 400."""
    emulator.reset(seed())
    response = api.put(f"/public/members/{OWNER_ID}", {"type": 1})
    assert response.status_code == 400
    assert response.json()["message"] == "Organization must have at least one confirmed owner."
    emulator.control("POST", "/_emulator/owners", {"email": "second@example.com"})
    assert api.put(f"/public/members/{OWNER_ID}", {"type": 1}).status_code == 200


def test_put_group_ids_replaces(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members PUT group-ids: replaces the set, ignores outside ids, event 1504."""
    g1, g2 = "90000000-0000-0000-0000-000000000001", "90000000-0000-0000-0000-000000000002"
    emulator.reset(
        seed([_m(1)], [{"id": g1, "name": "A", "memberIds": [_id(1)]}, {"id": g2, "name": "B"}])
    )
    path = f"/public/members/{_id(1)}/group-ids"
    response = api.put(path, {"groupIds": [g2, _id(77)]})
    assert (response.status_code, response.content) == (200, b"")
    assert api.get(path).json() == [g2]
    assert events_of(emulator)[-1] == (1504, _id(1))
    api.put(path, {"groupIds": None})
    assert api.get(path).json() == []


def test_delete_member(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members DELETE: permanent removal, 200 empty, event 1503."""
    emulator.reset(seed([_m(1)]))
    response = api.delete(f"/public/members/{_id(1)}")
    assert (response.status_code, response.content) == (200, b"")
    assert api.get(f"/public/members/{_id(1)}").status_code == 404
    assert events_of(emulator)[-1] == (1503, _id(1))


def test_delete_last_owner(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members DELETE: the only confirmed owner cannot be removed."""
    emulator.reset(seed())
    response = api.delete(f"/public/members/{OWNER_ID}")
    assert response.json()["message"] == "Organization must have at least one confirmed owner."


def test_reinvite(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members reinvite: Invited only, else 400 "User invalid."."""
    emulator.reset(seed([_m(1, status=0), _m(2, status=2)]))
    response = api.post(f"/public/members/{_id(1)}/reinvite")
    assert (response.status_code, response.content) == (200, b"")
    response = api.post(f"/public/members/{_id(2)}/reinvite")
    assert (response.status_code, response.json()["message"]) == (400, "User invalid.")


def test_revoke(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members revoke: status -1, event 1511, then "Already revoked."."""
    emulator.reset(seed([_m(1, status=2)]))
    response = api.post(f"/public/members/{_id(1)}/revoke")
    assert (response.status_code, response.content) == (200, b"")
    assert api.get(f"/public/members/{_id(1)}").json()["status"] == -1
    assert events_of(emulator)[-1] == (1511, _id(1))
    assert api.post(f"/public/members/{_id(1)}/revoke").json()["message"] == "Already revoked."


def test_revoke_last_owner(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members revoke: the only confirmed owner cannot be revoked."""
    emulator.reset(seed())
    response = api.post(f"/public/members/{OWNER_ID}/revoke")
    assert response.json()["message"] == "Organization must have at least one confirmed owner."


def test_restore_returns_to_prior_status(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members restore: back to the prior status, event 1512; else "Already active."."""
    emulator.reset(seed([_m(1, status=0), _m(2, status=1)]))
    for n, prior in ((1, 0), (2, 1)):
        api.post(f"/public/members/{_id(n)}/revoke")
        response = api.post(f"/public/members/{_id(n)}/restore")
        assert (response.status_code, response.content) == (200, b"")
        assert api.get(f"/public/members/{_id(n)}").json()["status"] == prior
        assert events_of(emulator)[-1] == (1512, _id(n))
    assert api.post(f"/public/members/{_id(1)}/restore").json()["message"] == "Already active."


def test_restore_needs_a_seat(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members restore: a seat is needed (the emulator's seat count is a hard cap)."""
    emulator.reset(seed([_m(1, status=-1, priorStatus=2), _m(2)], seats=2))
    response = api.post(f"/public/members/{_id(1)}/restore")
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Seat limit has been reached.",
    )


def test_model_state_checked_before_lookup(api: Api) -> None:
    """contract §0: model validation runs before the action, so a bad body beats a 404."""
    response = api.put(f"/public/members/{_id(99)}", {"type": "Admin"})
    assert response.status_code == 400
    response = api.put(f"/public/members/{_id(99)}/group-ids", {"groupIds": ["x"]})
    assert response.status_code == 400


def test_custom_permissions_model_complete(api: Api) -> None:
    """contract §1 PermissionsModel: type 4 shows every flag, false unless set."""
    member = api.invite("custom@example.com", 4)
    assert member["permissions"] == {
        "accessEventLogs": False,
        "accessImportExport": False,
        "accessReports": False,
        "createNewCollections": False,
        "editAnyCollection": False,
        "deleteAnyCollection": False,
        "manageGroups": False,
        "managePolicies": False,
        "manageSso": False,
        "manageUsers": False,
        "manageResetPassword": False,
        "manageScim": False,
        "manageAccessRules": False,
    }


def test_post_seat_limit_plan(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members POST: "Plan does not allow additional seats."."""
    emulator.reset(seed(seats=1, planAllowsAdditionalSeats=False))
    response = api.post("/public/members", {"email": "second@example.com", "type": 2})
    assert response.json()["message"] == "Plan does not allow additional seats."


def test_restore_two_factor_non_compliance(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Members restore: 2FA non-compliance gives 400 (policy 0 enabled)."""
    emulator.reset(
        seed(
            [
                _m(1, status=-1, priorStatus=2),
                _m(2, status=-1, priorStatus=0),
                _m(3, status=-1, priorStatus=2, twoFactorEnabled=True),
            ]
        )
    )
    api.put("/public/policies/0", {"enabled": True})
    response = api.post(f"/public/members/{_id(1)}/restore")
    assert response.status_code == 400
    assert "two-step login" in response.json()["message"]
    assert api.post(f"/public/members/{_id(2)}/restore").status_code == 200
    assert api.post(f"/public/members/{_id(3)}/restore").status_code == 200
