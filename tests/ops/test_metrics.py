"""Metrics: node_exporter textfile format, read back by a real node_exporter."""

from __future__ import annotations

import os
import re
import shutil
import socket
import stat
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from dirsync import atomic
from dirsync.bitwarden.models import MemberType
from dirsync.bitwarden.stats import RequestStats
from dirsync.sync.actions import Delete, Invite, Revoke
from dirsync.sync.apply import Outcome
from dirsync.sync.metrics import (
    organization_of,
    previous_success,
    render_metrics,
    write_metrics,
)
from dirsync.sync.plan import Plan
from dirsync.sync.report import RunReport
from dirsync.sync.state import State
from tests.e2e.harness import Harness, csv_source
from tests.fixtures.emulator import ServedEmulator

ORG = "0f6e1c1a-2b3c-4d5e-8f90-123456789abc"
FIRST = datetime(2026, 11, 28, 2, 40, tzinfo=UTC)
SECOND = datetime(2026, 11, 29, 2, 41, tzinfo=UTC)
STATS = RequestStats(
    calls={"GET /public/members": 2, "PUT /public/groups/{id}/member-ids": 3},
    retries=4,
    rate_limited=1,
    throttle_wait_seconds=2.5,
)


def invite(n: int) -> Invite:
    return Invite(
        external_id=f"e{n}",
        email=f"u{n}@example.org",
        type=MemberType.USER,
        permissions=None,
        group_ids=(),
        new_group_external_ids=(),
        via_import=False,
    )


def delete(n: int) -> Delete:
    return Delete(f"m{n}", f"x{n}", f"x{n}@example.org", reason="gone", withheld=True)


REVOKE = Revoke("m-bob", "ext-bob", "bob@example.org", reason="disabled")
PLAN = Plan(
    actions=(*(invite(n) for n in range(3)), REVOKE, *(delete(n) for n in range(30))),
    warnings=(),
    state=State(
        managed_members=frozenset(f"x{n}" for n in range(120)),
        managed_groups=frozenset(f"g{n}" for n in range(7)),
    ),
    managed_members=120,
    managed_groups=7,
    withheld_reason="30 removals exceed sync.max_removals = 25",
)


def run(finished: datetime = FIRST, success: bool = True, **changes: object) -> RunReport:
    """A sync's report: 120 managed, 3 invites done, 1 revoke failed, 30 deletes withheld."""
    values: dict[str, object] = {
        "command": "sync",
        "started": finished - timedelta(seconds=12.5),
        "dry_run": False,
        "plan": PLAN,
        "outcomes": [
            *(Outcome(invite(n), ok=True, created_id=f"m{n}") for n in range(3)),
            Outcome(REVOKE, ok=False, error="500"),
        ],
        "api": STATS.as_dict(),
        "durations": {"source": 1.25, "apply": 9.0},
        "exit_code": 0 if success else 4,
        **changes,
    }
    return RunReport(**values)  # type: ignore[arg-type]


def render(report: RunReport, finished: datetime = FIRST, last: float | None = None) -> str:
    return render_metrics(report, organization=ORG, finished=finished, last_success=last)


def write(path: Path, report: RunReport, finished: datetime = FIRST, org: str = ORG) -> None:
    write_metrics(path, report, organization=org, finished=finished)


LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')


def series(text: str) -> dict[str, float]:
    """'name{labels sorted by name}' -> value, for every sample line."""
    found: dict[str, float] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.rpartition(" ")
            name, _, labels = key.partition("{")
            pairs = sorted(f'{k}="{v}"' for k, v in LABEL.findall(labels))
            found[name + ("{" + ",".join(pairs) + "}" if pairs else "")] = float(value)
    return found


def org(**labels: str) -> str:
    """The label set of a series: the organization and *labels*, sorted as series() keys."""
    pairs = sorted({"organization": ORG, **labels}.items())
    return "{" + ",".join(f'{k}="{v}"' for k, v in pairs) + "}"


