"""Benchmark the sync engine against the served emulator on the cloud profile.

Run from the repository root:  .venv/bin/python tests/benchmarks/bench_sync.py [--time-scale 60]

Prints, for --users users in --groups groups (each user in one group), with the cloud
rate limits (contract §4) shrunk by --time-scale on both the emulator and the client:
- initial sync into an empty org, a no-op run, and a churn day (1% joiners, 1% leavers,
  3% movers): API calls against the minimum, wall time against the floor (the minimum
  calls at the published limits, scaled), 429s received (goal 0), peak RSS;
- planner CPU time (mapping + planning, no I/O) for --big-users / --big-groups
  (goal <= 2 s): initial (empty org), no-op, churn.
The source is synthetic and in-process, so the figures are the engine's and the API's.
"""

from __future__ import annotations

import argparse
import contextlib
import math
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.models import Group, Member, MemberStatus, MemberType, OrgSnapshot
from dirsync.config import Settings, SyncConfig
from dirsync.gcpause import collector_paused
from dirsync.model import DirectorySnapshot, SourceGroup, SourceUser
from dirsync.sync.actions import SetGroupMembers, SetMemberGroups
from dirsync.sync.mapping import build_desired
from dirsync.sync.plan import Plan, make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.run import Run
from dirsync.sync.state import State
from tests.fixtures.emulator import ServedEmulator, start_emulator

NOW = datetime(2026, 11, 2, tzinfo=UTC)
LIMITS = {"post": (5, 60), "put": (5, 60), "delete": (5, 60), "get": (None, 200)}


