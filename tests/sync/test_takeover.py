"""Takeover of members and groups another tool made (Directory Connector: DN externalIds)
or a person made (groups without externalId, named like the source's). Pure planner, and
applied to an in-memory org: the next plan is empty and nothing else changed."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from dirsync.bitwarden.models import Association, MemberType
from dirsync.model import SourceGroup, SourceUser
from dirsync.sync.actions import TakeOverGroup, TakeOverMember
from dirsync.sync.apply import Executor
from dirsync.sync.plan import Plan, make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State, record
from tests.sync.builders import desired, member, org, org_group, snapshot
from tests.sync.memory_org import MemoryOrg

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
BASE = "ou=People,dc=example,dc=org"
TAKE_DN = PlanPolicy(max_removals=1000, max_removal_percent=100, takeover=frozenset({"dn"}))
ACCESS = Association(id="c-1", read_only=True)


def _user(name: str) -> SourceUser:
    return SourceUser(
        external_id=f"uuid-{name}", email=f"{name}@example.org", dn=f"uid={name},{BASE}"
    )


USERS = [_user("ann"), _user("bob"), _user("cyd")]
ENG = SourceGroup(
    external_id="uuid-eng",
    name="Eng",
    member_ids=frozenset({"uuid-ann", "uuid-bob"}),
    dn="cn=Eng,ou=Groups,dc=example,dc=org",
)


def _connector_org() -> MemoryOrg:
    """As Directory Connector leaves it: DN ids (spelt as the server returned them)."""
    ann = member(f"UID=ann, {BASE}", email="ann@example.org", type=MemberType.ADMIN)
    bob = member(f"uid=bob,{BASE}", email="bob@example.org")
    cyd = member(f"uid=cyd,{BASE}".upper(), email="cyd@example.org")
    eng = org_group("cn=eng,ou=groups,dc=example,dc=org", "Eng")
    eng = eng.model_copy(update={"collections": [ACCESS]})
    ann = replace(ann, collections=[ACCESS])
    return MemoryOrg(org([ann, bob, cyd], [eng], {eng.id: [ann.id, bob.id]}))


def _apply(plan: Plan, current: MemoryOrg) -> State:
    outcomes = Executor(current).apply(plan)
    assert all(o.ok for o in outcomes), [o.error for o in outcomes if not o.ok]
    return record(plan.state, [(o.action, o.created_id) for o in outcomes], NOW)


def test_a_connector_org_is_taken_over_in_place() -> None:
    current = _connector_org()
    before = current.snapshot()
    want = desired(snapshot(USERS, [ENG]))
    plan = make_plan(want, before, State(), NOW, TAKE_DN)
    assert sorted(a.kind for a in plan.actions) == ["take-over-group"] + ["take-over-member"] * 3
    ann = next(a for a in plan.actions if isinstance(a, TakeOverMember) and a.email.startswith("a"))
    assert ann.old_external_id == f"UID=ann, {BASE}"
    assert (ann.external_id, ann.type) == ("uuid-ann", MemberType.ADMIN)

    state = _apply(plan, current)
    after = current.snapshot()
    assert {m.id: (m.type, m.status, m.collections) for m in after.members} == {
        m.id: (m.type, m.status, m.collections) for m in before.members
    }
    assert [(g.id, g.name, g.collections) for g in after.groups] == [
        (g.id, g.name, g.collections) for g in before.groups
    ]
    assert after.group_members == before.group_members
    assert {m.external_id for m in after.members} == {u.external_id for u in USERS}
    assert make_plan(want, after, state, NOW, TAKE_DN).is_empty()


def test_without_the_rule_the_connector_members_are_left_alone() -> None:
    current = _connector_org().snapshot()
    plan = make_plan(desired(snapshot(USERS, [ENG])), current, State(), NOW, PlanPolicy())
    assert not any(a.kind in ("invite", "take-over-member") for a in plan.actions)
    assert sum("already in the org" in w for w in plan.warnings) == 3
    assert not any(a.kind == "create-group" for a in plan.actions)
    assert any("name 'Eng' is taken" in w for w in plan.warnings)


def test_a_hand_made_group_is_adopted_by_name() -> None:
    handmade = org_group(None, "Eng").model_copy(update={"collections": [ACCESS]})
    users = [SourceUser(external_id="uuid-ann", email="ann@example.org")]
    source = SourceGroup(external_id="uuid-eng", name="Eng", member_ids=frozenset({"uuid-ann"}))
    current = MemoryOrg(org([member("uuid-ann", email="ann@example.org")], [handmade]))
    policy = PlanPolicy(takeover=frozenset({"name"}))
    want = desired(snapshot(users, [source]))
    plan = make_plan(want, current.snapshot(), State(), NOW, policy)
    assert [a.kind for a in plan.actions] == ["take-over-group", "set-group-members"]
    taken = plan.actions[0]
    assert isinstance(taken, TakeOverGroup)
    assert (taken.group_id, taken.old_external_id) == (handmade.id, None)
    state = _apply(plan, current)
    group = current.snapshot().groups[0]
    assert (group.id, group.external_id, group.collections) == (handmade.id, "uuid-eng", [ACCESS])
    assert make_plan(want, current.snapshot(), state, NOW, policy).is_empty()


def test_a_large_takeover_is_withheld_until_allowed() -> None:
    current = _connector_org().snapshot()
    want = desired(snapshot(USERS, [ENG]))
    limited = PlanPolicy(takeover=frozenset({"dn"}), max_takeovers=2)
    plan = make_plan(want, current, State(), NOW, limited)
    assert len(plan.withheld()) == 4
    assert plan.runnable() == ()
    assert plan.withheld_reason == "4 takeovers exceed sync.max_takeovers (2)"
    allowed = PlanPolicy(takeover=frozenset({"dn"}), max_takeovers=2, allow_takeovers=4)
    assert len(make_plan(want, current, State(), NOW, allowed).runnable()) == 4


def test_owners_and_protected_members_are_never_taken_over() -> None:
    owner = member(f"uid=ann,{BASE}", email="ann@example.org", type=MemberType.OWNER)
    bob = member(f"uid=bob,{BASE}", email="bob@example.org")
    current = org([owner, bob])
    want = desired(snapshot(USERS[:2]), protected=["bob@example.org"])
    plan = make_plan(want, current, State(), NOW, TAKE_DN)
    assert not any(isinstance(a, TakeOverMember) for a in plan.actions)
