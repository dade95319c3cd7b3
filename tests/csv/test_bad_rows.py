"""A bad row is reported with line, column and reason, then skipped; the rest goes on.

Its external id, when known, lands in uncertain_ids so the planner never takes it for a leaver.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dirsync.model import DirectorySnapshot
from tests.csv.exports import by_id, members, people, read_text, render, row

GOOD = people(40, start=100)
"""Enough good rows that one or two bad ones stay under the 5% limit."""


def read_with(tmp_path: Path, *bad_rows: list[str]) -> DirectorySnapshot:
    """The bad rows come first, so they sit on lines 2, 3, ..."""
    return read_text(tmp_path, render([*bad_rows, *GOOD]))


def warnings_of(snapshot: DirectorySnapshot) -> list[tuple[str, str, str | None]]:
    return [(w.where, w.message, w.external_id) for w in snapshot.warnings]


def assert_good_rows_synced(snapshot: DirectorySnapshot) -> None:
    assert {f"E{n:05d}" for n in range(100, 140)} <= set(by_id(snapshot))


@pytest.mark.parametrize(
    ("bad", "column", "message"),
    [
        (row("E1", ""), "Work Email", "missing email"),
        (row("E1", "   "), "Work Email", "missing email"),
        (row("E1", "Ann Lee <ann@example.com>"), "Work Email", "invalid email"),
        (row("E1", "ann@example"), "Work Email", "invalid email 'ann@example'"),
        (row("E1", "ann@exa mple.com"), "Work Email", "invalid email"),
        (
            row("E1", "a@example.com", hire="03/01/2020"),
            "Hire Date",
            "unparseable date '03/01/2020'",
        ),
        (row("E1", "a@example.com", term="2026-02-30"), "Termination Date", "unparseable date"),
    ],
)
def test_bad_value_is_reported_and_the_id_is_uncertain(
    tmp_path: Path, bad: list[str], column: str, message: str
) -> None:
    snapshot = read_with(tmp_path, bad)
    assert "E1" not in by_id(snapshot)
    [(where, text, ext_id)] = warnings_of(snapshot)
    assert where == f"line 2, column {column!r}"
    assert text.startswith(message)
    assert ext_id == "E1"
    assert snapshot.uncertain_ids == {"E1"}
    assert_good_rows_synced(snapshot)


def test_missing_external_id_is_reported_without_an_id(tmp_path: Path) -> None:
    snapshot = read_with(tmp_path, row("  ", "ann@example.com"))
    assert warnings_of(snapshot) == [("line 2, column 'Employee ID'", "missing external id", None)]
    assert snapshot.uncertain_ids == frozenset()
    assert "ann@example.com" not in {u.email for u in snapshot.users}
    assert_good_rows_synced(snapshot)


@pytest.mark.parametrize("extra", [["surplus"], []])
def test_wrong_field_count_is_a_bad_row(tmp_path: Path, extra: list[str]) -> None:
    bad = row("E1", "ann@example.com")
    bad = [*bad, *extra] if extra else bad[:-2]
    snapshot = read_with(tmp_path, bad)
    [(where, text, ext_id)] = warnings_of(snapshot)
    assert where == "line 2"
    assert text == f"has {len(bad)} fields, the header has 9"
    assert ext_id == "E1"
    assert "E1" not in by_id(snapshot)
    assert_good_rows_synced(snapshot)


def test_duplicate_external_id_reports_both_rows_and_syncs_neither(tmp_path: Path) -> None:
    snapshot = read_with(tmp_path, row("E1", "ann@example.com"), row("E1", "bo@example.com"))
    assert warnings_of(snapshot) == [
        ("line 2, column 'Employee ID'", "duplicate external id 'E1' (again on line 3)", "E1"),
        ("line 3, column 'Employee ID'", "duplicate external id 'E1' (first on line 2)", "E1"),
    ]
    assert "E1" not in by_id(snapshot)
    assert snapshot.uncertain_ids == {"E1"}


def test_a_bad_row_with_a_known_id_also_voids_its_good_twin(tmp_path: Path) -> None:
    snapshot = read_with(tmp_path, row("E1", "ann@example.com"), row("E1", "broken"))
    assert [w.where for w in snapshot.warnings] == [
        "line 2, column 'Employee ID'",
        "line 3, column 'Work Email'",
    ]
    assert "E1" not in by_id(snapshot)
    assert snapshot.uncertain_ids == {"E1"}


def test_duplicate_email_on_two_active_rows_syncs_neither(tmp_path: Path) -> None:
    snapshot = read_with(
        tmp_path, row("E1", "Ann@Example.com"), row("E2", " ann@example.com", hire="2099-01-01")
    )
    assert warnings_of(snapshot) == [
        (
            "line 2, column 'Work Email'",
            "email 'ann@example.com' is also on active line(s) 3; not synced",
            "E1",
        ),
        (
            "line 3, column 'Work Email'",
            "email 'ann@example.com' is also on active line(s) 2; not synced",
            "E2",
        ),
    ]
    assert not {"E1", "E2"} & set(by_id(snapshot))
    assert snapshot.uncertain_ids == {"E1", "E2"}


def test_inactive_row_yields_its_email_to_the_active_one(tmp_path: Path) -> None:
    old = row("E1", "ann@example.com", status="Terminated", term="2024-05-31")
    new = row("E2", "ann@example.com", hire="2025-02-03")
    snapshot = read_with(tmp_path, old, new)
    assert warnings_of(snapshot) == [
        (
            "line 2, column 'Work Email'",
            "inactive row; its email 'ann@example.com' belongs to line(s) 3",
            "E1",
        )
    ]
    assert by_id(snapshot)["E2"].enabled
    assert "E1" not in by_id(snapshot)
    # E1's member is E2's person: it must not be revoked as a leaver.
    assert snapshot.uncertain_ids == {"E1"}


def test_two_inactive_rows_may_share_an_email(tmp_path: Path) -> None:
    first = row("E1", "ann@example.com", status="Terminated")
    second = row("E2", "ann@example.com", hire="2019-01-07", term="2020-01-01")
    snapshot = read_with(tmp_path, first, second)
    users = by_id(snapshot)
    assert not users["E1"].enabled
    assert not users["E2"].enabled
    assert snapshot.warnings == ()


def test_groups_named_only_by_bad_rows_still_appear(tmp_path: Path) -> None:
    snapshot = read_with(tmp_path, row("E1", "broken", dept="Legal", teams="Contracts"))
    groups = members(snapshot)
    assert groups["csv:Department:Legal"] == set()
    assert groups["csv:Teams:Contracts"] == set()


def test_warnings_come_in_line_order(tmp_path: Path) -> None:
    bad = [row("E1", "a@example.com"), row("E2", "bad"), row("E1", "b@example.com")]
    snapshot = read_text(tmp_path, render([*bad, *GOOD]), max_bad_rows_percent=10)
    lines = [int(w.where.split(",")[0].removeprefix("line ")) for w in snapshot.warnings]
    assert lines == [2, 3, 4]
