"""A run killed mid-apply still leaves dirsync's revocations in the state file."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from dirsync.config import Settings
from dirsync.model import DirectorySnapshot
from dirsync.sync.run import Run
from dirsync.sync.state_file import load_state
from tests.sync.builders import member, org, snapshot, user
from tests.sync.memory_org import MemoryOrg

NOW = datetime(2026, 11, 1, tzinfo=UTC)


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


class DiesAfterRevoking(MemoryOrg):
    def read_org(self, on_group_read: object = None) -> object:
        return self.snapshot()

    def list_collections(self) -> list[object]:
        return []

    def revoke_member(self, member_id: str) -> None:
        super().revoke_member(member_id)
        raise Killed

    def restore_member(self, member_id: str) -> None:
        raise Killed


def test_revocations_are_on_disk_before_they_are_sent(tmp_path: Path) -> None:
    settings = Settings(
        source={"type": "csv"},
        csv={"path": "unused.csv"},
        bitwarden={"max_concurrency": 1},
        sync={"state_dir": str(tmp_path), "max_removal_percent": 100},
    )
    leaver = member("u2")
    current = DiesAfterRevoking(org([member("u1"), leaver]))
    source: DirectorySnapshot = snapshot([user("u1"), user("u2", enabled=False)])
    run = Run(settings, current, NOW)
    plan = run.plan(lambda _settings, _today: source)
    with pytest.raises(Killed):
        run.apply(plan)
    assert load_state(tmp_path).revoked == {leaver.id: NOW}

    back = snapshot([user("u1"), user("u2")])
    plan = Run(settings, current, NOW).plan(lambda _settings, _today: back)
    assert [a.kind for a in plan.actions] == ["restore"]
    with pytest.raises(Killed):
        Run(settings, current, NOW).apply(plan)
    assert load_state(tmp_path).revoked == {leaver.id: NOW}
