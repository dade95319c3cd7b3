"""`dirsync demo`: the README's main job, in-process (the README test runs it installed).

The clock is fixed through DIRSYNC_NOW so the example export's scheduled hires (2030) and
leavers (2025) stay what they are whenever the test runs.
"""

from __future__ import annotations

import re
import sys
import threading

import pytest
from click.testing import CliRunner, Result

import dirsync
from dirsync.cli.main import main

NOW = {"DIRSYNC_NOW": "2026-06-01T02:00:00+00:00"}
RUN_1 = "== dirsync sync: the plan, then what was applied"
RUN_2 = "== dirsync sync, again: nothing left to do"


def _demo() -> Result:
    return CliRunner().invoke(main, ["--log-format", "text", "demo"], env=NOW)


def _rows(section: str, kind: str) -> list[list[str]]:
    return [line.split(None, 2) for line in section.splitlines() if line.startswith(kind + " ")]


def test_demo_plans_applies_then_plans_nothing() -> None:
    result = _demo()
    assert result.exit_code == 0, result.output
    intro, rest = result.stdout.split(RUN_1)
    first, second = rest.split(RUN_2)

    assert re.search(r"emulated at http://127\.0\.0\.1:\d+ by this process", intro)
    assert "as of 2026-06-01: 36 people, 32 active, 2 leavers, 2 scheduled" in intro
    assert "Scheduled (invited on their start date, not now): julia.santos@example.com, " in intro

    assert _rows(first, "adopt") == [
        ["adopt", "felix.wagner@example.com", "set externalId E1030, type admin"]
    ]
    assert _rows(first, "revoke") == [
        ["revoke", "thomas.reid@example.com", "disabled in the source"]
    ]
    invited = {row[1] for row in _rows(first, "invite")}
    assert len(invited) == 22
    assert not invited & {"julia.santos@example.com", "kai.mueller@example.com"}, "scheduled"
    assert "maya.costa@example.com" not in invited, "a leaver is never invited"
    assert "Plan: 1 adopt, 35 create-group, 22 invite, 1 revoke, 1 update-member." in first
    assert "sync: 60 planned, 60 applied, 0 failed." in first
    assert (
        "Organization now: 34 members (11 confirmed, 22 invited, 1 revoked); 36 groups, "
        "35 from the HR export and 1 by hand (Auditors)." in first
    )

    assert "No changes: the organization matches the source." in second
    assert "sync: 0 planned, 0 applied, 0 failed." in second
    assert second.rstrip().endswith("against your own configuration.")


def test_demo_stops_its_emulator() -> None:
    assert _demo().exit_code == 0
    assert not [t for t in threading.enumerate() if t.name == "demo-emulator"]


def test_demo_without_the_emulator_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """The demo's own answer when uvicorn cannot be imported. (Today the whole CLI fails
    earlier without the extra: dirsync/cli/emulator.py imports uvicorn at load time.)"""
    monkeypatch.delitem(sys.modules, "dirsync.demo", raising=False)
    monkeypatch.delattr(dirsync, "demo", raising=False)
    monkeypatch.setitem(sys.modules, "uvicorn", None)
    result = _demo()
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "dirsync: error: dirsync demo needs the emulator extra (uvicorn is missing): "
        "pip install -e '.[emulator]'"
    )


def test_help_shows_examples() -> None:
    for command in ("demo", "check"):
        result = CliRunner().invoke(main, [command, "--help"])
        assert result.exit_code == 0
        assert f"  Examples:\n    dirsync {command}\n" in result.stdout
