"""State file: atomic JSON, lock, corrupt files are errors; bookkeeping from results."""

from __future__ import annotations

import json
import multiprocessing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from dirsync.bitwarden.models import MemberType
from dirsync.sync.actions import CreateGroup, Delete, Invite, Restore, Revoke
from dirsync.sync.errors import LockBusyError, StateError
from dirsync.sync.state import State, record
from dirsync.sync.state_file import STATE_FILE, load_state, run_lock, save_state

NOW = datetime(2026, 11, 1, tzinfo=UTC)


def test_round_trip_and_no_temp_files_left(tmp_path: Path) -> None:
    state = State(
        managed_members=frozenset({"a", "b"}),
        managed_groups=frozenset({"g"}),
        revoked={"m1": NOW},
        invited={"m2": NOW},
        last_success=NOW,
    )
    save_state(tmp_path / "s", state)
    assert load_state(tmp_path / "s") == state
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == [STATE_FILE]


def test_missing_file_is_an_empty_state(tmp_path: Path) -> None:
    assert load_state(tmp_path) == State()


@pytest.mark.parametrize(
    "text",
    ["{not json", "[]", '{"version": 1}', '{"version": 9}', json.dumps({
        "version": 1, "managed_members": [], "managed_groups": [], "invited": {},
        "revoked": {"m1": "2026-11-01T00:00:00"}, "last_success": None})],
)  # fmt: skip
def test_a_corrupt_file_is_a_clear_error_and_is_kept(tmp_path: Path, text: str) -> None:
    (tmp_path / STATE_FILE).write_text(text)
    with pytest.raises(StateError, match=r"state file .*state\.json"):
        load_state(tmp_path)
    assert (tmp_path / STATE_FILE).read_text() == text


def _hold(
    path: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with run_lock(Path(path)):
        ready.set()
        done.wait(10)


def test_a_second_run_is_refused_while_the_first_holds_the_lock(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold, args=(str(tmp_path), ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(LockBusyError, match=f"pid {holder.pid}"), run_lock(tmp_path):
            pass
    finally:
        done.set()
        holder.join(10)
    with run_lock(tmp_path):
        pass


def test_record_keeps_revoke_dates_and_managed_ids() -> None:
    invite = Invite("e1", "a@x.org", MemberType.USER, None, (), (), False)
    state = record(
        State(revoked={"m9": NOW}, managed_members=frozenset({"e9"})),
        [
            (invite, "m1"),
            (Revoke("m2", "e2", "b@x.org", "gone"), None),
            (Restore("m9", "e9", "c@x.org"), None),
            (Delete("m3", "e3", "d@x.org", "gone"), None),
            (CreateGroup("g1", "G", None, (), False), "gid"),
        ],
        NOW,
    )
    assert state.managed_members == {"e1", "e9"}
    assert state.revoked == {"m2": NOW}
    assert state.invited == {"m1": NOW}
    assert state.managed_groups == {"g1"}
