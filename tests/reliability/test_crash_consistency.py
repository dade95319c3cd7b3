"""Crash consistency: `dirsync sync` killed with SIGKILL at seeded points during apply.

Writes are slowed (emulator latency on POST/PUT/DELETE) so apply lasts a few seconds;
the process is killed a seeded delay after its first write reached the emulator. Then:
the state file, if any, parses; the next run acquires the lock (not left stale), and
converges the org (exit 0, a plan with nothing to do) without duplicate invites or
removals of members that stay.

CI: 5 kill points. Long form: --reliability-crashes 20 (see conftest.py); the org has
--reliability-users people, at most CRASH_USERS (each kill is followed by a full run).
"""

from __future__ import annotations

import json
import random
import signal
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from dirsync.sync.state_file import load_state
from tests.fixtures.emulator import ServedEmulator
from tests.reliability.campaign import writes
from tests.reliability.checks import (
    differences,
    duplicate_invites,
    leaked,
    output_files,
    tracebacks,
    unintended_removals,
)
from tests.reliability.conftest import Scale
from tests.reliability.runner import Workspace
from tests.reliability.scenario import build, csv_people, csv_source, write_csv

SLOW_WRITES = "methods=POST+PUT+DELETE,latency=0.08:0.2"
MAX_KILL_DELAY = 1.5
CRASH_USERS = 1000


def _wait_for_first_write(emulator: ServedEmulator, deadline: float) -> bool:
    while time.monotonic() < deadline:
        if writes(emulator.requests()):
            return True
        time.sleep(0.02)
    return False


def test_kill_9_during_apply_then_the_next_run_converges(
    scale: Scale, emulator_factory: Callable[..., ServedEmulator]
) -> None:
    emulator = emulator_factory()
    root = Path(tempfile.mkdtemp(prefix="dirsync-crash-"))
    people, group_ids = csv_people(min(scale.users, CRASH_USERS), scale.groups)
    export = root / "hr.csv"
    write_csv(export, people)
    source = csv_source(export)
    killed_mid_apply = 0
    lines: list[str] = []
    for k in range(scale.crashes):
        seed = scale.seed + 1000 + k
        rng = random.Random(seed)
        scenario = build(people, group_ids, rng)
        workspace = Workspace(root / f"crash{k:02d}", emulator, source)
        workspace.bitwarden_options["max_concurrency"] = 2
        emulator.reset(scenario.seed)
        scenario.write_state(workspace.state_dir)
        emulator.set_faults(f"seed={seed},{SLOW_WRITES}")
        process = workspace.popen("sync")
        started = _wait_for_first_write(emulator, time.monotonic() + 120)
        time.sleep(rng.uniform(0.0, MAX_KILL_DELAY))
        was_running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.communicate()
        killed_mid_apply += started and was_running
        written = len(writes(emulator.requests()))
        emulator.set_faults("")

        state_file = workspace.state_dir / "state.json"
        json.loads(state_file.read_text(encoding="utf-8"))
        load_state(workspace.state_dir)
        after = workspace.run("sync")
        plan = workspace.run("plan", "--detailed-exitcode")
        final = emulator.state()
        texts = [*after.texts("after"), *plan.texts("plan")]
        texts += output_files(workspace.root, workspace.secrets_dir)
        found = {
            "exit after kill": after.code,
            "plan exit": plan.code,
            "left": differences(scenario, final),
            "duplicates": duplicate_invites(final, scenario.seeded_ids),
            "removals": unintended_removals(scenario, final),
            "tracebacks": tracebacks(texts),
            "leaks": leaked([emulator.client_secret], texts),
        }
        problems = {name: value for name, value in found.items() if value}
        lines.append(f"kill {k}: seed {seed}, {written} writes before SIGKILL, problems {problems}")
        assert not problems, f"{lines[-1]}\n{after.stderr[-2000:]}"
    print("\n" + "\n".join(lines))
    print(f"crashes {scale.crashes}, killed mid-apply {killed_mid_apply}")
    assert killed_mid_apply >= max(1, scale.crashes // 2)
