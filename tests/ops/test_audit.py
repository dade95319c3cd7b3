"""The audit trail: one JSON line per applied action, appended, never a secret."""

from __future__ import annotations

import json
import stat
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dirsync.bitwarden.models import MemberType
from dirsync.config_sources import load_settings
from dirsync.logs import MASK, register_secret
from dirsync.sync.actions import Invite, Revoke, SetGroupMembers, UpdateMember
from dirsync.sync.apply import Outcome
from dirsync.sync.audit import AuditTrail, audit_entry, audit_path

WHEN = datetime(2026, 11, 29, 2, 31, 5, 250000, tzinfo=UTC)

INVITE = Invite(
    external_id="ext-ann",
    email="ann@example.org",
    type=MemberType.USER,
    permissions=None,
    group_ids=(),
    new_group_external_ids=(),
    via_import=True,
)
REVOKE = Revoke(
    member_id="m-bob", external_id="ext-bob", email="bob@example.org", reason="disabled"
)
PROMOTE = UpdateMember(
    member_id="m-cy",
    external_id="ext-cy",
    email="cy@example.org",
    type=MemberType.ADMIN,
    permissions=None,
    collections=None,
    old_type=MemberType.USER,
)
REGROUP = SetGroupMembers(
    group_id="g-eng",
    group_external_id="ext-eng",
    name="Engineering",
    member_ids=("m-ann", "m-cy"),
    new_member_external_ids=(),
    added=("ann@example.org",),
    removed=("bob@example.org",),
)


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_member_entry() -> None:
    entry = audit_entry(Outcome(INVITE, ok=True, created_id="m-ann"), WHEN, "run-1")
    assert entry == {
        "time": "2026-11-29T02:31:05.250+00:00",
        "run": "run-1",
        "action": "invite",
        "member": "ann@example.org",
        "id": "m-ann",
        "external_id": "ext-ann",
        "result": "ok",
        "type": "user",
        "via_import": True,
    }


def test_failed_removal_keeps_its_reason_and_error() -> None:
    entry = audit_entry(Outcome(REVOKE, ok=False, error="404 member not found"), WHEN, "r")
    assert entry["result"] == "failed"
    assert entry["error"] == "404 member not found"
    assert entry["reason"] == "disabled"
    assert entry["id"] == "m-bob"


def test_role_change_names_old_and_new_type() -> None:
    entry = audit_entry(Outcome(PROMOTE, ok=True), WHEN, "r")
    assert (entry["old_type"], entry["type"]) == ("user", "admin")


def test_group_entry_lists_who_was_added_and_removed() -> None:
    entry = audit_entry(Outcome(REGROUP, ok=True), WHEN, "r")
    assert entry["group"] == "Engineering"
    assert "member" not in entry
    assert (entry["id"], entry["external_id"]) == ("g-eng", "ext-eng")
    assert (entry["added"], entry["removed"]) == (["ann@example.org"], ["bob@example.org"])


def test_trail_appends_across_runs_and_is_private(tmp_path: Path) -> None:
    path = tmp_path / "state" / "audit.jsonl"
    with AuditTrail(path, "run-1", clock=lambda: WHEN) as trail:
        trail.record(Outcome(INVITE, ok=True, created_id="m-ann"))
    assert trail.written == 1
    with AuditTrail(path, "run-2", clock=lambda: WHEN) as trail:
        trail.record(Outcome(REVOKE, ok=True))
        trail.record(Outcome(REGROUP, ok=True))
    assert trail.written == 2
    assert [(e["run"], e["action"]) for e in read_lines(path)] == [
        ("run-1", "invite"),
        ("run-2", "revoke"),
        ("run-2", "set-group-members"),
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_concurrent_records_stay_whole_lines(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    with AuditTrail(path, "run") as trail:
        workers = [
            threading.Thread(
                target=lambda: [trail.record(Outcome(REGROUP, ok=True)) for _ in range(200)]
            )
            for _ in range(8)
        ]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    entries = read_lines(path)
    assert len(entries) == 1600
    assert {e["action"] for e in entries} == {"set-group-members"}


def test_recording_outside_the_context_is_refused(tmp_path: Path) -> None:
    trail = AuditTrail(tmp_path / "audit.jsonl", "run")
    with pytest.raises(ValueError, match="not open"):
        trail.record(Outcome(INVITE, ok=True))


def test_a_registered_secret_never_reaches_the_trail(tmp_path: Path) -> None:
    secret = "hunter2-" + tmp_path.name
    register_secret(secret)
    path = tmp_path / "audit.jsonl"
    with AuditTrail(path, "run") as trail:
        trail.record(Outcome(REVOKE, ok=False, error=f"server echoed {secret}"))
    text = path.read_text(encoding="utf-8")
    assert secret not in text
    assert read_lines(path)[0]["error"] == f"server echoed {MASK}"


def test_audit_path_defaults_to_the_state_directory(tmp_path: Path) -> None:
    config = tmp_path / "dirsync.toml"
    base = '[source]\ntype = "csv"\n[csv]\npath = "hr.csv"\n[sync]\nstate_dir = "/srv/state"\n'
    config.write_text(base, encoding="utf-8")
    assert audit_path(load_settings(config, env={})) == Path("/srv/state/audit.jsonl")
    config.write_text(base + '[report]\naudit_file = "/var/log/dirsync.jsonl"\n')
    assert audit_path(load_settings(config, env={})) == Path("/var/log/dirsync.jsonl")
