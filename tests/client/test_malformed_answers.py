"""Malformed 200 answers (emulator faults, served over HTTP): reads are retried like a 5xx
and end as InvalidResponse when every attempt gets one; a write answered with one is
verified the way a lost answer is, then taken as done if it was applied."""

from __future__ import annotations

import pytest

from dirsync.bitwarden.errors import InvalidResponse
from dirsync.bitwarden.models import MemberType
from tests.client.served import (
    PATIENT,
    api_requests,
    client_for,
    member,
    organization,
    owner,
)
from tests.fixtures.emulator import ServedEmulator

KINDS = ("truncated", "wrong_types", "html")


def _seed() -> dict[str, object]:
    people = [member(f"u{i}@example.com", f"u{i}") for i in range(6)]
    groups = [{"name": "Staff", "externalId": "staff", "memberIds": [p["id"] for p in people]}]
    return {"organization": organization(), "members": [owner(), *people], "groups": groups}


@pytest.mark.parametrize("kind", KINDS)
def test_a_malformed_answer_to_a_read_is_retried(emulator: ServedEmulator, kind: str) -> None:
    emulator.reset(_seed())
    with client_for(emulator) as client:
        clean = client.read_org()[0]
        emulator.clear_requests()
        emulator.set_faults(f"seed=5,{kind}=0.3,methods=GET")
        reads = [client.read_org()[0] for _ in range(10)]
        retries = client.stats.retries
    faulted = [r for r in api_requests(emulator) if r.get("fault") == kind]
    assert len(faulted) >= 3
    assert retries == len(faulted)
    assert all(read == clean for read in reads)


@pytest.mark.parametrize("kind", KINDS)
def test_reads_malformed_every_time_end_as_invalid_response_after_the_last_attempt(
    emulator: ServedEmulator, kind: str
) -> None:
    with client_for(emulator) as client:
        client.authenticate()
        emulator.set_faults(f"{kind}=1,methods=GET")
        with pytest.raises(InvalidResponse) as caught:
            client.list_members()
    message = str(caught.value)
    assert message.startswith("GET /public/members: ")
    assert f"server {emulator.api_url} (bitwarden.api_url)" in message
    assert ("a web page, not the API?" in message) == (kind == "html")
    assert "\n" not in message
    gets = [r for r in api_requests(emulator) if r["path"] == "/public/members"]
    assert len(gets) == PATIENT.max_attempts


@pytest.mark.parametrize("kind", KINDS)
def test_an_invite_answered_with_a_malformed_body_is_verified_and_done_once(
    emulator: ServedEmulator, kind: str
) -> None:
    with client_for(emulator) as client:
        client.authenticate()
        emulator.set_faults(f"{kind}=1,methods=POST")
        invited = client.invite_member("ann@example.com", type=MemberType.USER, external_id="e1")
        created = client.create_group("Sales", external_id="sales")
    state = emulator.state()
    anns = [m for m in state["members"] if m["email"] == "ann@example.com"]
    assert [m["id"] for m in anns] == [invited.id]
    assert invited.external_id == "e1"
    assert [g["id"] for g in state["groups"] if g["name"] == "Sales"] == [created.id]
    posts = [
        (r["path"], r.get("fault"))
        for r in api_requests(emulator)
        if r["method"] == "POST" and r["path"].startswith("/public/")
    ]
    assert posts == [("/public/members", kind), ("/public/groups", kind)]


@pytest.mark.parametrize("kind", KINDS)
def test_an_update_answered_with_a_malformed_body_is_resent_and_returns_the_member(
    emulator: ServedEmulator, kind: str
) -> None:
    seed = _seed()
    emulator.reset(seed)
    target = seed["members"][1]  # type: ignore[index]
    with client_for(emulator) as client:
        client.authenticate()
        emulator.set_faults(f"seed=2,{kind}=0.5,methods=PUT")
        updated = [
            client.update_member(target["id"], type=MemberType.ADMIN, external_id=f"x{n}")
            for n in range(6)
        ]
    assert [m.external_id for m in updated] == [f"x{n}" for n in range(6)]
    puts = [r for r in api_requests(emulator) if r["method"] == "PUT"]
    assert any(r.get("fault") == kind for r in puts)
