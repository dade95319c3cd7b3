"""Emulator speed with a big organization: 10k members, 200 groups, read over real HTTP.

Run: .venv/bin/python tests/benchmarks/bench_emulator.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.emulator.helpers import Api
from tests.fixtures.emulator import start_emulator

MEMBERS = 10_000
GROUPS = 200
PER_GROUP = 100


def _seed() -> dict[str, Any]:
    members = [
        {
            "id": f"00000000-0000-0000-0000-{n:012d}",
            "email": f"user{n}@example.com",
            "type": 0 if n == 0 else 2,
            "status": 2,
            "externalId": f"ext{n}",
        }
        for n in range(MEMBERS)
    ]
    groups = [
        {
            "id": f"90000000-0000-0000-0000-{g:012d}",
            "name": f"Group {g}",
            "externalId": f"g{g}",
            "memberIds": [members[(g * 37 + i) % MEMBERS]["id"] for i in range(PER_GROUP)],
        }
        for g in range(GROUPS)
    ]
    return {"organization": {"name": "Bench"}, "members": members, "groups": groups}


def _timed(label: str, action: Callable[[], object], repeat: int = 1) -> None:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    print(f"{label:<52} {statistics.median(times) * 1000:9.1f} ms (median of {repeat})")


def main() -> None:
    seed = _seed()
    started = time.perf_counter()
    served = start_emulator(seed=seed)
    print(
        f"{'start with 10k members / 200 groups seed':<52} "
        f"{(time.perf_counter() - started) * 1000:9.1f} ms"
    )
    try:
        api = Api(served)
        body = api.get("/public/members").content
        print(f"{'GET /public/members body size':<52} {len(body) / 1e6:9.2f} MB")
        _timed("GET /public/members (10k)", lambda: api.get("/public/members"), 5)
        _timed("GET /public/groups (200)", lambda: api.get("/public/groups"), 5)
        group_ids = [g["id"] for g in api.get("/public/groups").json()["data"]]
        _timed(
            "GET member-ids of all 200 groups (200 calls)",
            lambda: [api.get(f"/public/groups/{g}/member-ids") for g in group_ids],
            3,
        )
        member_ids = [m["id"] for m in seed["members"][1:1001]]
        _timed(
            "PUT /public/groups/{id}/member-ids (1000 ids)",
            lambda: api.put(f"/public/groups/{group_ids[0]}/member-ids", {"memberIds": member_ids}),
            5,
        )
        new = [{"externalId": f"new{i}", "email": f"new{i}@example.com"} for i in range(2000)]
        _timed(
            "POST import of 2000 new members",
            lambda: api.post(
                "/public/organization/import",
                {"members": new, "groups": [], "overwriteExisting": False},
            ),
        )
        again = [
            {
                "name": f"Group {g}",
                "externalId": f"g{g}",
                "memberExternalIds": [f"ext{(g * 37 + i) % MEMBERS}" for i in range(PER_GROUP)],
            }
            for g in range(GROUPS)
        ]
        _timed(
            "POST import of 200 groups x 100 members",
            lambda: api.post(
                "/public/organization/import",
                {"members": [], "groups": again, "overwriteExisting": False},
            ),
            3,
        )
        _timed("GET /public/events (first page)", lambda: api.get("/public/events"), 5)
        _timed("GET /_emulator/state (12k members)", served.state, 3)
        api.close()
    finally:
        served.stop()


if __name__ == "__main__":
    main()
