"""Seeded fault injection (issue 2), over real HTTP: real TCP resets, 5xx, 429 bursts,
latency, token revocation and malformed answers."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import httpx
import pytest

from tests.emulator.helpers import Api, token_for
from tests.fixtures.emulator import ServedEmulator

SPEC = "seed=7,5xx=0.15,429=0.1:2,reset_before=0.1,malformed=0.15,methods=GET"


def _outcomes(api: Api, count: int) -> list[str]:
    """What the client saw for each of `count` GETs: a transport error or status + body kind."""
    seen = []
    for _ in range(count):
        try:
            response = api.get("/public/members")
        except httpx.TransportError:
            seen.append("transport-error")
            continue
        try:
            response.json()
            kind = "json"
        except ValueError:
            kind = response.headers.get("content-type", "").split(";")[0] or "empty"
        seen.append(f"{response.status_code}:{kind}")
    return seen


def test_same_seed_same_faults_same_order(
    emulator: ServedEmulator, emulator_factory: Callable[..., ServedEmulator]
) -> None:
    """Fault injection: with a fixed seed the same faults happen in the same order."""
    api = Api(emulator)
    runs = []
    for _ in range(2):
        emulator.set_faults(SPEC)
        emulator.clear_requests()
        outcomes = _outcomes(api, 60)
        runs.append((outcomes, [r.get("fault") for r in emulator.requests()]))
    assert runs[0] == runs[1]
    first = runs[0][0]
    assert {"transport-error", "429:json", "500:json", "200:json"} <= set(first)
    assert any(o.endswith("text/html") for o in first)
    other = emulator_factory(faults=SPEC)
    other_api = Api(other)
    assert _outcomes(other_api, 60) == first
    other_api.close()
    api.close()


def test_reset_before_drops_connection_and_skips_write(emulator: ServedEmulator, api: Api) -> None:
    """Fault reset_before: a real transport error, and the invite was not applied."""
    emulator.set_faults("reset_before=1,methods=POST")
    with pytest.raises(httpx.TransportError):
        api.post("/public/members", {"email": "before@example.com", "type": 2})
    emails = {m["email"] for m in emulator.state()["members"]}
    assert "before@example.com" not in emails
    assert emulator.requests()[-1]["fault"] == "reset_before"
    assert api.get("/public/members").status_code == 200


def test_reset_after_drops_connection_after_write(emulator: ServedEmulator, api: Api) -> None:
    """Fault reset_after: the client sees a transport error, the server did the work."""
    emulator.set_faults("reset_after=1,methods=POST")
    with pytest.raises(httpx.TransportError):
        api.post("/public/members", {"email": "after@example.com", "type": 2})
    emails = {m["email"] for m in emulator.state()["members"]}
    assert "after@example.com" in emails
    assert emulator.requests()[-1]["status"] == 0


def test_5xx_answers(emulator: ServedEmulator, api: Api) -> None:
    """Fault 5xx: 500 with the public error body, 502/503 as a proxy's HTML page."""
    emulator.set_faults("seed=3,5xx=1")
    responses = [api.get("/public/members") for _ in range(30)]
    assert {r.status_code for r in responses} == {500, 502, 503}
    for response in responses:
        if response.status_code == 500:
            assert response.json()["message"] == "An unhandled server error has occurred."
        else:
            assert response.headers["content-type"].startswith("text/html")


def test_429_bursts(emulator: ServedEmulator, api: Api) -> None:
    """Fault 429=P:LEN: bursts of LEN rate-limit answers with Retry-After."""
    emulator.set_faults("seed=5,429=0.2:3")
    statuses = []
    for _ in range(60):
        response = api.get("/public/members")
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert response.headers["Retry-After"] == "1"
    runs = "".join("x" if s == 429 else "." for s in statuses).split(".")
    lengths = [len(run) for run in runs if run]
    assert lengths
    assert all(length >= 3 for length in lengths)


def test_latency(emulator: ServedEmulator, api: Api) -> None:
    """Fault latency=MIN:MAX: every request is delayed."""
    emulator.set_faults("latency=0.2:0.25")
    started = time.monotonic()
    assert api.get("/public/members").status_code == 200
    assert time.monotonic() - started >= 0.2


def test_revoke_token(emulator: ServedEmulator, api: Api) -> None:
    """Fault revoke_token: every issued token becomes invalid; a new one works."""
    emulator.set_faults("revoke_token=1,methods=GET")
    assert api.get("/public/members").status_code == 401
    emulator.set_faults("")
    assert api.get("/public/members").status_code == 401
    fresh = token_for(emulator).json()["access_token"]
    response = api.get("/public/members", headers={"Authorization": f"Bearer {fresh}"})
    assert response.status_code == 200


def test_malformed_truncated_json(emulator: ServedEmulator, api: Api) -> None:
    """Fault truncated: a 200 whose JSON body is cut short."""
    emulator.set_faults("truncated=1")
    response = api.get("/public/members")
    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(response.content)


def test_malformed_wrong_types(emulator: ServedEmulator, api: Api) -> None:
    """Fault wrong_types: valid JSON with ints as strings and strings as numbers."""
    emulator.set_faults("wrong_types=1")
    member = api.get("/public/members").json()["data"][0]
    assert isinstance(member["status"], str)
    assert isinstance(member["id"], int)


def test_malformed_bad_enum(emulator: ServedEmulator, api: Api) -> None:
    """Fault bad_enum: type and status take values no enum has."""
    emulator.set_faults("bad_enum=1")
    member = api.get("/public/members").json()["data"][0]
    assert (member["type"], member["status"]) == (99, 99)


def test_malformed_html(emulator: ServedEmulator, api: Api) -> None:
    """Fault html: a 200 with an HTML page instead of JSON."""
    emulator.set_faults("html=1")
    response = api.get("/public/members")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.text.startswith("<!DOCTYPE html>")


def test_bad_spec_refused(emulator: ServedEmulator) -> None:
    """Control surface: a bad SPEC is refused with a message naming the item."""
    response = emulator.control("POST", "/_emulator/faults", {"spec": "5xx=2"})
    assert response.status_code == 400
    assert "5xx" in response.json()["message"]
    assert emulator.control("POST", "/_emulator/faults", {"spec": "bogus=1"}).status_code == 400


def test_reset_restores_startup_faults(emulator: ServedEmulator, api: Api) -> None:
    """Control surface: /_emulator/reset puts the faults back to the --faults of the process."""
    emulator.set_faults("5xx=1")
    assert api.get("/public/members").status_code >= 500
    emulator.reset()
    assert api.get("/public/members").status_code == 200
