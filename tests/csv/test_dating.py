"""Effective dating with an injected today: scheduled, leavers, rehires (issue 5)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dirsync.sources.csv_rows import effective_state
from tests.csv.exports import TODAY, by_id, read_text, render, row

D = date.fromisoformat
# TODAY is 2026-03-15.
CASES = [
    # status, start, end, enabled, scheduled, why
    ("Active", None, None, True, False, "no dates"),
    ("Active", "2020-01-06", None, True, False, "started long ago"),
    ("Active", "2026-03-15", None, True, False, "starts today"),
    ("Active", "2026-03-16", None, False, True, "starts tomorrow: scheduled"),
    ("Active", "2020-01-06", "2026-03-16", True, False, "leaves tomorrow: still here"),
    ("Active", "2020-01-06", "2026-03-15", False, False, "leaves today: a leaver"),
    ("Active", "2020-01-06", "2025-12-31", False, False, "left, status not yet updated"),
    ("Terminated", "2020-01-06", None, False, False, "inactive status"),
    ("Terminated", "2020-01-06", "2025-12-31", False, False, "inactive and left"),
    ("Active", "2026-01-05", "2025-12-31", True, False, "rehired after leaving"),
    ("Active", "2026-03-15", "2025-12-31", True, False, "rehired today"),
    ("Active", "2026-04-01", "2025-12-31", False, True, "rehire scheduled"),
    ("Terminated", "2026-01-05", "2025-12-31", False, False, "rehire but status inactive"),
    ("Active", "2026-04-01", "2026-12-31", False, True, "fixed term, not started"),
    ("Terminated", "2026-04-01", None, False, True, "pre-hire with an inactive status"),
]


@pytest.mark.parametrize(
    ("status", "start", "end", "enabled", "scheduled"),
    [case[:5] for case in CASES],
    ids=[case[5] for case in CASES],
)
def test_effective_state(
    status: str, start: str | None, end: str | None, enabled: bool, scheduled: bool
) -> None:
    state = effective_state(
        status == "Active", D(start) if start else None, D(end) if end else None, TODAY
    )
    assert state == (enabled, scheduled)


def test_the_table_through_the_reader(tmp_path: Path) -> None:
    rows = [
        row(f"E{n}", f"p{n}@example.com", status=status, hire=start or "", term=end or "")
        for n, (status, start, end, *_) in enumerate(CASES)
    ]
    # The table reads termination dates as the first day gone (csv.end_date_is).
    users = by_id(read_text(tmp_path, render(rows), end_date_is="first_day_gone"))
    for n, (*_, enabled, scheduled, why) in enumerate(CASES):
        user = users[f"E{n}"]
        assert (user.enabled, user.scheduled) == (enabled, scheduled), why


def test_the_same_export_on_different_days(tmp_path: Path) -> None:
    text = render(
        [
            row("NEW", "new@example.com", hire="2026-04-01"),
            row("GONE", "gone@example.com", term="2026-04-01"),
        ]
    )

    def states(day: str) -> dict[str, tuple[bool, bool]]:
        users = by_id(
            read_text(
                tmp_path, text, today=D(day), max_bad_rows_percent=100, end_date_is="first_day_gone"
            )
        )
        return {ext_id: (u.enabled, u.scheduled) for ext_id, u in users.items()}

    assert states("2026-03-31") == {"NEW": (False, True), "GONE": (True, False)}
    assert states("2026-04-01") == {"NEW": (True, False), "GONE": (False, False)}


@pytest.mark.parametrize("status", ["active", " ACTIVE ", "On Leave", "on leave"])
def test_active_values_ignore_case_and_spaces(tmp_path: Path, status: str) -> None:
    users = by_id(read_text(tmp_path, render([row("E1", "a@example.com", status=status)])))
    assert users["E1"].enabled


def test_without_status_or_date_columns_everyone_is_enabled(tmp_path: Path) -> None:
    text = render([row("E1", "a@example.com", status="Terminated", term="2001-01-01")])
    users = by_id(read_text(tmp_path, text, status="", start_date="", end_date=""))
    assert users["E1"].enabled
    assert not users["E1"].scheduled


def test_custom_date_format(tmp_path: Path) -> None:
    text = render([row("E1", "a@example.com", hire="01/06/2020", term="03/14/2026")])
    users = by_id(read_text(tmp_path, text, date_format="%m/%d/%Y"))
    assert not users["E1"].enabled