def test_render_has_every_figure() -> None:
    found = series(render(run()))
    assert found[f"dirsync_last_run_timestamp_seconds{org()}"] == FIRST.timestamp()
    assert found[f"dirsync_last_success_timestamp_seconds{org()}"] == FIRST.timestamp()
    assert found[f"dirsync_last_run_success{org()}"] == 1
    assert found[f"dirsync_run_duration_seconds{org()}"] == 12.5
    assert found[f"dirsync_phase_duration_seconds{org(phase='source')}"] == 1.25
    assert found[f"dirsync_actions{org(kind='invite', result='ok')}"] == 3
    assert found[f"dirsync_actions{org(kind='revoke', result='failed')}"] == 1
    assert found[f"dirsync_actions{org(kind='delete', result='withheld')}"] == 30
    assert found[f"dirsync_managed_members{org()}"] == 123
    assert found[f"dirsync_managed_groups{org()}"] == 7
    members = org(method="GET", endpoint="/public/members")
    assert found[f"dirsync_api_requests{members}"] == 2
    assert found[f"dirsync_api_retries{org()}"] == 4
    assert found[f"dirsync_api_rate_limited{org()}"] == 1
    assert found[f"dirsync_api_throttle_wait_seconds{org()}"] == 2.5


def test_each_family_is_declared_once_before_its_series() -> None:
    lines = render(run()).splitlines()
    names = [line.split()[2] for line in lines if line.startswith("# TYPE")]
    assert len(names) == len(set(names)) == 14
    for name in names:
        declared = lines.index(f"# TYPE {name} gauge")
        first = next(i for i, line in enumerate(lines) if line.startswith(name + "{"))
        assert declared < first


def test_failed_run_keeps_the_last_success() -> None:
    text = render(run(SECOND, success=False), SECOND, last=FIRST.timestamp())
    found = series(text)
    assert found[f"dirsync_last_success_timestamp_seconds{org()}"] == FIRST.timestamp()
    assert found[f"dirsync_last_run_timestamp_seconds{org()}"] == SECOND.timestamp()
    assert found[f"dirsync_last_run_success{org()}"] == 0


def test_never_succeeded_reads_zero() -> None:
    found = series(render(run(success=False)))
    assert found[f"dirsync_last_success_timestamp_seconds{org()}"] == 0


def test_a_run_that_stopped_early_leaves_out_what_it_did_not_learn() -> None:
    early = run(plan=None, outcomes=[], api={}, exit_code=1, error="LDAP server unreachable")
    text = render(early)
    for absent in ("dirsync_actions", "dirsync_managed", "dirsync_api_"):
        assert absent not in text
    assert "dirsync_run_duration_seconds" in text


def test_label_values_are_escaped() -> None:
    text = render_metrics(run(), organization='a"b\\c\nd', finished=FIRST, last_success=None)
    assert 'organization="a\\"b\\\\c\\nd"' in text


def test_organization_label_comes_from_the_client_id() -> None:
    assert organization_of(f"organization.{ORG}") == ORG
    assert organization_of("custom-client") == "custom-client"


def test_success_timestamp_moves_only_on_success(tmp_path: Path) -> None:
    path = tmp_path / "dirsync.prom"
    write(path, run(FIRST))
    write(path, run(SECOND, success=False), SECOND)
    assert previous_success(path, ORG) == FIRST.timestamp()
    write(path, run(SECOND), SECOND)
    assert previous_success(path, ORG) == SECOND.timestamp()
    assert previous_success(path, "another-org") is None


def test_written_file_is_world_readable_and_no_temp_is_left(tmp_path: Path) -> None:
    path = tmp_path / "dirsync.prom"
    old = os.umask(0o077)
    try:
        write(path, run())
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dirsync.prom"]


