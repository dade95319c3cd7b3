"""End to end with the HR CSV source, the one-person commands, failures and the console script."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from dirsync.sync.state_file import run_lock
from tests.e2e.harness import Harness, csv_source, kinds, ldap_source
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer

HEADER = (
    "Employee ID,First Name,Last Name,Work Email,Department,Status,Hire Date,Termination Date\n"
)


def _export(path: Path, rows: list[str]) -> None:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")


def _csv_harness(emulator: ServedEmulator, tmp_path: Path) -> tuple[Harness, Path]:
    export = tmp_path / "hr.csv"
    source = csv_source(
        export,
        status="Status",
        start_date="Hire Date",
        end_date="Termination Date",
        groups=[{"column": "Department", "template": "Dept - {value}"}],
    )
    return Harness(emulator, tmp_path, source), export


def test_csv_source_joiners_scheduled_and_terminated(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    _export(
        export,
        [
            "E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,",
            "E2,Ben,Ode,ben@example.com,Sales,Active,2020-01-01,",
            "E3,Cal,Roy,cal@example.com,Sales,Active,2026-12-01,",
        ],
    )
    code, report = h.sync_json(now="2026-11-01T09:00:00+00:00")
    assert code == 0, report
    members = h.members()
    assert {"ann@example.com", "ben@example.com"} <= set(members)
    assert "cal@example.com" not in members  # starts in December: scheduled
    assert members["ann@example.com"]["externalId"] == "E1"
    assert h.group_emails()["Dept - Sales"] == {"ben@example.com"}

    _export(
        export,
        [
            "E1,Ann,Lee,ann@example.com,Sales,Active,2020-01-01,",
            "E2,Ben,Ode,ben@example.com,Sales,Active,2020-01-01,2026-11-30",
            "E3,Cal,Roy,cal@example.com,Sales,Active,2026-12-01,",
        ],
    )
    code, report = h.sync_json(now="2026-12-01T09:00:00+00:00")
    assert code == 0, report
    members = h.members()
    assert members["ben@example.com"]["status"] == -1
    assert "cal@example.com" in members
    assert h.group_emails()["Dept - Sales"] >= {"ann@example.com", "cal@example.com"}
    emulator.clear_requests()
    assert kinds(h.sync_json(now="2026-12-01T10:00:00+00:00")[1]) == []
    assert h.writes() == []


def test_invite_offboard_restore_are_idempotent(emulator: ServedEmulator, tmp_path: Path) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    _export(export, ["E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,"])
    assert h.sync_json()[0] == 0

    def call(*args: str) -> dict[str, object]:
        result = h.run(*args, "--format", "json")
        assert result.exit_code == 0, result.output
        document: dict[str, object] = json.loads(result.stdout)
        return document

    invite = ["invite", "new@example.com", "--external-id", "E9", "--group", "Dept - Engineering"]
    assert call(*invite)["action"] == "invited"
    assert call(*invite)["action"] == "none"
    assert "new@example.com" in h.group_emails()["Dept - Engineering"]
    assert call("offboard", "--external-id", "E9")["action"] == "revoked"
    assert call("offboard", "new@example.com")["action"] == "none"
    assert call("restore", "new@example.com")["action"] == "restored"
    assert call("restore", "--external-id", "E9")["action"] == "none"
    assert call("offboard", "new@example.com", "--delete")["action"] == "deleted"
    assert call("offboard", "new@example.com", "--delete")["action"] == "none"

    owner = h.run("offboard", "owner@example.com")
    assert owner.exit_code == 1
    assert "is an owner" in owner.stderr
    unknown = h.run("invite", "x@example.com", "--group", "Nope")
    assert (unknown.exit_code, "no group named 'Nope'" in unknown.stderr) == (1, True)
    assert h.run("offboard").exit_code == 2


def test_invite_applies_the_sources_email_rule(emulator: ServedEmulator, tmp_path: Path) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    _export(export, ["E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,"])
    before = sorted(m["email"] for m in h.members().values())
    refused = h.run("invite", "jürgen@example.com")
    assert refused.exit_code == 2
    assert "'jürgen@example.com' is not an address Bitwarden accepts" in refused.stderr
    assert sorted(m["email"] for m in h.members().values()) == before
    result = h.run("invite", "  Mixed.Case@Example.COM ", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["action"] == "invited"
    assert "mixed.case@example.com" in {m["email"] for m in h.emulator.state()["members"]}


def test_failed_actions_are_reported_and_the_rest_goes_on(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    _export(
        export,
        [
            "E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,",
            "E2,Ben,Ode,ben@example.com,Sales,Active,2020-01-01,",
        ],
    )
    assert h.sync_json()[0] == 0
    full = emulator.state()
    # The subscription claims room to autoscale but the plan cannot grow: the server refuses.
    full["organization"].update(
        seats=len(full["members"]), maxAutoScaleSeats=50, planAllowsAdditionalSeats=False
    )
    emulator.reset(full)
    h.sync["max_seat_growth"] = 5
    _export(
        export,
        [
            "E1,Ann,Lee,ann@example.com,Sales,Active,2020-01-01,",
            "E2,Ben,Ode,ben@example.com,Sales,Active,2020-01-01,",
            "E3,Cal,Roy,cal@example.com,Sales,Active,2020-01-01,",
        ],
    )
    report_file = tmp_path / "report.json"
    code, report = h.sync_json("--report", str(report_file))
    assert code == 4
    results = {(r["kind"], r["result"]) for r in report["results"]}
    assert ("invite", "failed") in results
    assert all(r["result"] == "ok" for r in report["results"] if r["kind"] != "invite")
    (failed,) = [r for r in report["results"] if r["result"] == "failed"]
    assert "Plan does not allow additional seats." in failed["reason"]
    assert h.group_emails()["Dept - Sales"] == {"ann@example.com", "ben@example.com"}
    assert json.loads(report_file.read_text())["exit_code"] == 4
    result = h.run("sync")
    assert result.exit_code == 4
    assert "FAILED invite cal@example.com: " in result.stdout


def test_console_script_runs_and_errors_are_one_line(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    config = h.config()
    env = {**os.environ, "DIRSYNC_NOW": "2026-11-01T00:00:00+00:00"}
    done = subprocess.run(
        [sys.executable, "-m", "dirsync", "--config", str(config), "sync"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "sync: " in done.stdout
    wrong = {**env, "DIRSYNC_BITWARDEN__CLIENT_SECRET": "not-the-secret"}
    done = subprocess.run(
        [sys.executable, "-m", "dirsync", "--config", str(config), "plan"],
        capture_output=True,
        text=True,
        env=wrong,
        timeout=60,
    )
    assert done.returncode == 1
    assert "not-the-secret" not in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1].startswith("dirsync: error: Bitwarden API:")


def _last_run_success(metrics: Path) -> str:
    found = re.search(r"^dirsync_last_run_success\{[^}]*\} (\d)$", metrics.read_text(), re.M)
    assert found is not None
    return found.group(1)


def test_audit_trail_metrics_and_report_also_for_a_failed_run(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    metrics = tmp_path / "dirsync.prom"
    report_file = tmp_path / "run.json"
    h.report = {"metrics_file": str(metrics), "file": str(report_file)}
    _export(export, ["E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,"])
    code, report = h.sync_json()
    assert code == 0
    trail = [json.loads(line) for line in (h.state_dir / "audit.jsonl").read_text().splitlines()]
    assert [(e["action"], e["result"]) for e in trail] == [
        (r["kind"], "ok") for r in report["results"]
    ]
    assert _last_run_success(metrics) == "1"

    export.unlink()
    result = h.run("sync")
    assert result.exit_code == 1
    assert "csv source:" in result.stderr
    failed = json.loads(report_file.read_text())
    assert (failed["exit_code"], failed["plan"]) == (1, None)
    assert "csv source:" in failed["error"]
    assert _last_run_success(metrics) == "0"
    assert len((h.state_dir / "audit.jsonl").read_text().splitlines()) == len(trail)


def test_dry_run_sends_no_write_and_leaves_no_state(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    _export(export, ["E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,"])
    emulator.clear_requests()
    result = h.run("sync", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "sync (dry run): 2 planned, nothing sent." in result.stdout
    assert h.writes() == []
    assert not (h.state_dir / "state.json").exists()


def test_a_held_lock_or_a_corrupt_state_file_stops_the_run_before_any_write(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    _export(export, ["E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,"])
    emulator.clear_requests()
    with run_lock(h.state_dir):
        busy = h.run("sync")
    assert busy.exit_code == 1
    assert f"another dirsync run (pid {os.getpid()}) holds" in busy.stderr
    assert h.writes() == []

    (h.state_dir / "state.json").write_text("{truncated")
    corrupt = h.run("sync")
    assert corrupt.exit_code == 1
    assert "is corrupt" in corrupt.stderr
    assert "never reset automatically" in corrupt.stderr
    assert h.writes() == []
    assert (h.state_dir / "state.json").read_text() == "{truncated"


def test_invitations_are_resent_after_reinvite_after_days(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    h, export = _csv_harness(emulator, tmp_path)
    h.sync["reinvite_after_days"] = 7
    _export(
        export,
        [
            "E1,Ann,Lee,ann@example.com,Engineering,Active,2020-01-01,",
            "E2,Ben,Ode,ben@example.com,Sales,Active,2020-01-01,",
        ],
    )
    assert h.sync_json(now="2026-11-01T00:00:00+00:00")[0] == 0
    ann = h.members()["ann@example.com"]["id"]
    assert emulator.control("POST", f"members/{ann}/accept").status_code == 200
    assert kinds(h.sync_json(now="2026-11-07T23:00:00+00:00")[1]) == []
    emulator.clear_requests()
    code, report = h.sync_json(now="2026-11-08T00:00:00+00:00")
    assert (code, [(a["kind"], a["email"]) for a in report["plan"]["actions"]]) == (
        0,
        [("reinvite", "ben@example.com")],
    )
    assert h.writes() == [f"POST /public/members/{h.members()['ben@example.com']['id']}/reinvite"]
    assert kinds(h.sync_json(now="2026-11-14T23:00:00+00:00")[1]) == []
    assert kinds(h.sync_json(now="2026-11-15T00:00:00+00:00")[1]) == ["reinvite"]
