"""The cost model (sync/costs.py) and the planner's choices by time: where an import wins,
where single calls win, and what `plan` shows of it."""

from __future__ import annotations

from datetime import UTC, datetime

from dirsync.bitwarden.models import Member, OrgSnapshot
from dirsync.sync.actions import Invite, SetGroupMembers
from dirsync.sync.costs import CostModel
from dirsync.sync.plan import Plan, make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.render import plan_json, plan_table
from dirsync.sync.state import State
from tests.sync.builders import desired, group, member, org, org_group, snapshot, user

NOW = datetime(2026, 11, 1, tzinfo=UTC)
WAN = CostModel(round_trip=0.2)
LAN = CostModel(round_trip=0.001, import_item_seconds=0.01)


def _plan(snap: object, current: OrgSnapshot, costs: CostModel) -> Plan:
    return make_plan(desired(snap), current, State(), NOW, PlanPolicy(costs=costs))  # type: ignore[arg-type]


def test_calls_on_paths_of_their_own_cost_rounds_of_the_width() -> None:
    model = CostModel(round_trip=0.2, width=100, call_seconds=0.0)
    assert model.fan_out(0) == 0
    assert model.fan_out(100) == 0.2
    assert model.fan_out(101) == 0.4


def test_calls_on_one_path_are_paced_five_a_second_and_sixty_a_minute() -> None:
    model = CostModel(round_trip=0.2, call_seconds=0.0)
    assert model.one_path(1) == 0.2
    assert abs(model.one_path(6) - (5 * 0.22 + 0.2)) < 1e-9
    assert model.one_path(61) >= 60


def test_the_import_batch_follows_the_assumed_server_cost() -> None:
    assert WAN.import_batch(9800, 200) == 9800  # one request: round trips dominate
    slow = CostModel(round_trip=0.2, import_item_seconds=0.001)
    batch = slow.import_batch(9800, 200)
    assert 2000 <= batch < 9800  # several requests at once beat one long one
    assert WAN.import_batch(100_000, 2000) <= 20_000  # never past the largest batch
    assert WAN.import_batch(500, 10) == 2000


def test_two_invites_go_through_one_import_across_the_internet() -> None:
    """Two invites share POST /public/members (5 a second); one import is sooner."""
    plan = _plan(snapshot([user("u1"), user("u2")]), org(), WAN)
    invites = [a for a in plan.actions if isinstance(a, Invite)]
    assert len(invites) == 2
    assert all(i.via_import for i in invites)
    assert plan.writes.imported_members == 2


def test_one_invite_goes_alone_when_an_import_would_also_need_a_listing() -> None:
    current = org([member("u1")], [org_group("g1", "Eng", id="g-1")], {"g-1": []})
    snap = snapshot([user("u1"), user("u2")], [group("g1", "Eng", ["u2"])])
    plan = _plan(snap, current, WAN)
    (invite,) = [a for a in plan.actions if isinstance(a, Invite)]
    assert not invite.via_import
    assert invite.group_ids == ("g-1",)
    assert plan.writes.imported_members == 0
    assert "Import:" not in plan_table(plan)


def _org_with_groups(count: int, extra: dict[int, Member] | None = None) -> OrgSnapshot:
    """*count* synced groups g0.. with members u0.. (one each), plus hand-added members."""
    members = [member(f"u{i}", id=f"m-{i}") for i in range(count)]
    groups = [org_group(f"g{i}", f"G{i}", id=f"g-{i}") for i in range(count)]
    links = {f"g-{i}": [f"m-{i}"] for i in range(count)}
    for i, added in (extra or {}).items():
        members.append(added)
        links[f"g-{i}"].append(added.id)
    return org(members, groups, links)


def _moved(count: int) -> object:
    """Every user moves to the next group: each group's membership changes."""
    users = [user(f"u{i}") for i in range(count)]
    groups = [group(f"g{i}", f"G{i}", [f"u{(i + 1) % count}"]) for i in range(count)]
    return snapshot(users, groups)


def test_many_groups_memberships_ride_one_import_across_the_internet() -> None:
    plan = _plan(_moved(300), _org_with_groups(300), WAN)
    sets = [a for a in plan.actions if isinstance(a, SetGroupMembers)]
    assert len(sets) == 300
    assert all(s.via_import for s in sets)
    g0 = next(s for s in sets if s.group_external_id == "g0")
    assert g0.member_external_ids == ("u1",)
    assert plan.writes.memberships_imported == 300
    assert "300 existing groups' members" in plan_table(plan)
    assert plan_json(plan)["writes"]["memberships_imported"] == 300


def test_memberships_go_one_by_one_on_a_lan_with_a_slow_import() -> None:
    plan = _plan(_moved(300), _org_with_groups(300), LAN)
    sets = [a for a in plan.actions if isinstance(a, SetGroupMembers)]
    assert len(sets) == 300
    assert not any(s.via_import for s in sets)
    assert plan.writes.memberships_imported == 0


def test_a_group_with_a_hand_added_member_is_never_imported() -> None:
    """The import names members by externalId: one dirsync does not manage would be lost."""
    by_hand = member(None, email="temp@example.org", id="m-hand")
    plan = _plan(_moved(300), _org_with_groups(300, {7: by_hand}), WAN)
    sets = {a.group_external_id: a for a in plan.actions if isinstance(a, SetGroupMembers)}
    assert not sets["g7"].via_import
    assert "m-hand" in sets["g7"].member_ids
    assert sum(s.via_import for s in sets.values()) == 299
