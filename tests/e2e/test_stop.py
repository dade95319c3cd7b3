"""SIGINT / SIGTERM mid-apply: the calls in flight finish, every answered write is audited,
the state file and the report are saved, one line is printed, and the exit code says which.

The real CLI runs as a subprocess against the served emulator; revocations answer slowly
(latency on POST), so the signal lands while writes are in flight and others are queued.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dirsync.sync.state_file import load_state
from tests.e2e.harness import Harness, csv_source
from tests.fixtures.emulator import ServedEmulator

HEADER = "Employee ID,First Name,Last Name,Work Email\n"
PEOPLE = 40
STAYING = 10


def _export(path: Path, count: int) -> None:
    rows = [f"E{i},F{i},L{i},p{i}@example.com\n" for i in range(count)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


def _revoked_ids(emulator: ServedEmulator) -> set[str]:
    return {m["id"] for m in emulator.state()["members"] if m["status"] == -1}


def _revokes_answered(emulator: ServedEmulator) -> int:
    return sum(
        1 for r in emulator.requests() if r["method"] == "POST" and r["path"].endswith("/revoke")
    )


def _audit(path: Path) -> list[dict[str, object]]:
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_a_signal_mid_apply_keeps_the_record_of_what_was_done(
    emulator: ServedEmulator, tmp_path: Path, signum: signal.Signals, code: int
) -> None:
    export = tmp_path / "hr.csv"
    _export(export, PEOPLE)
    h = Harness(emulator, tmp_path, csv_source(export))
    assert h.sync_json()[0] == 0
    _export(export, STAYING)
    report_file = tmp_path / "report.json"
    audit_file = h.state_dir / "audit.jsonl"
    before = len(_audit(audit_file))
    emulator.set_faults("latency=0.4,methods=POST")
    emulator.clear_requests()

    command = [sys.executable, "-m", "dirsync", "--config", str(h.config()), "sync"]
    process = subprocess.Popen(
        [*command, "--report", str(report_file)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while (
            _revokes_answered(emulator) < 2
            and process.poll() is None
            and time.monotonic() < deadline
        ):
            time.sleep(0.05)
        process.send_signal(signum)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    emulator.set_faults("")

    assert process.returncode == code, stderr
    assert "Traceback" not in stderr
    assert "Aborted" not in stderr
    name = signum.name
    assert f"dirsync: {name}: stopping" in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith(f"dirsync: stopped by {name}: "), stderr
    assert "not started" in last

    revoked = _revoked_ids(emulator)
    assert 2 <= len(revoked) < PEOPLE - STAYING, "the stop must land mid-apply"
    audited = [e for e in _audit(audit_file)[before:] if e["action"] == "revoke"]
    assert {e["id"] for e in audited} == revoked
    assert all(e["result"] == "ok" for e in audited)
    assert set(load_state(h.state_dir).revoked) == revoked
    report = json.loads(report_file.read_text(encoding="utf-8"))
    assert report["stopped"] == name
    assert report["exit_code"] == code
    assert report["counts"]["ok"]["revoke"] == len(revoked)
    assert stdout == ""

    status, document = h.sync_json()
    assert status == 0
    assert document["counts"]["ok"]["revoke"] == PEOPLE - STAYING - len(revoked)
    all_revokes = [e for e in _audit(audit_file)[before:] if e["action"] == "revoke"]
    assert len(all_revokes) == len({e["id"] for e in all_revokes}) == PEOPLE - STAYING


def test_a_signal_before_the_first_write_writes_nothing(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    export = tmp_path / "hr.csv"
    _export(export, 5)
    h = Harness(emulator, tmp_path, csv_source(export))
    emulator.set_faults("latency=1.5,methods=GET")
    process = subprocess.Popen(
        [sys.executable, "-m", "dirsync", "--config", str(h.config()), "sync"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    emulator.set_faults("")
    assert process.returncode == 143, stderr
    assert stderr.strip().splitlines()[-1] == "dirsync: stopped by SIGTERM before any write"
    assert [m["email"] for m in emulator.state()["members"]] == ["owner@example.com"]
