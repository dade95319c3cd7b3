"""Exactly-once under faults, and token renewal, against the served emulator.

Faults (emulator SPEC): 20% 5xx, 429 bursts, connection resets before and after
the write is applied. Every operation must take effect exactly once, checked from
the emulator's state and its events (contract §2 EventType).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.models import MemberType
from tests.client.served import (
    api_requests,
    client_for,
    event_counts,
    member,
    new_id,
    organization,
    owner,
)
from tests.fixtures.emulator import ServedEmulator

FAULTS = "seed=11,5xx=0.2,429=0.02:3,reset_before=0.04,reset_after=0.04"

INVITES, GROUPS, REVOKES, RESTORES, UPDATES = 200, 40, 60, 40, 60
MEMBER_GROUPS, GROUP_MEMBERS, DELETES, REINVITES = 20, 20, 30, 30


def _seed() -> dict[str, Any]:
    def people(kind: str, count: int, status: int) -> list[dict[str, Any]]:
        prior = {"priorStatus": 2} if status == -1 else {}
        return [
            member(f"{kind}{i}@example.com", f"{kind}-{i}", status, **prior) for i in range(count)
        ]

    members = [owner()]
    for kind, count, status in [
        ("revoke", REVOKES, 2), ("restore", RESTORES, -1), ("update", UPDATES, 2),
        ("grouped", MEMBER_GROUPS, 2), ("pool", 10, 2), ("delete", DELETES, 2),
        ("reinvite", REINVITES, 0),
    ]:  # fmt: skip
        members += people(kind, count, status)
    groups = [{"id": new_id(), "name": f"Old {i}", "externalId": f"old-{i}", "memberIds": []}
              for i in range(GROUP_MEMBERS + 2)]  # fmt: skip
    return {"organization": organization(), "members": members, "groups": groups}


def _operations(client: BitwardenClient, seed: dict[str, Any]) -> list[Callable[[], object]]:
    ids = {m["email"].split("@")[0]: m["id"] for m in seed["members"]}
    groups = [g["id"] for g in seed["groups"]]
    pool = [ids[f"pool{i}"] for i in range(10)]
    user = MemberType.USER
    ops: list[Callable[[], object]] = []
    for i in range(INVITES):
        ops.append(lambda i=i: client.invite_member(f"new{i}@example.com", type=user,
                                                     external_id=f"new-{i}"))  # fmt: skip
    for i in range(GROUPS):
        ops.append(lambda i=i: client.create_group(f"Team {i}", external_id=f"team-{i}"))
    for i in range(REVOKES):
        ops.append(lambda i=i: client.revoke_member(ids[f"revoke{i}"]))
    for i in range(RESTORES):
        ops.append(lambda i=i: client.restore_member(ids[f"restore{i}"]))
    for i in range(UPDATES):
        ops.append(lambda i=i: client.update_member(ids[f"update{i}"], type=MemberType.ADMIN,
                                                    external_id=f"updated-{i}"))  # fmt: skip
    for i in range(MEMBER_GROUPS):
        ops.append(lambda i=i: client.set_member_groups(ids[f"grouped{i}"], groups[-2:]))
    for i in range(GROUP_MEMBERS):
        ops.append(lambda i=i: client.set_group_members(groups[i], pool[: i % 10 + 1]))
    for i in range(DELETES):
        ops.append(lambda i=i: client.delete_member(ids[f"delete{i}"]))
    for i in range(REINVITES):
        ops.append(lambda i=i: client.reinvite_member(ids[f"reinvite{i}"]))
    random.Random(5).shuffle(ops)
    return ops


def test_500_mixed_operations_take_effect_exactly_once_under_faults(
    emulator: ServedEmulator,
) -> None:
    seed = _seed()
    emulator.reset(seed)
    before = event_counts(emulator.state())
    emulator.set_faults(FAULTS)
    with client_for(emulator, max_concurrency=8) as client:
        operations = _operations(client, seed)
        assert len(operations) == 500
        with ThreadPoolExecutor(8) as pool:
            results = list(pool.map(lambda op: op(), operations))
        stats = client.stats
    emulator.set_faults("")
    assert len(results) == 500
    log = api_requests(emulator)
    faults = {r.get("fault") for r in log}
    assert {"500", "502", "503", "429", "reset_before", "reset_after"} <= faults
    assert stats.retries > 100
    assert stats.rate_limited > 0

    state = emulator.state()
    by_email = {m["email"]: m for m in state["members"]}
    assert len(state["members"]) == len(seed["members"]) + INVITES - DELETES
    for i in range(INVITES):
        assert by_email[f"new{i}@example.com"]["externalId"] == f"new-{i}"
    for i in range(REVOKES):
        assert by_email[f"revoke{i}@example.com"]["status"] == -1
    for i in range(RESTORES):
        assert by_email[f"restore{i}@example.com"]["status"] == 2
    for i in range(UPDATES):
        updated = by_email[f"update{i}@example.com"]
        assert (updated["type"], updated["externalId"]) == (1, f"updated-{i}")
    for i in range(DELETES):
        assert f"delete{i}@example.com" not in by_email
    for i in range(REINVITES):
        assert by_email[f"reinvite{i}@example.com"]["status"] == 0
    group_ids = [g["id"] for g in seed["groups"]]
    members_of = {g["id"]: set(g["memberIds"]) for g in state["groups"]}
    for i in range(MEMBER_GROUPS):
        grouped = by_email[f"grouped{i}@example.com"]["id"]
        assert [gid for gid in group_ids if grouped in members_of[gid]] == group_ids[-2:]
    pool_ids = [by_email[f"pool{i}@example.com"]["id"] for i in range(10)]
    for i in range(GROUP_MEMBERS):
        assert members_of[group_ids[i]] == set(pool_ids[: i % 10 + 1])
    external_ids = [g["externalId"] for g in state["groups"]]
    assert sorted(e for e in external_ids if e.startswith("team-")) == sorted(
        f"team-{i}" for i in range(GROUPS)
    )

    after = event_counts(state)
    new_events = {kind: after[kind] - before[kind] for kind in (1500, 1400, 1511, 1512, 1503)}
    assert new_events == {1500: INVITES, 1400: GROUPS, 1511: REVOKES, 1512: RESTORES,
                          1503: DELETES}  # fmt: skip
    assert after[1502] - before[1502] >= UPDATES


def test_a_long_run_with_2s_tokens_never_fails_and_renews_once_per_lifetime(
    emulator_factory: Callable[..., ServedEmulator],
) -> None:
    served = emulator_factory(token_lifetime=2)
    served.reset({"organization": organization(), "members": [owner()]})
    served.clear_requests()
    errors: list[BaseException] = []
    calls = [0]
    lock = threading.Lock()
    duration = 9.0
    with client_for(served) as client:
        created = client.create_group("Long run", external_id="long")
        deadline = time.monotonic() + duration

        def worker(index: int) -> None:
            while time.monotonic() < deadline:
                try:
                    client.list_members()
                    client.update_group(created.id, name=f"Long run {index}", external_id="long")
                except BaseException as exc:
                    errors.append(exc)
                    return
                with lock:
                    calls[0] += 2
                time.sleep(0.01)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        stats = client.stats
    assert errors == []
    log = api_requests(served)
    tokens = [r for r in log if r["path"].endswith("/connect/token")]
    expected = duration / 1.8
    assert calls[0] > 200
    assert expected - 1 <= len(tokens) <= expected + 2
    assert stats.token_requests == len(tokens)
    assert [r for r in log if r["status"] == 401] == []
