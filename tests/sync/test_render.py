"""Plan table/JSON and the run report's readable summary."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from dirsync.bitwarden.models import MemberType, Permissions
from dirsync.display import display_width, pad
from dirsync.sync.actions import Invite, Revoke, UpdateMember
from dirsync.sync.apply import Outcome
from dirsync.sync.plan import Plan
from dirsync.sync.render import action_json, plan_json, plan_table
from dirsync.sync.report import RunReport
from dirsync.sync.state import State

NOW = datetime(2026, 11, 1, tzinfo=UTC)
INVITE = Invite(
    "e1", "a@x.org", MemberType.CUSTOM, Permissions(manage_users=True), ("g",), (), False
)
UPDATE = UpdateMember("m1", "e2", "b@x.org", MemberType.ADMIN, None, None, MemberType.USER)
REVOKE = Revoke("m2", "e3", "c@x.org", "gone from the source", withheld=True)
PLAN = Plan((INVITE, UPDATE, REVOKE), ("a warning",), State(), 10, 0, "1 removals exceed 0")


def test_actions_as_json_use_names_not_numbers() -> None:
    data = action_json(INVITE)
    assert data["kind"] == "invite"
    assert data["type"] == "custom"
    assert data["permissions"]["manage_users"] is True
    assert json.loads(json.dumps(plan_json(PLAN)))["withheld"] == 1


def test_table_marks_withheld_removals_and_counts() -> None:
    table = plan_table(PLAN)
    assert "type user -> admin" in table
    assert "gone from the source [WITHHELD]" in table
    assert "Plan: 1 invite, 1 revoke, 1 update-member." in table
    assert (
        "Withheld: 1 removals (1 removals exceed 0); review the plan, then run "
        "`dirsync sync --allow-removals N`." in table
    )
    assert plan_table(Plan((), (), State(), 0, 0)).startswith("No changes")


def test_report_summary_names_failures_and_withheld() -> None:
    report = RunReport(
        command="sync",
        started=NOW,
        dry_run=False,
        plan=PLAN,
        outcomes=[Outcome(INVITE, ok=False, error="400 Seat limit"), Outcome(UPDATE, ok=True)],
        api={"total_calls": 7, "retries": 1, "rate_limited": 0},
        durations={"plan": 0.01},
    )
    text = report.summary()
    assert "sync: 3 planned, 1 applied, 1 failed." in text
    assert "FAILED invite a@x.org: 400 Seat limit" in text
    assert "WITHHELD 1 removals" in text
    assert "API: 7 calls, 1 retries, 0 rate-limited (429)." in text
    document = report.to_json()
    assert document["counts"] == {
        "planned": {"invite": 1, "update-member": 1, "revoke": 1},
        "ok": {"update-member": 1},
        "failed": {"invite": 1},
        "withheld": 1,
    }


def test_table_columns_line_up_with_wide_characters() -> None:
    wide = Invite("e4", "田中太郎@例え.jp", MemberType.USER, None, (), (), False)
    narrow = Invite("e5", "tanaka@x.org", MemberType.USER, None, (), (), False)
    lines = plan_table(Plan((wide, narrow), (), State(), 0, 0)).splitlines()
    detail_column = {display_width(line.split("invite, ")[0]) for line in lines[1:3]}
    assert len(detail_column) == 1, lines


def test_display_width_counts_terminal_columns() -> None:
    assert display_width("abc") == 3
    assert display_width("田中") == 4
    assert display_width("e\u0301") == 1
    assert pad("田", 4) == "田  "
