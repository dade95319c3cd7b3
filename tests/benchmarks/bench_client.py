"""Benchmark the Bitwarden client against the served emulator on the cloud profile.

Run from the repository root:  .venv/bin/python tests/benchmarks/bench_client.py [--time-scale 60]

Prints, for the scaled cloud rate limits (contract §4):
- a snapshot read of --members members and --groups groups (calls, wall time, 429s);
- --invites invitations through one import vs one POST /public/members each: wall
  time against the floor (minimum calls divided by the published limits, scaled),
  and the 429s received (goal: 0).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.imports import ImportMember
from dirsync.bitwarden.models import MemberType
from tests.fixtures.emulator import ServedEmulator, start_emulator

WRITES_PER_MINUTE = 60
GETS_PER_MINUTE = 200


def _org() -> dict[str, Any]:
    return {"name": "Bench", "useDirectory": True, "useGroups": True, "seats": 1_000_000}


def _owner() -> dict[str, Any]:
    return {"email": "owner@example.com", "type": 0, "status": 2, "hasMasterPassword": True}


def _big_org(members: int, groups: int) -> dict[str, Any]:
    people = [
        {"id": str(uuid.uuid4()), "email": f"user{i}@example.com", "externalId": f"u{i}",
         "type": 2, "status": 2}
        for i in range(members)
    ]  # fmt: skip
    per_group = max(1, members // max(groups, 1))
    group_docs = [
        {"name": f"Group {g}", "externalId": f"g{g}",
         "memberIds": [p["id"] for p in people[g * per_group:(g + 1) * per_group]]}
        for g in range(groups)
    ]  # fmt: skip
    return {"organization": _org(), "members": [_owner(), *people], "groups": group_docs}


def _client(served: ServedEmulator, scale: float, concurrency: int = 8) -> BitwardenClient:
    return BitwardenClient(
        api_url=served.api_url,
        identity_url=served.identity_url,
        client_id=served.client_id,
        client_secret=SecretStr(served.client_secret),
        rate_limit="cloud",
        rate_limit_scale=scale,
        max_concurrency=concurrency,
    )


def _received_429(served: ServedEmulator) -> int:
    return sum(1 for r in served.requests() if r["status"] == 429)


def _write_floor(calls: int, scale: float) -> float:
    """Seconds that ``calls`` writes to one path need at 60/min (and 5/s), scaled."""
    return max(calls / WRITES_PER_MINUTE * 60, calls / 5) / scale


def bench_snapshot(served: ServedEmulator, members: int, groups: int, scale: float) -> None:
    served.reset(_big_org(members, groups))
    with _client(served, scale) as client:
        client.list_groups()  # warm the token and the connection pool
        served.clear_requests()
        before = client.stats
        started = time.perf_counter()
        org = client.read_org()[0]
        wall = time.perf_counter() - started
        stats = client.stats
    calls = stats.total_calls - before.total_calls
    linked = sum(len(ids) for ids in org.group_members.values())
    print(f"snapshot read: {len(org.members)} members, {len(org.groups)} groups, "
          f"{linked} memberships")  # fmt: skip
    waited = stats.throttle_wait_seconds
    print(f"  calls {calls} (2 + G = {2 + groups}), wall {wall:.2f} s, "
          f"429s {_received_429(served)}, throttle wait {waited:.2f} s")  # fmt: skip


def bench_import(served: ServedEmulator, invites: int, scale: float) -> None:
    served.reset({"organization": _org(), "members": [_owner()]})
    people = [
        ImportMember(email=f"new{i}@example.com", external_id=f"n{i}") for i in range(invites)
    ]
    with _client(served, scale) as client:
        client.list_groups()
        served.clear_requests()
        started = time.perf_counter()
        client.import_org(people, [])
        wall = time.perf_counter() - started
        count = len(client.list_members()) - 1
        stats = client.stats
    calls = math.ceil(invites / 2000)
    print(f"{invites} invites via import: {calls} call(s), wall {wall:.2f} s, "
          f"floor {_write_floor(calls, scale):.2f} s, members created {count}, "
          f"429s {_received_429(served)}, retries {stats.retries}")  # fmt: skip


def bench_post(served: ServedEmulator, invites: int, scale: float, threads: int) -> None:
    served.reset({"organization": _org(), "members": [_owner()]})
    with _client(served, scale) as client:
        client.list_groups()
        served.clear_requests()

        def invite(i: int) -> None:
            client.invite_member(f"post{i}@example.com", type=MemberType.USER, external_id=f"p{i}")

        started = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(invite, range(invites)))
        wall = time.perf_counter() - started
        stats = client.stats
    posts = stats.calls.get("POST /public/members", 0)
    floor = _write_floor(invites, scale)
    print(f"{invites} invites via POST ({threads} threads): {posts} calls, wall {wall:.2f} s, "
          f"floor {floor:.2f} s (x{wall / floor:.2f}), 429s {_received_429(served)}, "
          f"retries {stats.retries}, throttle wait {stats.throttle_wait_seconds:.1f} s "
          f"(summed over threads)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--members", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--invites", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    scale = args.time_scale
    served = start_emulator(rate_limit="cloud", time_scale=scale)
    try:
        print(f"emulator: cloud profile, time scale {scale:g} (a minute lasts {60 / scale:g} s)")
        bench_snapshot(served, args.members, args.groups, scale)
        bench_import(served, args.invites, scale)
        bench_post(served, args.invites, scale, args.threads)
    finally:
        served.stop()


if __name__ == "__main__":
    main()
