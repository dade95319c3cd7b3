"""Executor: dependency failures, import failures, kept collections, outcome callbacks."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from dirsync.bitwarden.errors import BadRequest
from dirsync.bitwarden.imports import ImportGroup, ImportMember
from dirsync.bitwarden.models import Association, Group, MemberType
from dirsync.sync.apply import Executor, Outcome
from dirsync.sync.costs import CostModel
from dirsync.sync.plan import make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state import State
from tests.sync.builders import desired, group, member, org, snapshot, user
from tests.sync.memory_org import MemoryOrg

NOW = datetime(2026, 11, 1, tzinfo=UTC)


class NoEngGroup(MemoryOrg):
    def create_group(
        self, name: str, *, external_id: str | None, collections: list[Association] | None = None
    ) -> Group:
        if name == "Eng":
            raise BadRequest("POST /public/groups", 400, "This organization cannot use groups.")
        return super().create_group(name, external_id=external_id, collections=collections)


class NoImport(MemoryOrg):
    def import_org(
        self,
        members: list[ImportMember],
        groups: list[ImportGroup],
        *,
        invite: bool = True,
        batch_size: int = 2000,
    ) -> None:
        raise BadRequest("POST /public/organization/import", 400, "Seat limit has been reached.")


def test_a_failed_group_fails_only_what_needs_it() -> None:
    current = org([member("u1")])
    snap = snapshot([user("u1"), user("u2")], [group("g1", "Eng", ["u1", "u2"])])
    single_calls = PlanPolicy(costs=CostModel(import_item_seconds=1.0))
    plan = make_plan(desired(snap), current, State(), NOW, single_calls)
    heard: list[Outcome] = []
    outcomes = Executor(NoEngGroup(current), on_outcome=heard.append).apply(plan)
    assert heard == outcomes
    failed = {(o.action.kind, o.action.target()): o.error for o in outcomes if not o.ok}
    assert (
        failed.pop(("create-group", "Eng"))
        == "POST /public/groups: 400 This organization cannot use groups."
    )
    assert all("group g1 was not created" in (e or "") for e in failed.values())
    assert any(o.ok and o.action.kind == "invite" for o in outcomes)


def test_a_failed_import_fails_every_action_it_carried() -> None:
    snap = snapshot([user(f"u{i}") for i in range(5)], [group("g1", "Eng", ["u0"])])
    plan = make_plan(desired(snap), org(), State(), NOW, PlanPolicy())
    outcomes = Executor(NoImport(org())).apply(plan)
    carried = [o for o in outcomes if getattr(o.action, "via_import", False)]
    assert sorted(o.action.kind for o in carried) == ["create-group"] + ["invite"] * 5
    assert all("import: " in (o.error or "") and "Seat limit" in (o.error or "") for o in carried)
    assert all(not o.ok for o in carried)


def test_role_update_reads_collections_it_was_not_given() -> None:
    access = Association(id="c1", read_only=True)
    m = replace(member("u1"), collections=None)
    memory = MemoryOrg(org([m]))
    memory.members[m.id] = replace(m, collections=[access])
    snap = snapshot([user("u1")], [group("a", "admins", ["u1"])])
    want = desired(snap, roles=[{"group": "admins", "type": "admin"}])
    plan = make_plan(want, org([m]), State(), NOW, PlanPolicy())
    assert all(o.ok for o in Executor(memory).apply(plan))
    assert memory.members[m.id].type == MemberType.ADMIN
    assert memory.members[m.id].collections == [access]
