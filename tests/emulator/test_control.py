"""The test-only control surface under /_emulator/ (INTERFACES.md), over real HTTP."""

from __future__ import annotations

from tests.emulator.helpers import OWNER_ID, Api, seed
from tests.fixtures.emulator import ServedEmulator


def test_state_shape(emulator: ServedEmulator) -> None:
    """GET /_emulator/state: organization, members (API shape), groups with memberIds, ..."""
    state = emulator.state()
    assert set(state) == {"organization", "members", "groups", "collections", "policies", "events"}
    assert state["organization"]["id"] == emulator.org_id
    assert [(m["object"], m["type"], m["status"]) for m in state["members"]] == [("member", 0, 2)]
    assert "clientSecret" not in state


def test_reset_with_seed_keeps_credentials(emulator: ServedEmulator, api: Api) -> None:
    """POST /_emulator/reset: a seed without org id keeps the org id and the secret."""
    emulator.reset(seed([{"email": "s@example.com"}], name="Seeded"))
    state = emulator.state()
    assert state["organization"]["id"] == emulator.org_id
    assert state["organization"]["name"] == "Seeded"
    assert len(api.get("/public/members").json()["data"]) == 2


def test_reset_with_bad_seed(emulator: ServedEmulator) -> None:
    """POST /_emulator/reset: a bad seed is refused with the place named."""
    response = emulator.control("POST", "/_emulator/reset", {"members": [{"type": 2}]})
    assert response.status_code == 400
    assert "members[0].email" in response.json()["message"]


def test_request_log(emulator: ServedEmulator, api: Api) -> None:
    """GET /_emulator/requests: method, path, status, time; DELETE clears it."""
    api.get("/public/members")
    api.get("/public/members/00000000-0000-0000-0000-000000000009")
    log = emulator.requests()
    assert [(r["method"], r["path"], r["status"]) for r in log[-2:]] == [
        ("GET", "/public/members", 200),
        ("GET", "/public/members/00000000-0000-0000-0000-000000000009", 404),
    ]
    assert isinstance(log[-1]["time"], float)
    emulator.clear_requests()
    assert emulator.requests() == []


def test_accept_confirm_lifecycle(emulator: ServedEmulator, api: Api) -> None:
    """/_emulator/members/{id}/accept and /confirm model a user joining (event 1501)."""
    member = api.invite("life@example.com")
    path = f"/_emulator/members/{member['id']}"
    assert emulator.control("POST", f"{path}/confirm").status_code == 400
    accepted = emulator.control("POST", f"{path}/accept", {"name": "Life"}).json()
    assert (accepted["status"], accepted["name"]) == (1, "Life")
    assert accepted["userId"] is not None
    assert emulator.control("POST", f"{path}/confirm").json()["status"] == 2
    assert emulator.state()["events"][-1]["type"] == 1501
    assert api.get(f"/public/members/{member['id']}").json()["name"] == "Life"


def test_master_password_flag(emulator: ServedEmulator, api: Api) -> None:
    """/_emulator/members/{id}/master-password sets what import step 3 checks."""
    emulator.reset(seed([{"email": "mp@example.com", "externalId": "mp", "status": 2}]))
    member = next(m for m in emulator.state()["members"] if m["email"] == "mp@example.com")
    body = {"members": [], "groups": [], "overwriteExisting": True}
    emulator.control("POST", f"/_emulator/members/{member['id']}/master-password", {"value": False})
    assert api.post("/public/organization/import", body).status_code == 400
    emulator.control("POST", f"/_emulator/members/{member['id']}/master-password", {"value": True})
    assert api.post("/public/organization/import", body).status_code == 200


def test_add_owner(emulator: ServedEmulator, api: Api) -> None:
    """POST /_emulator/owners gives a confirmed owner, which unlocks the first owner's demotion."""
    emulator.reset(seed())
    owner = emulator.control("POST", "/_emulator/owners", {"email": "boss@example.com"}).json()
    assert (owner["type"], owner["status"]) == (0, 2)
    assert api.put(f"/public/members/{OWNER_ID}", {"type": 2}).status_code == 200
    again = emulator.control("POST", "/_emulator/owners", {"email": "BOSS@example.com"})
    assert again.status_code == 400


def test_control_needs_no_token_and_is_not_logged(emulator: ServedEmulator) -> None:
    """The control surface needs no token and stays out of the request log."""
    emulator.clear_requests()
    assert emulator.control("GET", "/_emulator/state").status_code == 200
    assert emulator.requests() == []
