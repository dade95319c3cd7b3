"""`dirsync events` end to end: the console script over real HTTP against the served emulator.

A sync and manual changes produce events; overlapping runs export each once; kill -9
mid-backfill then a second run leaves no gap and no duplicate; 10,000 events backfill
under the (scaled) cloud limit with progress on a terminal.
"""

from __future__ import annotations

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from dirsync.bitwarden.models import Event
from dirsync.events.reader import event_key
from tests.e2e.harness import Harness, csv_source, toml
from tests.fixtures.emulator import ServedEmulator

SCALE = 30.0
"""Emulator --time-scale and the client's DIRSYNC_RATE_LIMIT_SCALE: a minute lasts 2 s."""
GETS_PER_MINUTE = 200
HEADER = "Employee ID,First Name,Last Name,Work Email,Department,Status\n"


def _config(emulator: ServedEmulator, workdir: Path, rate_limit: str = "off") -> Path:
    document: dict[str, dict[str, Any]] = {
        "bitwarden": {
            "api_url": emulator.api_url,
            "identity_url": emulator.identity_url,
            "client_id": emulator.client_id,
            "client_secret": emulator.client_secret,
            "rate_limit": rate_limit,
        },
        "source": {"type": "csv"},
        "csv": {"path": str(workdir / "hr.csv")},
        "sync": {"state_dir": str(workdir / "state")},
        "events": {"file": str(workdir / "events.jsonl"), "overlap_minutes": 30},
    }
    path = workdir / "events.toml"
    path.write_text(toml(document), encoding="utf-8")
    return path


def _env(**extra: str) -> dict[str, str]:
    return {**os.environ, **extra}


def _events_cli(config: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dirsync", "--config", str(config), "events", *args],
        capture_output=True,
        text=True,
        env=_env(**env),
        timeout=120,
        check=False,
    )


def _keys(emulator: ServedEmulator) -> set[str]:
    return {event_key(Event.model_validate(e)) for e in emulator.state()["events"]}


