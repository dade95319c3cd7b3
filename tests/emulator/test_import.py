"""Contract §1 Import: POST /public/organization/import, steps 1-7, over real HTTP."""

from __future__ import annotations

from typing import Any

import httpx

from tests.emulator.helpers import OWNER_ID, Api, error_keys, events_of, seed
from tests.fixtures.emulator import ServedEmulator

IMPORT = "/public/organization/import"
G1 = "90000000-0000-0000-0000-000000000001"


def _id(n: int) -> str:
    return f"00000000-0000-0000-0000-{n:012d}"


def _member(n: int, **fields: Any) -> dict[str, Any]:
    return {"id": _id(n), "email": f"u{n}@example.com", "type": 2, "status": 2, **fields}


def _import(
    api: Api,
    members: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    **options: Any,
) -> httpx.Response:
    body = {"members": members or [], "groups": groups or [], "overwriteExisting": False}
    return api.post(IMPORT, body | options)


def _by_email(emulator: ServedEmulator) -> dict[str, dict[str, Any]]:
    return {m["email"]: m for m in emulator.state()["members"]}


def test_step1_use_directory(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 1: org needs UseDirectory."""
    emulator.reset(seed(useDirectory=False))
    response = _import(api)
    assert response.json()["message"] == "Organization cannot use directory syncing."


def test_step1_use_groups(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 1: non-empty groups need UseGroups."""
    emulator.reset(seed(useGroups=False))
    assert _import(api).status_code == 200
    response = _import(api, groups=[{"name": "G", "externalId": "g", "memberExternalIds": []}])
    assert response.json()["message"] == "Organization cannot use groups."


def test_step2_deleted_members_hard_removed(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 2: deleted:true removes the member (owners exempt), event 1503."""
    emulator.reset(
        seed(
            [
                _member(1, externalId="e1"),
                _member(2, externalId="e2"),
                _member(3, externalId="e3", type=0),
            ]
        )
    )
    response = _import(
        api,
        [
            {"externalId": "e1", "deleted": True},
            {"externalId": "e2", "deleted": True},
            {"externalId": "e2", "email": "u2@example.com"},
            {"externalId": "e3", "deleted": True},
        ],
    )
    assert (response.status_code, response.content) == (200, b"")
    remaining = set(_by_email(emulator))
    assert "u1@example.com" not in remaining
    assert {"u2@example.com", "u3@example.com"} <= remaining
    assert (1503, _id(1)) in events_of(emulator)


def test_step3_overwrite_removes_absent(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 3: overwriteExisting removes absent externalIds, not owners or
    members without an externalId."""
    emulator.reset(
        seed(
            [
                _member(1, externalId="e1"),
                _member(2, externalId="e2"),
                _member(3),
                _member(4, externalId="e4", type=0),
            ]
        )
    )
    response = _import(
        api, [{"externalId": "e1", "email": "u1@example.com"}], overwriteExisting=True
    )
    assert response.status_code == 200
    assert set(_by_email(emulator)) == {
        "owner@example.com",
        "u1@example.com",
        "u3@example.com",
        "u4@example.com",
    }


def test_step3_refused_without_master_password(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 3: a removal target without a master password fails it all."""
    emulator.reset(seed([_member(1, externalId="e1", status=0), _member(2, externalId="e2")]))
    response = _import(api, [], overwriteExisting=True)
    assert response.status_code == 400
    assert response.json()["message"].startswith("Sync failed. To proceed, disable the")
    assert len(_by_email(emulator)) == 3
    emulator.reset(seed([_member(2, externalId="e2", hasMasterPassword=False)]))
    assert _import(api, [], overwriteExisting=True).status_code == 400


def test_step4_link_by_exact_lowercased_email(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 4: a member without externalId gets it when emails match."""
    emulator.reset(seed([_member(1), _member(2, email="Mixed@Example.com")]))
    response = _import(
        api,
        [
            {"externalId": "e1", "email": "U1@EXAMPLE.COM"},
            {"externalId": "e2", "email": "mixed@example.com"},
        ],
    )
    assert response.status_code == 200
    members = _by_email(emulator)
    assert members["u1@example.com"]["externalId"] == "e1"
    assert members["Mixed@Example.com"]["externalId"] is None
    assert "mixed@example.com" not in members


def test_step5_new_members_invited(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 5: new externalIds are invited as User, no collections, 1500."""
    emulator.reset(seed())
    response = _import(
        api,
        [
            {"externalId": "n1", "email": "New.One@Example.com"},
            {"externalId": "n2", "deleted": True, "email": "gone@example.com"},
        ],
    )
    assert response.status_code == 200
    new = _by_email(emulator)["new.one@example.com"]
    assert (new["type"], new["status"], new["externalId"], new["collections"]) == (2, 0, "n1", [])
    assert "gone@example.com" not in _by_email(emulator)
    assert events_of(emulator)[-1] == (1500, new["id"])


def test_step5_known_email_silently_skipped(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 5: an email already in the org (any case) is skipped."""
    emulator.reset(seed([_member(1, externalId="old")]))
    response = _import(api, [{"externalId": "other", "email": "U1@example.com"}])
    assert response.status_code == 200
    members = _by_email(emulator)
    assert members["u1@example.com"]["externalId"] == "old"
    assert len(members) == 2


def test_step5_seat_failure_rolls_back_invites(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 5: a seat failure gives 400 and no invite is kept."""
    emulator.reset(seed(seats=2))
    response = _import(
        api,
        [
            {"externalId": "a", "email": "a@example.com"},
            {"externalId": "b", "email": "b@example.com"},
        ],
    )
    assert (response.status_code, response.json()["message"]) == (
        400,
        "Seat limit has been reached.",
    )
    assert set(_by_email(emulator)) == {"owner@example.com"}


def test_step5_staged_when_not_inviting(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 5: inviteUsersAfterProvisioning false + flag -> Staged, 1523."""
    emulator.reset(seed(stagedStatus=True))
    _import(
        api, [{"externalId": "s", "email": "s@example.com"}], inviteUsersAfterProvisioning=False
    )
    staged = _by_email(emulator)["s@example.com"]
    assert staged["status"] == 3
    assert events_of(emulator)[-1] == (1523, staged["id"])
    emulator.reset(seed())
    _import(
        api, [{"externalId": "s", "email": "s@example.com"}], inviteUsersAfterProvisioning=False
    )
    assert _by_email(emulator)["s@example.com"]["status"] == 0


def test_step6_groups_by_external_id(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 6: create (1400), rename, replace membership (1401), never delete."""
    emulator.reset(
        seed(
            [_member(1, externalId="e1"), _member(2, externalId="e2"), _member(3)],
            [
                {"id": G1, "name": "Old", "externalId": "g1", "memberIds": [_id(1), _id(3)]},
                {"name": "Manual", "externalId": None, "memberIds": [_id(1)]},
                {"name": "Untouched", "externalId": "g9"},
            ],
        )
    )
    response = _import(
        api,
        [],
        [
            {"name": "New name", "externalId": "g1", "memberExternalIds": ["e2", "unknown"]},
            {"name": "Fresh", "externalId": "g2", "memberExternalIds": ["e1"]},
        ],
    )
    assert response.status_code == 200
    groups = {g["externalId"]: g for g in emulator.state()["groups"]}
    assert groups["g1"]["name"] == "New name"
    assert groups["g1"]["memberIds"] == [_id(2)]
    assert groups["g2"]["memberIds"] == [_id(1)]
    assert groups["g2"]["collections"] == []
    assert groups[None]["memberIds"] == [_id(1)]
    assert "g9" in groups
    kinds = [t for t, _ in events_of(emulator)]
    assert kinds[-2:] == [1401, 1400]


def test_step7_duplicate_group_external_ids_500(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 7: duplicate group externalIds in one request -> 500."""
    group = {"name": "G", "externalId": "same", "memberExternalIds": []}
    response = _import(api, [], [group, group])
    assert response.status_code == 500


def test_step7_duplicate_member_emails_500(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import step 7: duplicate member emails in one request -> 500."""
    response = _import(
        api,
        [
            {"externalId": "a", "email": "d@example.com"},
            {"externalId": "b", "email": "D@example.com"},
        ],
    )
    assert response.status_code == 500


def test_limit_2000_on_cloud(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import Limit: >2000 non-deleted members without largeImport -> 400 (cloud)."""
    members = [{"externalId": f"x{i}", "email": f"x{i}@example.com"} for i in range(2001)]
    response = _import(api, members)
    assert response.json()["message"] == "You cannot import this much data at once."
    groups = [
        {"name": f"g{i}", "externalId": f"g{i}", "memberExternalIds": []} for i in range(2001)
    ]
    assert _import(api, [], groups).status_code == 400
    deleted = [{"externalId": f"d{i}", "deleted": True} for i in range(2001)]
    assert _import(api, deleted).status_code == 200
    assert _import(api, members, largeImport=True).status_code == 200


def test_limit_skipped_self_hosted(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import Limit: self-hosted skips the check."""
    emulator.reset(seed(profile="self-hosted"))
    members = [{"externalId": f"x{i}", "email": f"x{i}@example.com"} for i in range(2001)]
    assert _import(api, members).status_code == 200


def test_bwdc_batches(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import: directory-connector batches, users first then groups, largeImport."""
    emulator.reset(seed())
    users = [{"externalId": f"u{i}", "email": f"user{i}@example.com"} for i in range(30)]
    for start in (0, 15):
        response = api.post(
            IMPORT,
            {
                "members": users[start : start + 15],
                "groups": [],
                "overwriteExisting": False,
                "largeImport": True,
            },
        )
        assert response.status_code == 200
    groups = [
        {
            "name": f"G{g}",
            "externalId": f"g{g}",
            "memberExternalIds": [f"u{i}" for i in range(g, 30, 3)],
        }
        for g in range(3)
    ]
    response = api.post(
        IMPORT, {"members": [], "groups": groups, "overwriteExisting": False, "largeImport": True}
    )
    assert response.status_code == 200
    state = emulator.state()
    assert len(state["members"]) == 31
    assert sorted(len(g["memberIds"]) for g in state["groups"]) == [10, 10, 10]


def test_import_validation(api: Api) -> None:
    """contract §1 Import request models: required fields, lengths, permissive externalId."""
    response = api.post(IMPORT, {"members": [], "groups": []})
    assert error_keys(response) == {"OverwriteExisting"}
    response = _import(api, [{"externalId": "x"}])
    assert response.json()["errors"] == {
        "Members[0].Email": ["Email is required for enabled members."]
    }
    response = _import(api, [{"email": "a@example.com"}])
    assert error_keys(response) == {"Members[0].ExternalId"}
    response = _import(
        api, [], [{"name": "n" * 101, "externalId": "x" * 301, "memberExternalIds": []}]
    )
    assert error_keys(response) == {"Groups[0].Name", "Groups[0].ExternalId"}
    response = _import(
        api,
        [{"externalId": 12345, "email": "num@example.com"}],
        [{"name": "G", "externalId": True, "memberExternalIds": [12345]}],
    )
    assert response.status_code == 200


def test_import_permissive_external_ids_become_strings(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import: numbers and booleans are turned into strings."""
    _import(
        api,
        [{"externalId": 12345, "email": "num@example.com"}],
        [{"name": "G", "externalId": True, "memberExternalIds": [12345]}],
    )
    state = emulator.state()
    assert _by_email(emulator)["num@example.com"]["externalId"] == "12345"
    assert state["groups"][0]["externalId"] == "true"
    assert len(state["groups"][0]["memberIds"]) == 1


def test_import_null_lists_500(api: Api) -> None:
    """contract §1 Import: groups/members must be present; null gives 500 [U]."""
    assert (
        api.post(IMPORT, {"members": None, "groups": [], "overwriteExisting": False}).status_code
        == 500
    )
    assert (
        _import(api, [], [{"name": "G", "externalId": "g", "memberExternalIds": None}]).status_code
        == 500
    )


def test_owner_untouched_by_import(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Import steps 2-3: owners are exempt from removal."""
    emulator.reset(seed())
    api.put(f"/public/members/{OWNER_ID}", {"type": 0, "externalId": "boss"})
    _import(api, [{"externalId": "boss", "deleted": True}], overwriteExisting=True)
    assert "owner@example.com" in _by_email(emulator)
