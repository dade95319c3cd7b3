"""Helpers for the CSV source tests: realistic exports and the settings that read them."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path
from typing import Any

from dirsync.config import Settings
from dirsync.model import DirectorySnapshot, SourceUser
from dirsync.sources.csv import read_csv

TODAY = date(2026, 3, 15)
HEADER = [
    "Employee ID",
    "First Name",
    "Last Name",
    "Work Email",
    "Department",
    "Teams",
    "Status",
    "Hire Date",
    "Termination Date",
]


def csv_settings(path: str | Path, **overrides: Any) -> Settings:
    """Settings shaped like config/hr.toml, reading *path*."""
    csv: dict[str, Any] = {
        "path": str(path),
        "status": "Status",
        "active_values": ["Active", "On Leave"],
        "start_date": "Hire Date",
        "end_date": "Termination Date",
        "groups": [
            {"column": "Department", "template": "Dept - {value}"},
            {"column": "Teams", "separator": ";"},
        ],
    }
    csv.update(overrides)
    return Settings(source={"type": "csv"}, csv=csv)


def row(
    ext_id: str,
    email: str,
    *,
    first: str = "Ann",
    last: str = "Lee",
    dept: str = "Engineering",
    teams: str = "",
    status: str = "Active",
    hire: str = "2020-01-06",
    term: str = "",
) -> list[str]:
    return [ext_id, first, last, email, dept, teams, status, hire, term]


def people(count: int, start: int = 1) -> list[list[str]]:
    """*count* well-formed active rows."""
    return [row(f"E{n:05d}", f"person{n}@example.com") for n in range(start, start + count)]


def render(rows: list[list[str]], delimiter: str = ",", newline: str = "\n") -> str:
    """Rows as an exporter writes them: quoted only where needed."""
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows([HEADER, *rows])
    return out.getvalue()


def read_text(
    tmp_path: Path,
    text: str,
    *,
    encoding: str = "utf-8",
    today: date = TODAY,
    **overrides: Any,
) -> DirectorySnapshot:
    return read_bytes(tmp_path, text.encode(encoding), today=today, **overrides)


def read_bytes(
    tmp_path: Path, data: bytes, *, today: date = TODAY, **overrides: Any
) -> DirectorySnapshot:
    path = tmp_path / "export.csv"
    path.write_bytes(data)
    return read_csv(csv_settings(path, **overrides), today)


def by_id(snapshot: DirectorySnapshot) -> dict[str, SourceUser]:
    return {user.external_id: user for user in snapshot.users}


def members(snapshot: DirectorySnapshot) -> dict[str, set[str]]:
    return {group.external_id: set(group.member_ids) for group in snapshot.groups}
