"""Property: random source + random org -> apply the plan -> planning again is empty, and
no owner, protected or unmanaged member changed (their records and group memberships)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dirsync.bitwarden.models import Group, Member, MemberStatus, MemberType, OrgSnapshot
from dirsync.config import SyncConfig
from dirsync.model import DirectorySnapshot, SourceGroup, SourceUser
from dirsync.sync.apply import Executor
from dirsync.sync.mapping import build_desired
from dirsync.sync.plan import make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State, record
from tests.sync.memory_org import MemoryOrg

NOW = datetime(2026, 11, 1, tzinfo=UTC)
STATUSES = [
    MemberStatus.INVITED,
    MemberStatus.ACCEPTED,
    MemberStatus.CONFIRMED,
    MemberStatus.REVOKED,
]
TYPES = [MemberType.USER, MemberType.ADMIN, MemberType.CUSTOM]


@st.composite
def scenarios(
    draw: st.DrawFn,
) -> tuple[DirectorySnapshot, SyncConfig, OrgSnapshot, State, PlanPolicy]:
    n = draw(st.integers(1, 12))
    ids = [f"u{i}" for i in range(n)]
    kinds = {
        u: draw(st.sampled_from(["on", "on", "on", "off", "scheduled", "uncertain"])) for u in ids
    }
    kinds["u0"] = "on"  # an empty source aborts before planning
    users = tuple(
        SourceUser(
            external_id=u,
            email=f"{u}@example.org",
            enabled=kinds[u] != "off",
            scheduled=kinds[u] == "scheduled",
        )
        for u in ids
        if kinds[u] != "uncertain"
    )
    names = ["admins", "helpdesk", "eng", "sales", "ops"][: draw(st.integers(0, 5))]
    groups = tuple(
        SourceGroup(
            external_id=f"sg-{name}",
            name=name,
            member_ids=frozenset(draw(st.sets(st.sampled_from(ids)))),
        )
        for name in names
    )
    protected = draw(st.sets(st.sampled_from([f"{u}@example.org" for u in ids] + ids), max_size=2))
    sync = SyncConfig.model_validate(
        {
            "protected": sorted(protected),
            "group_name": draw(st.sampled_from(["{name}", "dir-{name}"])),
            "roles": [
                {"group": "admins", "type": "admin"},
                {"group": "helpdesk", "type": "custom", "permissions": {"manage_users": True}},
            ],
        }
    )

    members: list[Member] = []
    revoked: dict[str, datetime] = {}
    managed: set[str] = set()

    def add(ext: str | None, email: str, owner: bool = False) -> Member:
        status = draw(st.sampled_from(STATUSES))
        kind = MemberType.OWNER if owner else draw(st.sampled_from(TYPES))
        m = Member(
            id=f"m{len(members)}",
            email=email,
            status=status,
            type=kind,
            external_id=ext,
            collections=[],
            permissions=None,
        )
        members.append(m)
        if status == MemberStatus.REVOKED and draw(st.booleans()):
            revoked[m.id] = NOW - timedelta(days=draw(st.integers(0, 60)))
        return m

    for u in ids:
        shape = draw(st.sampled_from(["none", "managed", "managed", "owner", "no-ext", "foreign"]))
        email = f"{u}@example.org"
        if shape == "managed":
            add(u, email)
        elif shape == "owner":
            add(u, email, owner=True)
        elif shape == "no-ext":
            add(None, email.upper() if draw(st.booleans()) else email)
        elif shape == "foreign":
            add(f"hr-{u}", email)
    for i in range(draw(st.integers(0, 3))):
        add(f"gone-{i}", f"gone{i}@example.org")
        if draw(st.booleans()):
            managed.add(f"gone-{i}")
    for i in range(draw(st.integers(0, 2))):
        add(None, f"boss{i}@example.org", owner=True)

    org_groups: list[Group] = []
    for name in names:
        if draw(st.booleans()):
            org_groups.append(
                Group(
                    id=f"g-{name}",
                    name=draw(st.sampled_from([name, "old"])),
                    external_id=f"sg-{name}",
                    collections=[],
                )
            )
    org_groups.append(Group(id="g-manual", name="manual", external_id=None, collections=[]))
    if draw(st.booleans()):
        org_groups.append(Group(id="g-stale", name="stale", external_id="sg-stale", collections=[]))
    links = {
        g.id: frozenset(draw(st.sets(st.sampled_from([m.id for m in members]))))
        if members
        else frozenset()
        for g in org_groups
    }
    state = State(
        managed_members=frozenset(managed),
        managed_groups=frozenset({"sg-stale"}),
        revoked=revoked,
    )
    policy = PlanPolicy(
        removal=draw(st.sampled_from(["revoke", "delete", "none"])),
        delete_after_days=draw(st.sampled_from([0, 30])),
        max_removals=1000,
        max_removal_percent=100,
    )
    snapshot = DirectorySnapshot(
        source="test",
        users=users,
        groups=groups,
        uncertain_ids=frozenset(u for u in ids if kinds[u] == "uncertain"),
    )
    return (
        snapshot,
        sync,
        OrgSnapshot(members=tuple(members), groups=tuple(org_groups), group_members=links),
        state,
        policy,
    )


def untouchable(
    org: OrgSnapshot, snapshot: DirectorySnapshot, sync: SyncConfig, state: State
) -> set[str]:
    source_ids = {u.external_id for u in snapshot.users} | snapshot.uncertain_ids
    wanted_emails = {u.email for u in snapshot.users if u.enabled and not u.scheduled}
    protected = {p.casefold() for p in sync.protected}
    keep = set()
    for m in org.members:
        email = (m.email or "").casefold()
        if (
            m.type == MemberType.OWNER
            or email in protected
            or (m.external_id or "").casefold() in protected
            or (
                m.external_id
                and m.external_id not in source_ids
                and m.external_id not in state.managed_members
            )
            or (not m.external_id and email not in wanted_emails)
        ):
            keep.add(m.id)
    return keep


def groups_of(org: OrgSnapshot, member_id: str) -> set[str]:
    return {gid for gid, mids in org.group_members.items() if member_id in mids}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios(), st.booleans())
def test_apply_then_plan_again_is_empty(
    scenario: tuple[DirectorySnapshot, SyncConfig, OrgSnapshot, State, PlanPolicy], serial: bool
) -> None:
    snapshot, sync, before, initial, policy = scenario
    memory = MemoryOrg(before)
    desired = build_desired(snapshot, sync)
    plan = make_plan(desired, before, initial, NOW, policy)
    outcomes = Executor(memory, max_concurrency=1 if serial else 4).apply(plan)
    assert [o for o in outcomes if not o.ok] == []
    state = record(plan.state, [(o.action, o.created_id) for o in outcomes], NOW)

    after = memory.snapshot()
    again = make_plan(desired, after, state, NOW, policy)
    assert again.actions == ()

    by_id = {m.id: m for m in after.members}
    remaining = set(after.group_members)
    for mid in untouchable(before, snapshot, sync, plan.state):
        old = next(m for m in before.members if m.id == mid)
        assert by_id.get(mid) == old
        assert groups_of(after, mid) == groups_of(before, mid) & remaining
    for m in before.members:
        if m.status == MemberStatus.REVOKED and m.id not in plan.state.revoked and m.id in by_id:
            assert by_id[m.id].status == MemberStatus.REVOKED
