"""HR timing done right (issue 13): the last day worked ends at midnight in the org's (or
the row's) IANA time zone, not at UTC midnight; pre-hires are invited N days ahead; several
date formats per column; scoping rows in and out. The clock is injected."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dirsync.config import ConfigError
from dirsync.config_sources import load_settings
from tests.csv.exports import by_id, read_text, render, row


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


def _state(tmp_path: Path, rows: list[list[str]], now: datetime, **csv: object) -> dict:
    users = by_id(read_text(tmp_path, render(rows), today=now, **csv))
    return {ext: (u.enabled, u.scheduled) for ext, u in users.items()}


# Auckland in March: NZDT, UTC+13. The last day worked, the 15th, ends at 11:00 UTC.
@pytest.mark.parametrize(
    ("instant", "enabled"),
    [
        ("2026-03-15T10:59:59+00:00", True),  # 23:59:59 on the 15th in Auckland
        ("2026-03-15T11:00:00+00:00", False),  # 00:00 on the 16th in Auckland
    ],
)
def test_the_last_day_ends_at_midnight_in_auckland(
    tmp_path: Path, instant: str, enabled: bool
) -> None:
    rows = [row("E1", "a@example.com", term="2026-03-15")]
    state = _state(tmp_path, rows, at(instant), timezone="Pacific/Auckland")
    assert state["E1"] == (enabled, False)


# Los Angeles in March 2026 (after the 8th): PDT, UTC-7. The 15th ends at 07:00 UTC on the
# 16th, while UTC's date has been the 16th for seven hours already.
@pytest.mark.parametrize(
    ("instant", "last_day", "first_day_gone"),
    [
        ("2026-03-16T06:59:59+00:00", True, False),  # still the 15th in Los Angeles
        ("2026-03-16T07:00:00+00:00", False, False),  # the 16th there
        ("2026-03-15T06:59:59+00:00", True, True),  # the 14th there
        ("2026-03-15T07:00:00+00:00", True, False),  # the 15th there
    ],
)
def test_last_day_or_first_day_gone_in_los_angeles(
    tmp_path: Path, instant: str, last_day: bool, first_day_gone: bool
) -> None:
    rows = [row("E1", "a@example.com", term="2026-03-15")]
    zone = "America/Los_Angeles"
    now = at(instant)
    assert _state(tmp_path, rows, now, timezone=zone)["E1"][0] is last_day
    gone = _state(tmp_path, rows, now, timezone=zone, end_date_is="first_day_gone")
    assert gone["E1"][0] is first_day_gone


def test_each_row_can_carry_its_zone(tmp_path: Path) -> None:
    text = (
        "Employee ID,Work Email,Termination Date,Zone\n"
        "E1,a@example.com,2026-03-15,Pacific/Auckland\n"
        "E2,b@example.com,2026-03-15,America/Los_Angeles\n"
        "E3,c@example.com,2026-03-15,\n"
        "E4,d@example.com,2026-03-15,Mars/Olympus\n"
    )
    snapshot = read_text(
        tmp_path,
        text,
        today=at("2026-03-15T12:00:00+00:00"),
        status="",
        start_date="",
        name="",
        groups=[],
        timezone="Europe/Berlin",
        timezone_column="Zone",
        max_bad_rows_percent=100,
    )
    users = by_id(snapshot)
    # 01:00 on the 16th in Auckland; 05:00 on the 15th in LA; 13:00 on the 15th in Berlin.
    assert {ext: u.enabled for ext, u in users.items()} == {"E1": False, "E2": True, "E3": True}
    (warning,) = snapshot.warnings
    assert "unknown time zone 'Mars/Olympus'" in warning.message
    assert "E4" in snapshot.uncertain_ids


def test_a_pre_hire_is_invited_n_days_before_the_start(tmp_path: Path) -> None:
    rows = [row("E1", "a@example.com", hire="2026-03-20")]
    zone = {"timezone": "Europe/Berlin", "invite_days_before_start": 5}
    # 2026-03-14 23:30 in Berlin: six days ahead, still scheduled.
    assert _state(tmp_path, rows, at("2026-03-14T22:30:00+00:00"), **zone)["E1"] == (False, True)
    # 2026-03-15 00:30 in Berlin: five days ahead, invited.
    assert _state(tmp_path, rows, at("2026-03-14T23:30:00+00:00"), **zone)["E1"] == (True, False)
    # Without the lead time, not before the start date.
    now = at("2026-03-19T23:30:00+00:00")
    assert _state(tmp_path, rows, now, timezone="Europe/Berlin")["E1"] == (True, False)
    assert _state(tmp_path, rows, at("2026-03-19T22:30:00+00:00"))["E1"] == (False, True)


def test_several_date_formats_and_no_date_values(tmp_path: Path) -> None:
    rows = [
        row("E1", "a@example.com", hire="2020-01-06", term="0000-00-00"),
        row("E2", "b@example.com", hire="01/06/2020", term="03/01/2026"),
        row("E3", "c@example.com", hire="6 Jan 2020"),
    ]
    snapshot = read_text(
        tmp_path,
        render(rows),
        today=at("2026-03-15T12:00:00+00:00"),
        date_format=["%Y-%m-%d", "%m/%d/%Y"],
        max_bad_rows_percent=100,
    )
    users = by_id(snapshot)
    assert (users["E1"].enabled, users["E2"].enabled) == (True, False)
    (warning,) = snapshot.warnings
    assert "unparseable date '6 Jan 2020' (expected '%Y-%m-%d' or '%m/%d/%Y')" in warning.message


def test_scope_includes_and_excludes_rows(tmp_path: Path) -> None:
    rows = [
        row("E1", "a@example.com", dept="Engineering", status="Active"),
        row("E2", "b@example.com", dept="Contractors", status="Active"),
        row("E3", "c@example.com", dept="Sales", status="On Leave"),
    ]
    scope = {"include": {"Status": ["active"]}, "exclude": {"Department": ["Contractors"]}}
    users = by_id(read_text(tmp_path, render(rows), scope=scope))
    assert set(users) == {"E1"}


def test_a_zone_that_does_not_exist_is_a_configuration_error(tmp_path: Path) -> None:
    config = tmp_path / "dirsync.toml"
    config.write_text(
        '[source]\ntype = "csv"\n[csv]\npath = "x.csv"\ntimezone = "Europe/Nowhere"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"csv.timezone: 'Europe/Nowhere' is not an IANA"):
        load_settings(config)
