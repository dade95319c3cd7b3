"""RunReport: what a run planned, what each action did, API figures and durations."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from dirsync.sync.apply import Outcome
from dirsync.sync.plan import Plan
from dirsync.sync.render import action_json, plan_json, withheld_text

SAME_ERROR_GROUP = 3
"""From this many failures with one reason (a seat limit, an import refused), one line."""


def failure_lines(failed: list[Outcome]) -> list[str]:
    """One line per failure, but one line for many failures that share their reason."""
    by_reason: dict[tuple[str, str | None], list[Outcome]] = {}
    for outcome in failed:
        by_reason.setdefault((outcome.action.kind, outcome.error), []).append(outcome)
    lines: list[str] = []
    for (kind, error), same in by_reason.items():
        if len(same) < SAME_ERROR_GROUP:
            lines += [f"  FAILED {kind} {o.action.target()}: {error}" for o in same]
            continue
        names = ", ".join(o.action.target() for o in same[:3])
        lines.append(f"  FAILED {len(same)} {kind}: {error} ({names}, +{len(same) - 3} more)")
    return lines


@dataclass
class RunReport:
    command: str
    started: datetime
    dry_run: bool
    source: str | None = None
    plan: Plan | None = None
    outcomes: list[Outcome] = field(default_factory=list)
    api: dict[str, Any] = field(default_factory=dict)
    durations: dict[str, float] = field(default_factory=dict)
    exit_code: int = 0
    error: str | None = None
    stopped: str | None = None
    """The signal that stopped the run (SIGINT, SIGTERM), if one did."""

    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]

    def counts(self) -> dict[str, Any]:
        planned = self.plan.counts() if self.plan else {}
        done = Counter(o.action.kind for o in self.outcomes if o.ok)
        failed = Counter(o.action.kind for o in self.outcomes if not o.ok)
        return {
            "planned": planned,
            "ok": dict(done),
            "failed": dict(failed),
            "withheld": len(self.plan.withheld()) if self.plan else 0,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "started": self.started.isoformat(),
            "dry_run": self.dry_run,
            "source": self.source,
            "exit_code": self.exit_code,
            "error": self.error,
            "stopped": self.stopped,
            "counts": self.counts(),
            "plan": plan_json(self.plan) if self.plan else None,
            "results": [
                {
                    **action_json(o.action),
                    "result": "ok" if o.ok else "failed",
                    "reason": o.error,
                    "created_id": o.created_id,
                }
                for o in self.outcomes
            ],
            "api": self.api,
            "durations_seconds": {k: round(v, 3) for k, v in self.durations.items()},
        }

    def not_started(self) -> int:
        """Runnable actions that a stop kept from starting."""
        return len(self.plan.runnable()) - len(self.outcomes) if self.plan else 0

    def stop_line(self) -> str:
        """One line for a stopped run."""
        if self.plan is None:
            return f"stopped by {self.stopped} before any write"
        ok = sum(1 for o in self.outcomes if o.ok)
        return (
            f"stopped by {self.stopped}: {ok} applied, {len(self.failed())} failed, "
            f"{self.not_started()} not started; the audit trail, state and report are saved"
        )

    def summary(self) -> str:
        """A few readable lines: totals, failures with reasons, withheld removals, API figures."""
        lines: list[str] = []
        ok = sum(1 for o in self.outcomes if o.ok)
        failed = self.failed()
        planned = len(self.plan.actions) if self.plan else 0
        if self.dry_run:
            lines.append(f"{self.command} (dry run): {planned} planned, nothing sent.")
        else:
            lines.append(f"{self.command}: {planned} planned, {ok} applied, {len(failed)} failed.")
        lines += failure_lines(failed)
        if self.plan and self.plan.withheld():
            lines.append(f"  WITHHELD {withheld_text(self.plan)}.")
        if self.api:
            api = self.api
            lines.append(
                f"API: {api.get('total_calls', 0)} calls, {api.get('retries', 0)} retries, "
                f"{api.get('rate_limited', 0)} rate-limited (429)."
            )
        if self.durations:
            lines.append(
                "Time: " + ", ".join(f"{k} {v:.2f}s" for k, v in self.durations.items()) + "."
            )
        return "\n".join(lines)
