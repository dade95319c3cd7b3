"""`dirsync source` on the shipped example export and config (config/hr.toml)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from dirsync.cli.main import main
from tests.csv.exports import render, row

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def from_the_repository_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """hr.toml names the export relative to the repository root, as the demo runs it."""
    monkeypatch.chdir(ROOT)
    for name in list(os.environ):
        if name.upper().startswith("DIRSYNC_"):
            monkeypatch.delenv(name)


def run(*args: str, env: dict[str, str] | None = None, stdin: bytes | None = None) -> Result:
    return CliRunner().invoke(
        main, ["--config", "config/hr.toml", "source", *args], env=env, input=stdin
    )


def test_json_on_the_example() -> None:
    result = run("--format", "json", "--today", "2026-11-29")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    users = {u["external_id"]: u for u in document["users"]}
    assert document["source"] == "csv"
    assert document["today"] == "2026-11-29"
    assert len(users) == 36
    assert users["E1002"]["email"] == "noah.okafor@example.com"
    assert users["E1014"]["name"] == "Samuel Lee, Jr."
    assert (users["E1032"]["enabled"], users["E1032"]["scheduled"]) == (False, False)  # leaver
    assert (users["E1033"]["enabled"], users["E1033"]["scheduled"]) == (False, False)  # by date
    assert (users["E1034"]["enabled"], users["E1034"]["scheduled"]) == (True, False)  # rehire
    assert (users["E1035"]["enabled"], users["E1035"]["scheduled"]) == (False, True)  # future
    assert document["scheduled"] == ["E1035", "E1036"]
    groups = {g["external_id"]: g for g in document["groups"]}
    assert groups["csv:Department:IT"] == {
        "external_id": "csv:Department:IT",
        "name": "Dept - IT",
        "member_ids": ["E1030", "E1031"],
    }
    assert "E1002" in groups["csv:Teams:On-call"]["member_ids"]
    assert document["warnings"] == []
    assert document["uncertain_ids"] == []


def test_table_on_the_example() -> None:
    result = run("--today", "2026-11-29")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "source csv as of 2026-11-29: 36 users (32 enabled, 2 disabled, 2 scheduled), "
        "35 groups, 0 warnings"
    )
    assert any(
        line.split() == ["E1032", "thomas.reid@example.com", "Thomas", "Reid", "disabled"]
        for line in lines
    )
    assert "Scheduled (not invited yet): 2" in lines
    assert "  E1035  julia.santos@example.com" in lines
    assert lines[-1] == "Warnings: 0"


def test_today_moves_the_effective_dates() -> None:
    result = run("--format", "json", "--today", "2030-06-01")
    users = {u["external_id"]: u for u in json.loads(result.stdout)["users"]}
    assert users["E1035"]["enabled"]
    assert not users["E1035"]["scheduled"]


def test_stdin_with_warnings() -> None:
    rows = [row(f"E{n}", f"p{n}@example.com") for n in range(30)] + [row("E99", "nope")]
    env = {"DIRSYNC_CSV__PATH": "-", "DIRSYNC_CSV__GROUPS": "[]"}
    result = run(env=env, stdin=render(rows).encode())
    assert result.exit_code == 0, result.output
    assert "Warnings: 1" in result.stdout
    assert "  line 32, column 'Work Email': invalid email 'nope'" in result.stdout
    assert "Uncertain (never treated as leavers): E99" in result.stdout


def test_a_broken_export_exits_1_with_one_line(tmp_path: Path) -> None:
    result = run(env={"DIRSYNC_CSV__PATH": str(tmp_path / "missing.csv")})
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("dirsync: error: csv source: cannot read CSV file ")
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_configuration_mistake_exits_1(tmp_path: Path) -> None:
    result = run(env={"DIRSYNC_CSV__ENCODING": "klingon"})
    assert result.exit_code == 1
    assert "csv.encoding: unknown encoding 'klingon'" in result.stderr


def test_bad_today_is_a_usage_error() -> None:
    assert run("--today", "29.11.2026").exit_code == 2