def _exported(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def _once(path: Path) -> Counter[str]:
    return Counter(e["eventKey"] for e in _exported(path))


def test_sync_and_manual_changes_exported_once_across_overlapping_runs(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    export = tmp_path / "hr.csv"
    export.write_text(
        HEADER + "E1,Ann,Lee,ann@example.com,Sales,Active\nE2,Ben,Ode,ben@example.com,Ops,Active\n"
    )
    h = Harness(emulator, tmp_path, csv_source(export, groups=[{"column": "Department"}]))
    assert h.sync_json()[0] == 0
    config = _config(emulator, tmp_path)
    first = _events_cli(config)
    assert first.returncode == 0, first.stderr
    assert {e["type"] for e in _exported(tmp_path / "events.jsonl")} >= {1500, 1400}

    # Manual changes: an offboarding with its ticket listing, a restore, ann confirmed by
    # an admin, and an owner's change in the web vault (acting user known to the org).
    members = h.members()
    ben = members["ben@example.com"]
    offboard = h.run("offboard", "ben@example.com", "--events", "30d")
    assert offboard.exit_code == 0, offboard.output
    assert "revoked" in offboard.output.splitlines()[0]
    assert "OrganizationUser_Invited  member ben@example.com" in offboard.output
    assert "OrganizationUser_Revoked  member ben@example.com" in offboard.output
    assert "ann@example.com" not in offboard.output
    assert h.run("restore", "ben@example.com").exit_code == 0
    ann = members["ann@example.com"]
    assert emulator.control("POST", f"members/{ann['id']}/accept").status_code == 200
    assert emulator.control("POST", f"members/{ann['id']}/confirm").status_code == 200
    owner = members["owner@example.com"]
    by_owner = {"type": 1502, "date": datetime.now(UTC).isoformat(), "memberId": ann["id"],
                "actingUserId": owner["userId"], "ipAddress": "192.0.2.7"}  # fmt: skip
    assert emulator.control("POST", "events", [by_owner]).status_code == 200

    second = _events_cli(config)  # reads again the 30 minutes before its cursor
    assert second.returncode == 0, second.stderr
    third = _events_cli(config)
    assert third.returncode == 0, third.stderr
    exported = _exported(tmp_path / "events.jsonl")
    written = Counter(e["eventKey"] for e in exported)
    assert set(written) == _keys(emulator)
    assert max(written.values()) == 1
    names = {(e["typeName"], e["memberEmail"]) for e in exported}
    assert {
        ("OrganizationUser_Revoked", "ben@example.com"),
        ("OrganizationUser_Restored", "ben@example.com"),
        ("OrganizationUser_Confirmed", "ann@example.com"),
    } <= names
    (manual,) = [e for e in exported if e["actingUserId"]]
    assert (manual["actingUserEmail"], manual["memberEmail"]) == (
        "owner@example.com",
        "ann@example.com",
    )
    assert ben["id"] in {e["memberId"] for e in exported}

    # A one-off read goes to standard output and leaves the cursor alone.
    cursor = (tmp_path / "state" / "events" / "cursor.json").read_bytes()
    once = _events_cli(config, "--since", "30d", "--member", "ben@example.com")
    assert once.returncode == 0, once.stderr
    ben_lines = [json.loads(line) for line in once.stdout.splitlines()]
    assert [e["typeName"] for e in ben_lines] == [
        "OrganizationUser_Invited",
        "OrganizationUser_Revoked",
        "OrganizationUser_Restored",
    ]
    assert (tmp_path / "state" / "events" / "cursor.json").read_bytes() == cursor
    assert _once(tmp_path / "events.jsonl") == written

    bad = h.run("offboard", "ann@example.com", "--events", "last week")
    assert bad.exit_code == 2
    assert h.members()["ann@example.com"]["status"] == 2  # refused before any change
    ticket = h.run("offboard", "ann@example.com", "--events", "1h", "--format", "json")
    assert ticket.exit_code == 0, ticket.output
    document = json.loads(ticket.stdout)
    assert document["action"] == "revoked"
    assert [e["typeName"] for e in document["events"]][-3:] == [
        "OrganizationUser_Confirmed",
        "OrganizationUser_Updated",
        "OrganizationUser_Revoked",
    ]


def _many(count: int, days: float) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    step = timedelta(days=days) / count
    return [
        {"type": 1500 + i % 5, "date": (now - (i + 1) * step).isoformat()} for i in range(count)
    ]


def _gets(emulator: ServedEmulator) -> list[dict[str, Any]]:
    return [
        r for r in emulator.requests() if r["method"] == "GET" and r["path"].endswith("/events")
    ]


def _run_on_a_terminal(config: Path) -> tuple[int, str, float]:
    """Run `dirsync events` with standard error on a pseudo-terminal: (exit, stderr, secs)."""
    master, slave = pty.openpty()
    chunks: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                return
            if not data:
                return
            chunks.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    started = time.monotonic()
    process = subprocess.Popen(
        [sys.executable, "-m", "dirsync", "--config", str(config), "events"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=slave,
        env=_env(DIRSYNC_RATE_LIMIT_SCALE=str(SCALE)),
    )
    os.close(slave)
    code = process.wait(timeout=120)
    elapsed = time.monotonic() - started
    reader.join(timeout=10)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace"), elapsed


def test_ten_thousand_events_backfill_under_the_cloud_limit_with_progress(
    emulator_factory: Any, tmp_path: Path
) -> None:
    emulator = emulator_factory(seed={"events": _many(10_000, 20)}, rate_limit="cloud",
                                time_scale=SCALE)  # fmt: skip
    config = _config(emulator, tmp_path, rate_limit="cloud")
    code, terminal, elapsed = _run_on_a_terminal(config)
    assert code == 0, terminal
    written = _once(tmp_path / "events.jsonl")
    assert len(written) == 10_000
    assert max(written.values()) == 1
    gets = _gets(emulator)
    assert [r for r in emulator.requests() if r["status"] == 429] == []
    assert len(gets) > GETS_PER_MINUTE  # more pages than one minute's budget
    # The emulator enforces contract §4 (its 429s are the verdict); the busiest window
    # is measured in tests/benchmarks/bench_events.py, not timed here.
    assert elapsed >= 60 / SCALE  # it had to wait for a second window
    progress = [part for part in terminal.split("\r") if "reading events up to" in part]
    assert len(progress) >= 100
    assert "10000 read" in progress[-1]
    print(f"\n10,000 events: {len(gets)} pages in {elapsed:.1f} s at time scale {SCALE}")


def _kill_once_it_writes(config: Path, output: Path) -> int:
    """Start `dirsync events`, kill -9 it as soon as the output grows; the lines then."""
    size = output.stat().st_size if output.exists() else 0
    process = subprocess.Popen(
        [sys.executable, "-m", "dirsync", "--config", str(config), "events"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=_env(DIRSYNC_RATE_LIMIT_SCALE=str(SCALE)),
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (output.exists() and output.stat().st_size > size):
        time.sleep(0.005)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL  # killed, not finished
    return sum(1 for _ in output.open(encoding="utf-8"))


def test_kill_9_mid_backfill_then_resume_no_gap_no_duplicate(
    emulator_factory: Any, tmp_path: Path
) -> None:
    emulator = emulator_factory(seed={"events": _many(10_000, 20)}, rate_limit="cloud",
                                time_scale=SCALE)  # fmt: skip
    config = _config(emulator, tmp_path, rate_limit="cloud")
    output = tmp_path / "events.jsonl"
    first = _kill_once_it_writes(config, output)
    second = _kill_once_it_writes(config, output)  # a resumed run, killed again
    assert 0 < first < second < 10_000
    again = _events_cli(config, DIRSYNC_RATE_LIMIT_SCALE=str(SCALE))
    assert again.returncode == 0, again.stderr
    written = _once(output)
    assert set(written) == _keys(emulator)
    assert len(written) == 10_000
    assert max(written.values()) == 1
