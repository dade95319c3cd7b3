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
    def revoke_member(self, member_id: str) -> None:
        super().revoke_member(member_id)
        raise Killed

    def restore_member(self, member_id: str) -> None:
        raise Killed


def test_revocations_are_on_disk_before_they_are_sent(tmp_path: Path) -> None:
    settings = Settings(
        source={"type": "csv"},
        csv={"path": "unused.csv"},
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


def test_each_phase_logs_one_info_line_with_its_counts(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = Settings(
        source={"type": "csv"},
        csv={"path": "unused.csv"},
        sync={"state_dir": str(tmp_path), "max_removal_percent": 100},
    )

    current = MemoryOrg(org([member("u1")]))
    source = snapshot([user("u1"), user("u2"), user("u3")])
    caplog.set_level("INFO", logger="dirsync.sync.run")
    run = Run(settings, current, NOW)
    run.apply(run.plan(lambda _settings, _today: source))
    lines = [r.getMessage() for r in caplog.records if r.name == "dirsync.sync.run"]
    assert [line.split(":")[0].split(" ")[0] for line in lines] == [
        "read",
        "read",
        "planned",
        "applied",
    ]
    # The source and the organization are read at the same time: either may end first.
    reads = sorted(lines[:2])
    assert reads[0].startswith("read the organization: 1 members, 0 groups, 0 collections")
    assert reads[1].startswith("read the test source: 3 users, 0 groups, 0 warnings")
    assert lines[2].startswith("planned 2 actions (0 withheld): invite 2")
    assert lines[3].startswith("applied 2 actions: 2 ok, 0 failed")
