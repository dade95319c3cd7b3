"""Malformed API answers (emulator fault mode): a clear one-line error, no traceback, and
no write based on what could not be read."""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dirsync.bitwarden.client import BitwardenClient
from dirsync.config_sources import load_settings
from dirsync.sources import read_source
from dirsync.sync.actions import Invite
from dirsync.sync.mapping import build_desired
from dirsync.sync.plan import make_plan
from dirsync.sync.policy import PlanPolicy
from dirsync.sync.state_file import load_state
from tests.fixtures.emulator import ServedEmulator
from tests.reliability.campaign import writes
from tests.reliability.checks import differences, duplicate_invites, tracebacks
from tests.reliability.runner import Workspace
from tests.reliability.scenario import Scenario, build, csv_people, csv_source, write_csv

UNREADABLE = ("truncated", "wrong_types", "html")


def _workspace(
    tmp_path: Path, emulator: ServedEmulator, users: int = 60
) -> tuple[Workspace, Scenario]:
    people, group_ids = csv_people(users, 4)
    export = tmp_path / "hr.csv"
    write_csv(export, people)
    source = csv_source(export)
    scenario = build(people, group_ids, random.Random(users))
    workspace = Workspace(tmp_path, emulator, source)
    emulator.reset(scenario.seed)
    scenario.write_state(workspace.state_dir)
    return workspace, scenario


def _one_clear_line(stderr: str) -> str:
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("dirsync: error: Bitwarden API:"), last
    assert len(last) < 400, last
    return last


@pytest.mark.parametrize("kind", UNREADABLE)
def test_unreadable_reads_stop_the_run_before_any_write(
    emulator: ServedEmulator, tmp_path: Path, kind: str
) -> None:
    workspace, _ = _workspace(tmp_path, emulator)
    emulator.set_faults(f"{kind}=1,methods=GET")
    finished = workspace.run("sync")
    assert finished.code == 1, finished.stderr[-1500:]
    _one_clear_line(finished.stderr)
    assert not tracebacks(finished.texts("sync"))
    assert writes(emulator.requests()) == []


@pytest.mark.parametrize("kind", UNREADABLE)
def test_some_unreadable_reads_are_retried_and_the_run_completes(
    emulator: ServedEmulator, tmp_path: Path, kind: str
) -> None:
    """A fifth of the reads answered malformed (a proxy in trouble): each is retried like a
    5xx and the run does its work (exit 0)."""
    workspace, scenario = _workspace(tmp_path, emulator)
    emulator.set_faults(f"seed=4,{kind}=0.2,methods=GET")
    finished = workspace.run("sync")
    faulted = [r for r in emulator.requests() if r.get("fault") == kind]
    emulator.set_faults("")
    assert finished.code == 0, finished.stderr[-1500:]
    assert faulted, "no read answer was malformed"
    assert differences(scenario, emulator.state()) == {}


def _write_answers_malformed(emulator: ServedEmulator, kind: str, deadline: float) -> None:
    """Once the run has its token and reads, every POST answer from then on is malformed."""
    while time.monotonic() < deadline:
        if any(r["method"] == "GET" for r in emulator.requests()):
            emulator.set_faults(f"{kind}=1,methods=POST")
            return
        time.sleep(0.01)
    raise AssertionError("the run sent no read")


@pytest.mark.parametrize("kind", UNREADABLE)
def test_unreadable_write_answers_are_verified_and_recorded_as_done(
    emulator: ServedEmulator, tmp_path: Path, kind: str
) -> None:
    """An invite or group creation the server applied but whose answer cannot be read is
    verified as a lost answer is (read back, not sent twice): the run exits 0, the audit
    trail lists it as done, and the next run has nothing left to do."""
    workspace, scenario = _workspace(tmp_path, emulator, users=8)
    # A server whose imports are slow: the planner sends single POSTs, the writes here.
    workspace.bitwarden_options["import_item_seconds"] = 1.0
    emulator.set_faults("latency=0.2,methods=GET")
    process = workspace.popen("sync", "--format", "json")
    _write_answers_malformed(emulator, kind, time.monotonic() + 60)
    stdout, stderr = process.communicate(timeout=300)
    emulator.set_faults("")
    assert process.returncode == 0, stderr[-1500:]
    assert not tracebacks([("stderr", stderr), ("stdout", stdout)])
    faulted = [
        r["path"]
        for r in emulator.requests()
        if r.get("fault") == kind and r["path"] in ("/public/members", "/public/groups")
    ]
    assert faulted, "no write answer was malformed"
    audit = workspace.root / "out" / "audit.jsonl"
    entries = [json.loads(line) for line in audit.read_text(encoding="utf-8").splitlines()]
    assert entries
    assert {entry["result"] for entry in entries} == {"ok"}
    emulator.clear_requests()
    clean = workspace.run("sync")
    assert clean.code == 0, clean.stderr[-1500:]
    assert writes(emulator.requests()) == []
    final = emulator.state()
    assert differences(scenario, final) == {}
    assert duplicate_invites(final, scenario.seeded_ids) == 0


def test_members_of_an_unknown_type_or_status_are_read_but_not_acted_on(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    """Every member read back with type and status 99 (bad_enum on the members list): the
    read succeeds, and the plan holds no action on any of those members."""
    workspace, _ = _workspace(tmp_path, emulator)
    settings = load_settings(workspace.config(), env={})
    now = datetime(2026, 11, 2, tzinfo=UTC)
    with BitwardenClient.from_config(settings.bitwarden, dry_run=True) as client:
        real = client.read_org()[0]
        emulator.set_faults("bad_enum=1,methods=GET")
        members = client.list_members()
        emulator.set_faults("")
    assert {(m.type, m.status) for m in members} == {(99, 99)}
    org = real.model_copy(update={"members": tuple(members)})
    desired = build_desired(read_source(settings, now.date()), settings.sync, [])
    state = load_state(settings.sync.state_dir)
    plan = make_plan(desired, org, state, now, PlanPolicy.from_sync(settings.sync))
    unknown = {m.id for m in members}
    acted_on = [
        (a.kind, a.target()) for a in plan.actions if getattr(a, "member_id", None) in unknown
    ]
    assert sorted({kind for kind, _ in acted_on}) == []
    invited = {a.email for a in plan.actions if isinstance(a, Invite)}
    assert invited.isdisjoint(m.email for m in members)
