"""One fault-campaign run (a faulted sync, then a clean one) and the summary table."""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.fixtures.emulator import ServedEmulator
from tests.reliability.checks import (
    differences,
    duplicate_invites,
    leaked,
    output_files,
    tracebacks,
    unexplained,
    unintended_removals,
)
from tests.reliability.runner import Chaos, Workspace
from tests.reliability.scenario import Scenario

FAULTS = "5xx=0.2,429=0.02:2,reset_before=0.03,reset_after=0.03,revoke_token=0.01,latency=0:0.02"
"""Per request: 20% 5xx, 429 bursts of 3, resets before and after the write, revoked tokens."""


def writes(log: list[dict[str, Any]]) -> list[str]:
    return [
        f"{r['method']} {r['path']}"
        for r in log
        if r["method"] != "GET" and "/public/" in r["path"]
    ]


@dataclass
class RunFigures:
    seed: int
    source: str
    faulted_exit: int = -1
    clean_exit: int = -1
    plan_exit: int = -1
    faults: Counter[str] = field(default_factory=Counter)
    actions: int = 0
    failed: int = 0
    retries: int = 0
    duplicates: int = 0
    removals: list[str] = field(default_factory=list)
    unreported: list[str] = field(default_factory=list)
    left: dict[str, list[str]] = field(default_factory=dict)
    tracebacks: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def ok(self) -> bool:
        return not (
            self.duplicates or self.removals or self.unreported or self.left or self.tracebacks
            or self.leaks or self.problems
        )  # fmt: skip


def _api_retries(report: dict[str, Any] | None) -> int:
    return int((report or {}).get("api", {}).get("retries", 0))


def run_pair(
    emulator: ServedEmulator,
    workspace: Workspace,
    scenario: Scenario,
    figures: RunFigures,
    secrets: list[str],
) -> None:
    """Faulted sync with chaos, then a clean sync and a plan; fills *figures*."""
    emulator.reset(scenario.seed)
    scenario.write_state(workspace.state_dir)
    spec = f"seed={figures.seed},{FAULTS}"
    emulator.set_faults(spec)
    chaos = Chaos(emulator, spec, random.Random(figures.seed), workspace.timeout)
    chaos.start()
    try:
        faulted, report = workspace.sync("faulted")
    finally:
        chaos.stop()
        emulator.set_faults("")
    log = emulator.requests()
    figures.faults.update(r["fault"] for r in log if r.get("fault"))
    figures.faults["revoked mid-run"] += chaos.revocations
    figures.faults["latency spike"] += chaos.spikes
    figures.faulted_exit = faulted.code
    figures.actions = len((report or {}).get("results", []))
    figures.failed = sum(1 for r in (report or {}).get("results", []) if r["result"] == "failed")
    diffs = differences(scenario, emulator.state())
    if faulted.code == 1:
        if writes(log):
            figures.problems.append(f"exit 1 after {len(writes(log))} writes")
    elif faulted.code in (0, 4):
        figures.unreported = unexplained(diffs, report)
    else:
        figures.problems.append(f"faulted run exit {faulted.code}: {faulted.stderr[-300:]}")

    emulator.clear_requests()
    clean, clean_report = workspace.sync("clean")
    plan = workspace.run("plan", "--detailed-exitcode")
    figures.clean_exit, figures.plan_exit = clean.code, plan.code
    figures.retries = _api_retries(report) + _api_retries(clean_report)
    final = emulator.state()
    figures.left = differences(scenario, final)
    figures.duplicates = duplicate_invites(final, scenario.seeded_ids)
    figures.removals = unintended_removals(scenario, final)
    if clean.code != 0:
        figures.problems.append(f"clean run exit {clean.code}: {clean.stderr[-300:]}")
    if plan.code != 0:
        figures.problems.append(f"plan after the clean run exit {plan.code}: {plan.stdout[-300:]}")
    texts = [
        *faulted.texts("faulted"),
        *clean.texts("clean"),
        *plan.texts("plan"),
        *output_files(workspace.root, workspace.secrets_dir),
    ]
    figures.tracebacks = tracebacks(texts)
    figures.leaks = leaked(secrets, texts)


def table(runs: list[RunFigures], root: Path) -> str:
    """The campaign summary: one line per run, then the totals."""
    kinds = sorted({k for r in runs for k in r.faults})
    head = ["seed", "source", "exit f/c/p", "actions", "failed", "retries", "faults", "dup"]
    head += ["rm", "unrep", "left", "tb", "leak"]
    rows = [head]
    for r in runs:
        rows.append(
            [str(r.seed), r.source, f"{r.faulted_exit}/{r.clean_exit}/{r.plan_exit}",
             str(r.actions), str(r.failed), str(r.retries), str(sum(r.faults.values())),
             str(r.duplicates), str(len(r.removals)), str(len(r.unreported)),
             str(sum(map(len, r.left.values()))), str(len(r.tracebacks)), str(len(r.leaks))]
        )  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(head))]
    lines = ["  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    total: Counter[str] = Counter()
    for r in runs:
        total.update(r.faults)
    lines.append(
        f"runs {len(runs)}, converged {sum(1 for r in runs if not r.left)}, "
        f"actions {sum(r.actions for r in runs)} (failed and reported "
        f"{sum(r.failed for r in runs)}), retries {sum(r.retries for r in runs)}, "
        f"duplicates {sum(r.duplicates for r in runs)}, unintended removals "
        f"{sum(len(r.removals) for r in runs)}, unreported failures "
        f"{sum(len(r.unreported) for r in runs)}, tracebacks "
        f"{sum(len(r.tracebacks) for r in runs)}, leaked secrets {sum(len(r.leaks) for r in runs)}"
    )
    lines.append("faults injected: " + ", ".join(f"{k} {total[k]}" for k in kinds))
    lines.append(f"outputs kept in {root}")
    return "\n".join(lines)
