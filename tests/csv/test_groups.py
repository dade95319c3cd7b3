"""Groups from columns: stable external ids, names from templates, the sync selection."""

from __future__ import annotations

from pathlib import Path

from dirsync.config import Settings
from dirsync.sources.csv import read_csv
from tests.csv.exports import TODAY, by_id, csv_settings, members, read_text, render, row

ROWS = [
    row("E1", "a@example.com", dept="Engineering", teams="Platform;On-call"),
    row("E2", "b@example.com", dept="Sales", teams="EMEA"),
    row("E3", "c@example.com", dept="Engineering", teams="On-call"),
    row("E4", "d@example.com", dept="", teams=""),
    row("E5", "e@example.com", dept="Engineering", status="Terminated"),
    row("E6", "f@example.com", dept="Engineering", hire="2099-01-01"),
]


def test_group_ids_do_not_depend_on_row_order(tmp_path: Path) -> None:
    forward = read_text(tmp_path, render(ROWS))
    backward = read_text(tmp_path, render(ROWS[::-1]))
    assert forward.groups == backward.groups
    assert [g.external_id for g in forward.groups] == [
        "csv:Department:Engineering",
        "csv:Department:Sales",
        "csv:Teams:EMEA",
        "csv:Teams:On-call",
        "csv:Teams:Platform",
    ]


def test_members_and_names(tmp_path: Path) -> None:
    snapshot = read_text(tmp_path, render(ROWS))
    # Leavers and scheduled people keep their groups: the planner decides what they get.
    assert members(snapshot) == {
        "csv:Department:Engineering": {"E1", "E3", "E5", "E6"},
        "csv:Department:Sales": {"E2"},
        "csv:Teams:EMEA": {"E2"},
        "csv:Teams:On-call": {"E1", "E3"},
        "csv:Teams:Platform": {"E1"},
    }
    names = {g.external_id: g.name for g in snapshot.groups}
    assert names["csv:Department:Sales"] == "Dept - Sales"
    assert names["csv:Teams:EMEA"] == "EMEA"


def test_people_in_no_group_still_appear(tmp_path: Path) -> None:
    snapshot = read_text(tmp_path, render(ROWS))
    assert by_id(snapshot)["E4"].enabled
    assert all("E4" not in g.member_ids for g in snapshot.groups)


def test_cell_whitespace_does_not_make_new_groups(tmp_path: Path) -> None:
    rows = [
        row("E1", "a@example.com", dept=" Customer   Success ", teams="EMEA ;; APAC;"),
        row("E2", "b@example.com", dept="Customer Success", teams=" APAC"),
    ]
    assert members(read_text(tmp_path, render(rows))) == {
        "csv:Department:Customer Success": {"E1", "E2"},
        "csv:Teams:APAC": {"E1", "E2"},
        "csv:Teams:EMEA": {"E1"},
    }


def test_template_braces_and_odd_values(tmp_path: Path) -> None:
    rows = [row("E1", "a@example.com", dept="R&D: {Lab}")]
    groups = [{"column": "Department", "template": "{{dept}} {value} (HR)"}]
    [group] = read_text(tmp_path, render(rows), groups=groups).groups
    assert group.external_id == "csv:Department:R&D: {Lab}"
    assert group.name == "{dept} R&D: {Lab} (HR)"


def test_sync_selection_filters_groups_by_name(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(render(ROWS), encoding="utf-8")
    base = csv_settings(path)
    settings = Settings(
        source=base.source,
        csv=base.csv,
        sync={"groups_include": ["dept - *", "on-*"], "groups_exclude": ["*sales"]},
    )
    snapshot = read_csv(settings, TODAY)
    assert [g.external_id for g in snapshot.groups] == [
        "csv:Department:Engineering",
        "csv:Teams:On-call",
    ]
    assert len(snapshot.users) == len(ROWS)


def test_no_group_columns_configured(tmp_path: Path) -> None:
    snapshot = read_text(tmp_path, render(ROWS), groups=[])
    assert snapshot.groups == ()
    assert len(snapshot.users) == len(ROWS)
