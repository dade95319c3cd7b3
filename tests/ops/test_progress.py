"""Progress: a live line on a terminal, nothing elsewhere; every phase of a real run reports."""

from __future__ import annotations

import io
import threading
from datetime import UTC, datetime
from pathlib import Path

from dirsync.bitwarden.client import BitwardenClient
from dirsync.cli.progress import TerminalProgress, progress_for
from dirsync.config_sources import load_settings
from dirsync.progress import NoProgress
from dirsync.sources import read_source
from dirsync.sync.run import Run
from tests.e2e.harness import Harness, ldap_source
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


class Recorder:
    def __init__(self) -> None:
        self.updates: list[tuple[str, int | None, int | None]] = []
        self.closed = 0
        self._lock = threading.Lock()

    def update(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        with self._lock:
            self.updates.append((phase, done, total))

    def close(self) -> None:
        self.closed += 1


def test_only_a_terminal_gets_a_display() -> None:
    assert isinstance(progress_for(io.StringIO()), NoProgress)
    assert isinstance(progress_for(Tty()), TerminalProgress)


def test_terminal_line_is_redrawn_in_place_and_cleared() -> None:
    stream = Tty()
    progress = TerminalProgress(stream)
    progress.update("reading group memberships", 1, 200)
    for done in range(2, 200):
        progress.update("reading group memberships", done, 200)
    progress.update("reading group memberships", 200, 200)
    progress.close()
    text = stream.getvalue()
    assert text.startswith("\r\x1b[Kreading group memberships… 1/200")
    assert "200/200" in text
    assert text.count("\r\x1b[K") < 20, "redraws are throttled"
    assert text.endswith("\r\x1b[K")


def test_a_sync_reports_every_long_phase(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    settings = load_settings(Harness(emulator, tmp_path, ldap_source(slapd)).config())
    recorder = Recorder()
    with BitwardenClient.from_config(settings.bitwarden) as client:
        first = Run(settings, client, datetime.now(UTC), progress=recorder)
        plan = first.plan(read_source)
        first.apply(plan)
        Run(settings, client, datetime.now(UTC), progress=recorder).plan(read_source)
    phases = [update[0] for update in recorder.updates]
    # The organization is read while the source is.
    assert phases[0] == "reading the ldap source and the organization"
    applying = [update for update in recorder.updates if update[0] == "applying"]
    assert applying[-1][1] == applying[-1][2] == len(plan.runnable())
    groups = [update for update in recorder.updates if update[0] == "reading group memberships"]
    assert groups, "the second run reads the groups the first one created"
    assert groups[-1][1] == groups[-1][2]
    assert recorder.closed == 3
