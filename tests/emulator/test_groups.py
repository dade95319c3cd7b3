"""Contract §1 Groups and Collections, over real HTTP."""

from __future__ import annotations

from tests.emulator.helpers import MY_ITEMS, SHARED, SHARED_2, Api, error_keys, events_of, seed
from tests.fixtures.emulator import ServedEmulator

G1 = "90000000-0000-0000-0000-000000000001"
M1 = "00000000-0000-0000-0000-000000000001"
M2 = "00000000-0000-0000-0000-000000000002"
ACCESS = {"id": SHARED, "readOnly": False, "hidePasswords": True, "manage": False}


def _seed_group(emulator: ServedEmulator) -> None:
    emulator.reset(
        seed(
            [{"id": M1, "email": "m1@example.com"}, {"id": M2, "email": "m2@example.com"}],
            [
                {
                    "id": G1,
                    "name": "Team",
                    "externalId": "team",
                    "collections": [ACCESS],
                    "memberIds": [M1],
                }
            ],
        )
    )


def test_create_group(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups POST: 200, group shape, collections echo, event 1400."""
    emulator.reset(seed())
    group = api.create_group(
        "Eng",
        externalId="eng",
        collections=[{"id": SHARED, "readOnly": False, "hidePasswords": True}],
    )
    assert group == {
        "object": "group",
        "id": group["id"],
        "name": "Eng",
        "externalId": "eng",
        "collections": [ACCESS],
    }
    assert events_of(emulator)[-1] == (1400, group["id"])


def test_create_group_without_use_groups(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups POST: 400 "This organization cannot use groups."."""
    emulator.reset(seed(useGroups=False))
    response = api.post("/public/groups", {"name": "X"})
    assert response.json()["message"] == "This organization cannot use groups."


def test_group_validation(api: Api) -> None:
    """contract §1 GroupCreateUpdateRequestModel: name [Required] <=100, externalId <=300."""
    assert error_keys(api.post("/public/groups", {"externalId": "x"})) == {"Name"}
    assert error_keys(api.post("/public/groups", {"name": "n" * 101})) == {"Name"}
    assert error_keys(api.post("/public/groups", {"name": "n", "externalId": "x" * 301})) == {
        "ExternalId"
    }
    assert api.post("/public/groups", {"name": "n" * 100}).status_code == 200


def test_list_and_get_groups(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups GET list (with collections) and GET {id}; 404 for unknown."""
    _seed_group(emulator)
    listed = api.get("/public/groups").json()["data"]
    assert listed == [
        {"object": "group", "id": G1, "name": "Team", "externalId": "team", "collections": [ACCESS]}
    ]
    assert api.get(f"/public/groups/{G1}").json() == listed[0]
    assert api.get(f"/public/groups/{M1}").status_code == 404


def test_update_group_collections_null_keeps(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups PUT: collections null keeps stored access, response shows null."""
    _seed_group(emulator)
    response = api.put(f"/public/groups/{G1}", {"name": "Renamed", "externalId": "team"})
    assert response.status_code == 200
    assert response.json()["collections"] is None
    assert api.get(f"/public/groups/{G1}").json()["collections"] == [ACCESS]
    assert events_of(emulator)[-1] == (1401, G1)
    api.put(f"/public/groups/{G1}", {"name": "R", "collections": []})
    assert api.get(f"/public/groups/{G1}").json()["collections"] == []


def test_update_group_unknown_collection(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups PUT: an unknown collection gives 404 JSON."""
    _seed_group(emulator)
    response = api.put(
        f"/public/groups/{G1}", {"name": "T", "collections": [{"id": M1, "readOnly": True}]}
    )
    assert (response.status_code, response.json()["message"]) == (404, "Resource not found.")


def test_group_member_ids(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups member-ids: bare array; PUT replaces, ignores outside ids, no event."""
    _seed_group(emulator)
    assert api.get(f"/public/groups/{G1}/member-ids").json() == [M1]
    before = len(emulator.state()["events"])
    response = api.put(f"/public/groups/{G1}/member-ids", {"memberIds": [M2, G1]})
    assert (response.status_code, response.content) == (200, b"")
    assert api.get(f"/public/groups/{G1}/member-ids").json() == [M2]
    assert api.get(f"/public/members/{M1}/group-ids").json() == []
    assert len(emulator.state()["events"]) == before


def test_delete_group_no_event(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Groups DELETE: 200 empty, no Group_Deleted event, memberships gone."""
    _seed_group(emulator)
    before = len(emulator.state()["events"])
    response = api.delete(f"/public/groups/{G1}")
    assert (response.status_code, response.content) == (200, b"")
    assert api.get(f"/public/members/{M1}/group-ids").json() == []
    assert len(emulator.state()["events"]) == before


def test_collections_list_and_get(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Collections: shape {object, id, externalId, groups}; default ones hidden."""
    _seed_group(emulator)
    listed = api.get("/public/collections").json()["data"]
    assert [c["id"] for c in listed] == [SHARED, SHARED_2]
    assert listed[0] == {
        "object": "collection",
        "id": SHARED,
        "externalId": "shared-1",
        "groups": [{**ACCESS, "id": G1}],
    }
    assert api.get(f"/public/collections/{SHARED}").json() == listed[0]
    response = api.get(f"/public/collections/{MY_ITEMS}")
    assert (response.status_code, response.content) == (404, b"")


def test_collection_put_replaces_groups(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Collections PUT: {externalId, groups} replaces the group access."""
    _seed_group(emulator)
    response = api.put(
        f"/public/collections/{SHARED_2}",
        {"externalId": "new", "groups": [{"id": G1, "readOnly": True}]},
    )
    assert response.status_code == 200
    assert response.json()["externalId"] == "new"
    assert {c["id"] for c in api.get(f"/public/groups/{G1}").json()["collections"]} == {
        SHARED,
        SHARED_2,
    }
    api.put(f"/public/collections/{SHARED}", {"externalId": "x", "groups": []})
    assert api.get(f"/public/collections/{SHARED}").json()["groups"] == []


def test_collection_put_external_id_length(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Collections PUT: externalId <= 300."""
    _seed_group(emulator)
    response = api.put(f"/public/collections/{SHARED}", {"externalId": "x" * 301, "groups": []})
    assert error_keys(response) == {"ExternalId"}


def test_default_user_collection_refused(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Collections: PUT/DELETE of a DefaultUserCollection give 400."""
    _seed_group(emulator)
    response = api.put(f"/public/collections/{MY_ITEMS}", {"externalId": None, "groups": []})
    assert response.json()["message"] == (
        "You cannot edit a collection with the type as DefaultUserCollection."
    )
    response = api.delete(f"/public/collections/{MY_ITEMS}")
    assert response.json()["message"] == (
        "You cannot delete a collection with the type as DefaultUserCollection."
    )


def test_collection_delete(emulator: ServedEmulator, api: Api) -> None:
    """contract §1 Collections DELETE: 200 empty; access to it disappears."""
    _seed_group(emulator)
    response = api.delete(f"/public/collections/{SHARED}")
    assert (response.status_code, response.content) == (200, b"")
    assert api.get(f"/public/groups/{G1}").json()["collections"] == []
    assert api.get(f"/public/collections/{SHARED}").status_code == 404


def test_collections_have_no_post(api: Api) -> None:
    """contract §1 Collections: there is no POST; §6: they come from the seed only."""
    assert api.post("/public/collections", {"externalId": "x"}).status_code == 405
