"""The HR + directory join (pure): precedence, people in one source only, join problems,
and a property: random overlaps converge and doubtful people are never removed."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from dirsync.config import JoinConfig, SyncConfig
from dirsync.model import DirectorySnapshot, SourceGroup, SourceUser
from dirsync.sources.join import join
from dirsync.sync.apply import Executor
from dirsync.sync.mapping import build_desired
from dirsync.sync.plan import make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State, record
from tests.sync.builders import org
from tests.sync.memory_org import MemoryOrg

NOW = datetime(2026, 11, 1, tzinfo=UTC)
OPEN = PlanPolicy(max_removals=10_000, max_removal_percent=100)


def hr_user(key: str, *, enabled: bool = True, scheduled: bool = False) -> SourceUser:
    return SourceUser(
        external_id=key,
        email=f"{key.lower()}@hr.example",
        name=f"HR {key}",
        enabled=enabled,
        scheduled=scheduled,
    )


def account(uuid: str, key: str | None, *, enabled: bool = True) -> SourceUser:
    return SourceUser(
        external_id=uuid,
        email=f"{uuid}@corp.example",
        name=f"LDAP {uuid}",
        enabled=enabled,
        dn=f"uid={uuid},ou=people,dc=example,dc=org",
        employee_id=key,
    )


def snap(
    users: list[SourceUser], groups: list[SourceGroup] = (), uncertain=()
) -> DirectorySnapshot:  # type: ignore[assignment]
    return DirectorySnapshot(
        source="test", users=tuple(users), groups=tuple(groups), uncertain_ids=frozenset(uncertain)
    )


def test_a_joined_person_takes_each_attribute_from_its_source() -> None:
    hr = snap([hr_user("E1")])
    ldap = snap(
        [account("u-1", "E1")],
        [SourceGroup(external_id="g-eng", name="eng", member_ids=frozenset({"u-1"}))],
    )
    (person,) = join(hr, ldap, JoinConfig()).users
    assert (person.external_id, person.email, person.name) == ("E1", "u-1@corp.example", "HR E1")
    swapped = join(hr, ldap, JoinConfig(email="hr", name="ldap")).users[0]
    assert (swapped.email, swapped.name) == ("e1@hr.example", "LDAP u-1")
    assert join(hr, ldap, JoinConfig()).groups[0].member_ids == {"E1"}


def test_hr_decides_and_the_account_must_be_enabled_too() -> None:
    hr = snap(
        [hr_user("E1", enabled=False), hr_user("E2"), hr_user("E3", scheduled=True, enabled=False)]
    )
    ldap = snap([account("u-1", "E1"), account("u-2", "E2", enabled=False), account("u-3", "E3")])
    users = {u.external_id: (u.enabled, u.scheduled) for u in join(hr, ldap, JoinConfig()).users}
    assert users == {"E1": (False, False), "E2": (False, False), "E3": (False, True)}


def test_people_in_one_source_only() -> None:
    hr = snap([hr_user("E1"), hr_user("E9")])
    ldap = snap([account("u-1", "E1"), account("svc", None)])
    held = join(hr, ldap, JoinConfig())
    assert [u.external_id for u in held.users] == ["E1"]
    assert held.uncertain_ids == {"E9"}
    (warning,) = held.warnings
    assert "e9@hr.example has no directory account" in warning.message
    both = join(hr, ldap, JoinConfig(hr_only="sync", ldap_only="sync"))
    assert sorted(u.external_id for u in both.users) == ["E1", "E9", "svc"]


def test_two_entries_with_one_employee_id_are_a_warning_naming_both() -> None:
    hr = snap([hr_user("E1")])
    ldap = snap([account("u-1", "E1"), account("u-2", "E1")])
    joined = join(hr, ldap, JoinConfig(ldap_only="sync"))
    assert joined.users == ()
    (warning,) = joined.warnings
    assert "uid=u-1,ou=people" in warning.message
    assert "uid=u-2,ou=people" in warning.message
    assert {"E1", "u-1", "u-2"} <= joined.uncertain_ids


KEYS = [f"E{n}" for n in range(12)]


@st.composite
def worlds(draw: st.DrawFn) -> tuple[DirectorySnapshot, DirectorySnapshot]:
    in_hr = draw(st.sets(st.sampled_from(KEYS)))
    in_ldap = draw(st.sets(st.sampled_from(KEYS)))
    hr = [hr_user(k, enabled=draw(st.booleans())) for k in sorted(in_hr)]
    bad_hr = draw(st.sets(st.sampled_from(KEYS)))
    accounts = [account(f"u-{k}", k, enabled=draw(st.booleans())) for k in sorted(in_ldap)]
    if draw(st.booleans()) and accounts:  # a duplicated employee id
        accounts.append(account("u-dup", accounts[0].employee_id))
    members = frozenset(a.external_id for a in accounts if draw(st.booleans()))
    groups = [SourceGroup(external_id="g", name="all", member_ids=members)]
    hr_snap = snap([u for u in hr if u.external_id not in bad_hr], uncertain=bad_hr & in_hr)
    return hr_snap, snap(accounts, groups)


@settings(max_examples=60, deadline=None)
@given(worlds(), worlds(), st.sampled_from(["ignore", "sync"]), st.sampled_from(["hold", "sync"]))
def test_random_overlaps_converge_and_doubtful_people_stay(
    first: tuple[DirectorySnapshot, DirectorySnapshot],
    second: tuple[DirectorySnapshot, DirectorySnapshot],
    ldap_only: str,
    hr_only: str,
) -> None:
    cfg = JoinConfig(ldap_only=ldap_only, hr_only=hr_only)  # type: ignore[arg-type]
    current = MemoryOrg(org())
    state = State()
    for hr, ldap in (first, second):
        joined = join(hr, ldap, cfg)
        if not joined.users:
            continue
        desired = build_desired(joined, SyncConfig())
        plan = make_plan(desired, current.snapshot(), state, NOW, OPEN)
        removed = {a.external_id for a in plan.actions if a.kind in ("revoke", "delete")}
        assert not removed & joined.uncertain_ids, "a doubtful person was removed"
        outcomes = Executor(current).apply(plan)
        assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
        state = record(plan.state, [(o.action, o.created_id) for o in outcomes], NOW)
        again = make_plan(desired, current.snapshot(), state, NOW, OPEN)
        assert again.is_empty(), [a.kind for a in again.actions]