def test_a_failed_write_leaves_the_old_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "dirsync.prom"
    write(path, run(FIRST))
    before = path.read_text(encoding="utf-8")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "fsync", disk_full)  # the metrics file is written there
    with pytest.raises(OSError, match="No space left"):
        write(path, run(SECOND), SECOND)
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dirsync.prom"]


@pytest.mark.parametrize("name", ["dirsync.txt", ".dirsync.prom"])
def test_a_name_node_exporter_would_skip_is_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match=r"\*\.prom"):
        write(tmp_path / name, run())


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def node_exporter(tmp_path: Path) -> Iterator[tuple[Path, Callable[[], str]]]:
    """A real node_exporter reading only a textfile directory; yields (dir, scrape)."""
    binary = shutil.which("prometheus-node-exporter")
    assert binary, "prometheus-node-exporter is missing: .ci/setup installs it"
    textfiles = tmp_path / "textfiles"
    textfiles.mkdir()
    address = f"127.0.0.1:{free_port()}"
    process = subprocess.Popen(
        [
            binary,
            f"--web.listen-address={address}",
            "--collector.disable-defaults",
            "--collector.textfile",
            f"--collector.textfile.directory={textfiles}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )

    def scrape() -> str:
        return httpx.get(f"http://{address}/metrics", timeout=5).text

    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                scrape()
                break
            except httpx.TransportError:
                assert process.poll() is None, "node_exporter exited"
                assert time.monotonic() < deadline, "node_exporter did not start"
                time.sleep(0.05)
        yield textfiles, scrape
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_node_exporter_reads_the_file_of_each_instance(
    node_exporter: tuple[Path, Callable[[], str]],
) -> None:
    textfiles, scrape = node_exporter
    write(textfiles / "dirsync-a.prom", run())
    write(textfiles / "dirsync-b.prom", run(success=False), org="other-org")
    exposed = series(scrape())
    assert exposed["node_textfile_scrape_error"] == 0
    assert exposed[f"dirsync_managed_members{org()}"] == 123
    assert exposed['dirsync_last_run_success{organization="other-org"}'] == 0
    assert exposed[f"dirsync_actions{org(kind='delete', result='withheld')}"] == 30


def test_withheld_removals_are_not_a_success() -> None:
    found = series(render(run(exit_code=3), last=1.0))
    assert found[f"dirsync_last_run_success{org()}"] == 0
    assert found[f"dirsync_last_success_timestamp_seconds{org()}"] == 1.0


def test_a_dry_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="dry run"):
        write(tmp_path / "dirsync.prom", run(dry_run=True))
    assert not (tmp_path / "dirsync.prom").exists()


def test_a_cli_sync_records_when_it_finished_and_how_long_it_took(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    """Through `dirsync sync` (not passing `finished` ourselves): every API read is slowed
    by 0.1 s (the reads go at once, after the token), so the run lasts at least 0.1 s and
    ends that much after its start (fixed by DIRSYNC_NOW)."""
    export = tmp_path / "hr.csv"
    export.write_text("Employee ID,First Name,Last Name,Work Email\nE1,Ann,Lee,ann@example.com\n")
    metrics_file = tmp_path / "dirsync.prom"
    harness = Harness(
        emulator, tmp_path, csv_source(export), report={"metrics_file": str(metrics_file)}
    )
    emulator.set_faults("latency=0.1,methods=GET")
    code, _ = harness.sync_json(now=FIRST.isoformat())
    assert code == 0
    found = series(metrics_file.read_text(encoding="utf-8"))
    duration = found[f"dirsync_run_duration_seconds{org_of(emulator)}"]
    finished = found[f"dirsync_last_run_timestamp_seconds{org_of(emulator)}"]
    assert duration >= 0.1
    assert finished == pytest.approx(FIRST.timestamp() + duration, abs=0.01)
    assert found[f"dirsync_last_success_timestamp_seconds{org_of(emulator)}"] == finished


def org_of(served: ServedEmulator) -> str:
    return '{organization="' + served.org_id + '"}'