def directory(users: int, groups: int, shift: int = 0, gone: int = 0, extra: int = 0,
              movers: int = 0) -> DirectorySnapshot:  # fmt: skip
    """u{i} in group i % groups; the first `gone` users left, `extra` joiners added and
    the `movers` users after the leavers moved one group up."""
    ids = [f"u{i:06d}" for i in range(gone, users + extra)]
    people = tuple(SourceUser(external_id=u, email=f"{u}@example.org") for u in ids)
    members: dict[int, set[str]] = {g: set() for g in range(groups)}
    for n, u in enumerate(ids):
        i = int(u[1:])
        moved = 1 if n < movers else 0
        members[(i + shift + moved) % groups].add(u)
    teams = tuple(
        SourceGroup(external_id=f"g{g:04d}", name=f"team-{g:04d}", member_ids=frozenset(m))
        for g, m in members.items()
    )
    return DirectorySnapshot(source="bench", users=people, groups=teams)


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def floor_seconds(requests: list[dict[str, Any]], scale: float) -> float:
    """The least time the logged calls need at the published per-path limits, scaled."""
    per_path = Counter(
        (r["method"].lower(), r["path"]) for r in requests if "/public/" in r["path"]
    )
    floor = 0.0
    for (method, _path), n in per_path.items():
        per_second, per_minute = LIMITS.get(method, (None, 60))
        need = (n - 1) // per_minute * 60.0
        if per_second:
            need = max(need, (n - 1) // per_second * 1.0)
        floor = max(floor, need)
    return floor / scale


def matching_bound(plan: Plan) -> int:
    """Maximum matching of the membership changes: no set of replace calls can be smaller."""
    edges: dict[str, set[str]] = {}
    for action in plan.actions:
        if isinstance(action, SetGroupMembers):
            for label in (*action.added, *action.removed):
                edges.setdefault(label, set()).add(action.name)
        elif isinstance(action, SetMemberGroups):
            for name in (*action.added, *action.removed):
                edges.setdefault(action.email, set()).add(name)
    owner: dict[str, str] = {}

    def augment(member: str, seen: set[str]) -> bool:
        for group in edges[member]:
            if group in seen:
                continue
            seen.add(group)
            if group not in owner or augment(owner[group], seen):
                owner[group] = member
                return True
        return False

    return sum(augment(m, set()) for m in edges)


def run_once(served: ServedEmulator, settings: Settings, snapshot: DirectorySnapshot,
             scale: float, label: str, minimum: str) -> Plan:  # fmt: skip
    client = BitwardenClient(
        api_url=served.api_url, identity_url=served.identity_url, client_id=served.client_id,
        client_secret=SecretStr(served.client_secret), rate_limit="cloud",
        rate_limit_scale=scale,
        max_concurrency=settings.bitwarden.max_concurrency,
    )  # fmt: skip
    served.clear_requests()
    started = time.perf_counter()
    with client:
        run = Run(settings, client, NOW)
        plan = run.plan(lambda _s, _d: snapshot, allow_removals=None)
        outcomes = run.apply(plan)
        stats = client.stats
    wall = time.perf_counter() - started
    log = served.requests()
    failed = sum(not o.ok for o in outcomes)
    writes = sum(n for k, n in stats.calls.items() if not k.startswith("GET") and "/public/" in k)
    print(f"{label}: {len(plan.actions)} actions {dict(sorted(plan.counts().items()))}, "
          f"{failed} failed")  # fmt: skip
    print(f"  API calls {stats.total_calls} ({writes} writes, {stats.token_requests} token); "
          f"minimum {minimum}")  # fmt: skip
    print(f"  wall {wall:.2f} s (plan {run.durations['plan']:.2f} s, apply "
          f"{run.durations.get('apply', 0):.2f} s), floor {floor_seconds(log, scale):.2f} s; "
          f"429s {sum(r['status'] == 429 for r in log)}, retries {stats.retries}; "
          f"peak RSS {peak_rss_mib():.0f} MiB")  # fmt: skip
    print(f"  calls by kind: {dict(sorted(stats.calls.items()))}")
    return plan


def bench_api(users: int, groups: int, scale: float) -> None:
    served = start_emulator(rate_limit="cloud", time_scale=scale)
    state_dir = Path(tempfile.mkdtemp(prefix="dirsync-bench-"))
    settings = Settings(
        source={"type": "csv"}, csv={"path": "unused.csv"},
        bitwarden={"max_concurrency": 8},
        sync={"state_dir": str(state_dir), "max_removals": users, "max_removal_percent": 100},
    )  # fmt: skip
    try:
        owner = {"email": "owner@example.com", "type": 0, "status": 2}
        served.reset({"organization": {"seats": 10 * users}, "members": [owner]})
        print(f"emulator: cloud profile, time scale {scale:g}; {users} users, {groups} groups")
        batches = math.ceil(users / 2000) + math.ceil(groups / 2000)
        run_once(served, settings, directory(users, groups), scale, "initial sync",
                 f"{batches} import calls + reads (2 to snapshot, 2 to learn new ids)")  # fmt: skip
        reads = f"{2 + groups} reads (members, groups, one member-ids per group)"
        run_once(served, settings, directory(users, groups), scale, "no-op run",
                 f"0 writes, {reads}")  # fmt: skip
        churn = directory(users, groups, gone=users // 100, extra=users // 100,
                          movers=3 * users // 100)  # fmt: skip
        plan = run_once(served, settings, churn, scale, "churn day", "see below")
        membership = sum(isinstance(a, SetGroupMembers | SetMemberGroups) for a in plan.actions)
        bound = matching_bound(plan)
        print(f"  churn minimum: {users // 100} revokes + 1 import + 1 id read + membership "
              f"calls >= {bound} (maximum matching; planned {membership})")  # fmt: skip
    finally:
        served.stop()


def org_for(snapshot: DirectorySnapshot) -> OrgSnapshot:
    ids = {u.external_id: str(uuid.uuid4()) for u in snapshot.users}
    members = tuple(
        Member(id=ids[u.external_id], email=u.email, status=MemberStatus.CONFIRMED,
               type=MemberType.USER, external_id=u.external_id, collections=[])
        for u in snapshot.users
    )  # fmt: skip
    groups = tuple(Group(id=str(uuid.uuid4()), name=g.name, external_id=g.external_id,
                         collections=[]) for g in snapshot.groups)  # fmt: skip
    links = {
        gid.id: frozenset(ids[u] for u in g.member_ids)
        for gid, g in zip(groups, snapshot.groups, strict=True)
    }
    return OrgSnapshot(members=members, groups=groups, group_members=links)


def bench_planner(users: int, groups: int) -> None:
    sync = SyncConfig(max_removals=users, max_removal_percent=100)
    policy = PlanPolicy.from_sync(sync)
    base = directory(users, groups)
    in_sync = org_for(base)
    state = State(managed_members=frozenset(u.external_id for u in base.users))
    churn = directory(users, groups, gone=users // 100, extra=users // 100, movers=3 * users // 100)
    print(f"planner, {users} users / {groups} groups (mapping + planning, CPU time):")
    cases = (
        ("initial (empty org)", base, OrgSnapshot()),
        ("no-op", base, in_sync),
        ("churn day", churn, in_sync),
    )
    for paused in (False, True):
        print("  collector paused (as `dirsync sync` plans):" if paused else "  plain:")
        for label, snapshot, org in cases:
            pause = collector_paused() if paused else contextlib.nullcontext()
            started = time.process_time()
            with pause:
                desired = build_desired(snapshot, sync)
                plan = make_plan(desired, org, state, NOW, policy)
            cpu = time.process_time() - started
            print(f"    {label}: {cpu:.2f} s CPU, {len(plan.actions)} actions; "
                  f"peak RSS {peak_rss_mib():.0f} MiB")  # fmt: skip
            del desired, plan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--time-scale", type=float, default=60.0)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--big-users", type=int, default=100_000)
    parser.add_argument("--big-groups", type=int, default=5_000)
    parser.add_argument("--skip-api", action="store_true")
    args = parser.parse_args()
    if not args.skip_api:
        bench_api(args.users, args.groups, args.time_scale)
    bench_planner(args.big_users, args.big_groups)


if __name__ == "__main__":
    main()
