"""Planner unit tests: pure data in, typed actions out (no servers)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dirsync.bitwarden.models import MemberStatus, MemberType
from dirsync.model import SourceWarning
from dirsync.sync.actions import (
    Adopt,
    CreateGroup,
    Delete,
    DeleteGroup,
    Invite,
    Reinvite,
    Restore,
    Revoke,
    SetGroupMembers,
    SetMemberGroups,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.costs import CostModel
from dirsync.sync.errors import EmptySourceError
from dirsync.sync.plan import Plan, make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State
from tests.sync.builders import desired, group, member, org, org_group, snapshot, user

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
OPEN = PlanPolicy(max_removals=1000, max_removal_percent=100)
SLOW_IMPORTS = replace(OPEN, costs=CostModel(import_item_seconds=1.0))


def kinds(plan: Plan) -> list[str]:
    return [a.kind for a in plan.actions]


def test_initial_sync_invites_with_groups_and_creates_groups() -> None:
    snap = snapshot([user("u1"), user("u2")], [group("g1", "Eng", ["u1", "u2"])])
    plan = make_plan(desired(snap), org(), State(), NOW, SLOW_IMPORTS)
    invites = [a for a in plan.actions if isinstance(a, Invite)]
    creates = [a for a in plan.actions if isinstance(a, CreateGroup)]
    assert {i.email for i in invites} == {"u1@example.org", "u2@example.org"}
    assert len(creates) == 1
    assert creates[0].name == "Eng"
    # With imports this slow, single calls with the groups on each invite end sooner.
    assert all(not i.via_import and i.new_group_external_ids == ("g1",) for i in invites)
    assert not any(isinstance(a, SetGroupMembers | SetMemberGroups) for a in plan.actions)
    assert plan.actions.index(creates[0]) < plan.actions.index(invites[0])


def test_many_invites_go_through_import_and_admins_are_updated_after() -> None:
    users = [user(f"u{i}") for i in range(10)]
    snap = snapshot(
        users, [group("g1", "Eng", [u.external_id for u in users]), group("a", "bw-admins", ["u0"])]
    )
    want = desired(snap, roles=[{"group": "bw-admins", "type": "admin"}])
    plan = make_plan(want, org(), State(), NOW, OPEN)
    invites = [a for a in plan.actions if isinstance(a, Invite)]
    assert invites
    assert all(i.via_import for i in invites)
    creates = [a for a in plan.actions if isinstance(a, CreateGroup)]
    assert all(c.via_import for c in creates)
    assert next(c for c in creates if c.external_id == "g1").member_external_ids == tuple(
        sorted(u.external_id for u in users)
    )
    updates = [a for a in plan.actions if isinstance(a, UpdateMember)]
    assert [(u.external_id, u.type, u.member_id) for u in updates] == [
        ("u0", MemberType.ADMIN, None)
    ]


def test_in_sync_org_gives_an_empty_plan() -> None:
    m1 = member("u1")
    g = org_group("g1", "Eng")
    snap = snapshot([user("u1")], [group("g1", "Eng", ["u1"])])
    plan = make_plan(desired(snap), org([m1], [g], {g.id: [m1.id]}), State(), NOW, OPEN)
    assert plan.is_empty()
    assert plan.state.managed_members == {"u1"}
    assert plan.state.managed_groups == {"g1"}


def test_owner_protected_and_foreign_members_are_untouched() -> None:
    owner = member("u1", type=MemberType.OWNER)
    prot = member("u2")
    foreign = member("other-system-7")
    snap = snapshot([user("u1"), user("u2"), user("u3", enabled=False)])
    plan = make_plan(
        desired(snap, protected=["U2@example.org"]),
        org([owner, prot, foreign, member("u3", email="x@example.org", type=MemberType.OWNER)]),
        State(),
        NOW,
        OPEN,
    )
    assert plan.is_empty()
    assert any("belongs to a member dirsync leaves alone" in w for w in plan.warnings)


def test_adopt_by_email_sets_external_id_and_keeps_collections() -> None:
    manual = member(None, email="U1@Example.org", type=MemberType.ADMIN)
    plan = make_plan(desired(snapshot([user("u1")])), org([manual]), State(), NOW, OPEN)
    assert plan.actions == (Adopt(manual.id, "u1", "u1@example.org", MemberType.ADMIN, None, ()),)


def test_with_no_role_mapping_member_types_are_left_as_they_are() -> None:
    admin = member("u1", type=MemberType.ADMIN)
    snap = snapshot([user("u1")], [group("g1", "Eng", ["u1"])])
    current = org([admin], [org_group("g1", "Eng")], {})
    assert [a.kind for a in make_plan(desired(snap), current, State(), NOW, OPEN).actions] == [
        "set-group-members"
    ]
    mapped = desired(snap, roles=[{"group": "Other", "type": "admin"}])
    plan = make_plan(mapped, current, State(), NOW, OPEN)
    first = plan.actions[0]
    assert (first.kind, getattr(first, "type", None)) == ("update-member", MemberType.USER)


def test_email_held_by_foreign_member_is_not_invited() -> None:
    foreign = member("hr-9", email="u1@example.org")
    plan = make_plan(desired(snapshot([user("u1")])), org([foreign]), State(), NOW, OPEN)
    assert plan.is_empty()
    assert any("already in the org" in w for w in plan.warnings)


def test_leaver_revoked_then_deleted_after_grace() -> None:
    gone = member("u2")
    snap = snapshot([user("u1")])
    policy = PlanPolicy(max_removals=10, max_removal_percent=100, delete_after_days=30)
    state = State(managed_members=frozenset({"u2"}))
    plan = make_plan(desired(snap), org([member("u1"), gone]), state, NOW, policy)
    assert plan.actions == (Revoke(gone.id, "u2", gone.email or "", "gone from the source"),)

    revoked = replace(gone, status=MemberStatus.REVOKED)
    state = State(managed_members=frozenset({"u2"}), revoked={gone.id: NOW - timedelta(days=29)})
    assert make_plan(desired(snap), org([member("u1"), revoked]), state, NOW, policy).is_empty()
    state = State(managed_members=frozenset({"u2"}), revoked={gone.id: NOW - timedelta(days=30)})
    plan = make_plan(desired(snap), org([member("u1"), revoked]), state, NOW, policy)
    assert [type(a) for a in plan.actions] == [Delete]


def test_disabled_user_is_a_leaver_even_without_state() -> None:
    m = member("u2")
    snap = snapshot([user("u1"), user("u2", enabled=False)])
    plan = make_plan(desired(snap), org([member("u1"), m]), State(), NOW, OPEN)
    assert plan.actions == (Revoke(m.id, "u2", m.email or "", "disabled in the source"),)


def test_removal_modes_none_and_delete() -> None:
    m = member("u2")
    snap = snapshot([user("u1"), user("u2", enabled=False)])
    current = org([member("u1"), m])
    none = PlanPolicy(removal="none")
    assert make_plan(desired(snap), current, State(), NOW, none).is_empty()
    delete = PlanPolicy(removal="delete", max_removal_percent=100)
    assert [a.kind for a in make_plan(desired(snap), current, State(), NOW, delete).actions] == [
        "delete"
    ]


def test_returning_user_restored_only_if_dirsync_revoked() -> None:
    m = member("u1", status=MemberStatus.REVOKED)
    snap = snapshot([user("u1")])
    ours = make_plan(desired(snap), org([m]), State(revoked={m.id: NOW}), NOW, OPEN)
    assert ours.actions == (Restore(m.id, "u1", m.email or ""),)
    theirs = make_plan(desired(snap), org([m]), State(), NOW, OPEN)
    assert theirs.is_empty()
    assert any("revoked by a person" in w for w in theirs.warnings)


def test_removals_over_the_limit_are_withheld_but_joiners_go_on() -> None:
    leavers = [member(f"u{i}") for i in range(6)]
    snap = snapshot([user(f"u{i}") for i in range(6, 10)] + [user("new")])
    current = org([*leavers, *(member(f"u{i}") for i in range(6, 10))])
    state = State(managed_members=frozenset(f"u{i}" for i in range(6)))
    policy = PlanPolicy(max_removals=25, max_removal_percent=10)
    plan = make_plan(desired(snap), current, state, NOW, policy)
    assert len(plan.withheld()) == 6
    assert all(isinstance(a, Revoke) for a in plan.withheld())
    assert [a.kind for a in plan.runnable()] == ["invite"]
    assert plan.withheld_reason is not None
    assert "60.0% of 10 managed" in plan.withheld_reason
    lifted = PlanPolicy(max_removals=25, max_removal_percent=10, allow_removals=6)
    assert not make_plan(desired(snap), current, state, NOW, lifted).withheld()
    too_few = PlanPolicy(max_removals=25, max_removal_percent=10, allow_removals=5)
    assert len(make_plan(desired(snap), current, state, NOW, too_few).withheld()) == 6


def test_uncertain_and_scheduled_users_are_never_removed() -> None:
    members = [member("u1"), member("bad"), member("later")]
    snap = snapshot([user("u1"), user("later", scheduled=True)], uncertain=["bad"])
    state = State(managed_members=frozenset({"bad", "later"}))
    assert make_plan(desired(snap), org(members), state, NOW, OPEN).is_empty()


def test_movers_choose_the_fewer_replace_calls() -> None:
    users = [f"u{i}" for i in range(5)]
    members = {u: member(u) for u in users}
    ga, gb = org_group("ga", "A"), org_group("gb", "B")
    # Everyone moves from A to B: two group calls beat five member calls.
    current = org(members.values(), [ga, gb], {ga.id: [m.id for m in members.values()]})
    snap = snapshot([user(u) for u in users], [group("ga", "A", []), group("gb", "B", users)])
    plan = make_plan(desired(snap), current, State(), NOW, OPEN)
    assert kinds(plan) == ["set-group-members", "set-group-members"]
    # One member moves: one member call beats two group calls.
    current = org(
        members.values(),
        [ga, gb],
        {ga.id: [members["u0"].id], gb.id: [m.id for u, m in members.items() if u != "u0"]},
    )
    snap = snapshot([user(u) for u in users], [group("ga", "A", []), group("gb", "B", users)])
    plan = make_plan(desired(snap), current, State(), NOW, OPEN)
    (call,) = plan.actions
    assert isinstance(call, SetMemberGroups)
    assert call.group_ids == (gb.id,)
    assert call.added == ("B",)
    assert call.removed == ("A",)


def test_group_replace_keeps_members_dirsync_does_not_manage() -> None:
    owner = member("boss", type=MemberType.OWNER)
    m1, m2 = member("u1"), member("u2")
    g = org_group("ga", "A")
    unmanaged = org_group(None, "Manual")
    current = org([owner, m1, m2], [g, unmanaged], {g.id: [owner.id, m1.id], unmanaged.id: [m2.id]})
    snap = snapshot([user("u1"), user("u2"), user("u3")], [group("ga", "A", ["u2", "u3"])])
    plan = make_plan(desired(snap), current, State(), NOW, OPEN)
    sets = [a for a in plan.actions if isinstance(a, SetGroupMembers | SetMemberGroups)]
    for action in sets:
        if isinstance(action, SetGroupMembers):
            assert owner.id in action.member_ids
        else:
            assert unmanaged.id in action.group_ids


def test_group_rename_collections_and_delete() -> None:
    g = org_group("ga", "Old")
    gone = org_group("gz", "Gone")
    stray = org_group(None, "Manual")
    snap = snapshot([user("u1")], [group("ga", "Eng", [])])
    current = org([member("u1")], [g, gone, stray])
    plan = make_plan(
        desired(snap, group_name="dir-{name}"),
        current,
        State(managed_groups=frozenset({"gz"})),
        NOW,
        OPEN,
    )
    assert plan.actions == (
        UpdateGroup(g.id, "ga", "dir-Eng", None, "Old"),
        DeleteGroup(gone.id, "gz", "Gone"),
    )


def test_role_change_and_custom_permissions() -> None:
    m = member("u1")
    snap = snapshot([user("u1")], [group("c", "helpdesk", ["u1"])])
    want = desired(
        snap,
        roles=[{"group": "helpdesk", "type": "custom", "permissions": {"manage_users": True}}],
    )
    current = org([m], [org_group("c", "helpdesk")])
    plan = make_plan(want, current, State(), NOW, OPEN)
    update = next(a for a in plan.actions if isinstance(a, UpdateMember))
    assert update.type == MemberType.CUSTOM
    assert update.permissions is not None
    assert update.permissions.manage_users


def test_reinvite_after_days_uses_first_seen_date() -> None:
    m = member("u1", status=MemberStatus.INVITED)
    snap = snapshot([user("u1")])
    policy = PlanPolicy(reinvite_after_days=7)
    first = make_plan(desired(snap), org([m]), State(), NOW, policy)
    assert first.is_empty()
    assert first.state.invited == {m.id: NOW}
    later = make_plan(desired(snap), org([m]), first.state, NOW + timedelta(days=7), policy)
    assert later.actions == (Reinvite(m.id, "u1", m.email or ""),)


def test_an_empty_source_is_refused_before_planning() -> None:
    with pytest.raises(EmptySourceError, match="returned no users"):
        desired(snapshot([]))


def test_members_of_unknown_type_or_status_are_left_alone() -> None:
    odd_type = replace(member("u1"), type=99)
    odd_status = replace(member("u2"), status=99)
    no_ext = replace(member(None, email="u3@example.org"), status=7)
    snap = snapshot([user("u1"), user("u3"), user("u4", enabled=False)])
    current = org([odd_type, odd_status, no_ext, replace(member("u4"), type=5)])
    plan = make_plan(desired(snap), current, State(managed_members=frozenset({"u2"})), NOW, OPEN)
    assert plan.is_empty()
    assert sum("unknown to dirsync" in w for w in plan.warnings) == 3


def test_source_warnings_reach_the_plan() -> None:
    snap = replace(
        snapshot([user("u1")]),
        warnings=(SourceWarning(where="line 3", message="bad email", external_id="x"),),
    )
    plan = make_plan(desired(snap), org(), State(), NOW, OPEN)
    assert plan.warnings[0] == "test line 3: bad email"


def test_two_names_cut_to_100_characters_give_one_group_and_a_warning() -> None:
    long = "Department of " + "x" * 100
    snap = snapshot(
        [user("u1"), user("u2")],
        [group("g1", long + " North", ["u1"]), group("g2", long + " South", ["u2"])],
    )
    plan = make_plan(desired(snap), org([member("u1"), member("u2")]), State(), NOW, OPEN)
    creates = [a for a in plan.actions if isinstance(a, CreateGroup)]
    assert [a.external_id for a in creates] == ["g1"]
    assert any(
        w.startswith("group g2: name ") and "also the name of source group g1" in w
        for w in plan.warnings
    )
    assert all(getattr(a, "group_external_id", "g1") == "g1" for a in plan.actions)


def test_a_group_is_not_created_with_the_name_of_an_existing_group() -> None:
    snap = snapshot([user("u1")], [group("g1", "Eng", ["u1"]), group("g2", "Ops", ["u1"])])
    handmade = org_group(None, "Eng")
    plan = make_plan(desired(snap), org([member("u1")], [handmade]), State(), NOW, OPEN)
    assert [a.external_id for a in plan.actions if isinstance(a, CreateGroup)] == ["g2"]
    assert any(
        f"group g1: name 'Eng' is taken by group {handmade.id}" in w and "not created" in w
        for w in plan.warnings
    )


def test_a_managed_group_keeps_its_name_beside_a_namesake() -> None:
    snap = snapshot([user("u1")], [group("g1", "Eng", ["u1"])])
    mine, other = org_group("g1", "Eng"), org_group(None, "Eng")
    current = org([member("u1")], [mine, other])
    plan = make_plan(desired(snap), current, State(), NOW, OPEN)
    assert [a.kind for a in plan.actions] == ["set-group-members"]
    assert not any("taken" in w for w in plan.warnings)
