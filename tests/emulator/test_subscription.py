"""GET /public/organization/subscription and seat accounting (contract §7)."""

from __future__ import annotations

from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator


def _subscription(api: Api) -> dict[str, object]:
    answer = api.get("/public/organization/subscription")
    assert answer.status_code == 200, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_the_answer_has_no_object_key_and_nullable_numbers(
    emulator: ServedEmulator, api: Api
) -> None:
    emulator.reset({"organization": {"seats": 10, "maxAutoScaleSeats": 15}})
    assert _subscription(api) == {
        "passwordManager": {"seats": 10, "maxAutoScaleSeats": 15, "storage": None},
        "secretsManager": {
            "seats": None,
            "maxAutoScaleSeats": None,
            "serviceAccounts": None,
            "maxAutoScaleServiceAccounts": None,
        },
    }


def test_staged_and_revoked_members_take_no_seat_and_autoscale_stops_at_the_cap(
    emulator: ServedEmulator, api: Api
) -> None:
    owner = {"email": "owner@example.com", "type": 0, "status": 2}
    staged = {"email": "s@example.com", "type": 2, "status": 3, "externalId": "s"}
    revoked = {"email": "r@example.com", "type": 2, "status": -1}
    emulator.reset(
        {"organization": {"seats": 2, "maxAutoScaleSeats": 3}, "members": [owner, staged, revoked]}
    )
    api.invite("a@example.com")
    api.invite("b@example.com")
    assert _subscription(api)["passwordManager"] == {
        "seats": 3,
        "maxAutoScaleSeats": 3,
        "storage": None,
    }
    refused = api.post("/public/members", {"email": "c@example.com", "type": 2})
    assert (refused.status_code, refused.json()["message"]) == (400, "Seat limit has been reached.")


def test_without_a_cap_seats_grow_and_the_control_sets_them(
    emulator: ServedEmulator, api: Api
) -> None:
    assert emulator.control("POST", "/_emulator/subscription", {"seats": 1}).status_code == 200
    assert api.post("/public/members", {"email": "a@example.com", "type": 2}).status_code == 400
    body = {"seats": 1, "maxAutoScaleSeats": None}
    assert emulator.control("POST", "/_emulator/subscription", body).status_code == 200
    api.invite("a@example.com")
    api.invite("b@example.com")
    assert _subscription(api)["passwordManager"] == {
        "seats": 3,
        "maxAutoScaleSeats": None,
        "storage": None,
    }


def test_self_hosted_answers_400(emulator: ServedEmulator, api: Api) -> None:
    emulator.reset({"organization": {"profile": "self-hosted"}})
    answer = api.get("/public/organization/subscription")
    assert answer.status_code == 400
    assert answer.json()["message"] == "Only allowed when not self hosted."
