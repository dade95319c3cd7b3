"""Run metrics in node_exporter's textfile format, written atomically, from a RunReport.

Every series carries an ``organization`` label (the id in the API client id), so that
several dirsync instances can write files into one textfile-collector directory.
``dirsync_last_success_timestamp_seconds`` moves only when a run succeeds; a failed run
carries the previous value over from the file it replaces (0 when there never was one,
so that an alert on its age fires for an instance that never succeeded). A run
succeeded when it ended with exit code 0: nothing failed and no removal was withheld.
Only real syncs belong in the file; a dry run's report is refused.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

from dirsync.atomic import replacing
from dirsync.sync.report import RunReport
from dirsync.sync.state import record

LAST_SUCCESS = "dirsync_last_success_timestamp_seconds"

_FAMILIES: dict[str, tuple[str, str]] = {
    "dirsync_last_run_timestamp_seconds": ("When the last run finished.", "gauge"),
    LAST_SUCCESS: ("When a run last finished successfully (0: never).", "gauge"),
    "dirsync_last_run_success": ("1 if the last run succeeded, else 0.", "gauge"),
    "dirsync_run_duration_seconds": ("How long the last run took.", "gauge"),
    "dirsync_phase_duration_seconds": ("How long each phase of the last run took.", "gauge"),
    "dirsync_actions": ("Actions of the last run by kind and result.", "gauge"),
    "dirsync_managed_members": ("Members dirsync manages after the last run.", "gauge"),
    "dirsync_managed_groups": ("Groups dirsync manages after the last run.", "gauge"),
    "dirsync_members_awaiting_confirmation": (
        "Members who accepted and wait for an admin to confirm them.",
        "gauge",
    ),
    "dirsync_confirmation_wait_longest_seconds": (
        "How long the longest-waiting accepted member has waited for confirmation.",
        "gauge",
    ),
    "dirsync_api_requests": ("API requests of the last run by method and endpoint.", "gauge"),
    "dirsync_api_retries": ("API requests retried in the last run.", "gauge"),
    "dirsync_api_rate_limited": ("HTTP 429 answers in the last run.", "gauge"),
    "dirsync_api_throttle_wait_seconds": ("Time the last run waited for the rate limit.", "gauge"),
}


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(**labels: str) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in labels.items()) + "}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def organization_of(client_id: str) -> str:
    """The organization id in an API client id ("organization.<id>"), else the client id."""
    return client_id.removeprefix("organization.")


def previous_success(path: Path, organization: str) -> float | None:
    """The last-success timestamp for *organization* in an existing metrics file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    prefix = f"{LAST_SUCCESS}{_labels(organization=organization)} "
    for line in text.splitlines():
        if line.startswith(prefix):
            try:
                return float(line.removeprefix(prefix))
            except ValueError:
                return None
    return None


def succeeded(report: RunReport) -> bool:
    return report.exit_code == 0 and report.error is None


def action_counts(report: RunReport) -> Counter[tuple[str, str]]:
    """(kind, result) -> count; result is "ok", "failed" or "withheld"."""
    counts = Counter((o.action.kind, "ok" if o.ok else "failed") for o in report.outcomes)
    if report.plan is not None:
        counts.update((a.kind, "withheld") for a in report.plan.withheld())
    return counts


def _samples(
    report: RunReport, organization: str, finished: datetime, last_success: float
) -> Iterator[tuple[str, dict[str, str], float]]:
    org = {"organization": organization}
    yield "dirsync_last_run_timestamp_seconds", org, finished.timestamp()
    yield LAST_SUCCESS, org, last_success
    yield "dirsync_last_run_success", org, 1 if succeeded(report) else 0
    yield "dirsync_run_duration_seconds", org, (finished - report.started).total_seconds()
    for phase, seconds in sorted(report.durations.items()):
        yield "dirsync_phase_duration_seconds", {**org, "phase": phase}, seconds
    for (kind, result), count in sorted(action_counts(report).items()):
        yield "dirsync_actions", {**org, "kind": kind, "result": result}, count
    if report.plan is not None:
        done = [(o.action, o.created_id) for o in report.outcomes if o.ok]
        after = record(report.plan.state, done, report.started)
        yield "dirsync_managed_members", org, len(after.managed_members)
        yield "dirsync_managed_groups", org, len(after.managed_groups)
        waiting = report.plan.awaiting
        yield "dirsync_members_awaiting_confirmation", org, len(waiting.emails) if waiting else 0
        longest = waiting.longest_seconds if waiting else 0.0
        yield "dirsync_confirmation_wait_longest_seconds", org, longest
    api = report.api
    if api:
        for call, count in sorted(api.get("calls", {}).items()):
            method, _, endpoint = call.partition(" ")
            labels = {**org, "method": method, "endpoint": endpoint}
            yield "dirsync_api_requests", labels, count
        yield "dirsync_api_retries", org, api.get("retries", 0)
        yield "dirsync_api_rate_limited", org, api.get("rate_limited", 0)
        yield "dirsync_api_throttle_wait_seconds", org, api.get("throttle_wait_seconds", 0.0)


def render_metrics(
    report: RunReport, *, organization: str, finished: datetime, last_success: float | None
) -> str:
    """The textfile: HELP and TYPE once per family, then its series."""
    if succeeded(report):
        last_success = finished.timestamp()
    by_family: dict[str, list[str]] = {}
    for name, labels, value in _samples(report, organization, finished, last_success or 0):
        by_family.setdefault(name, []).append(f"{name}{_labels(**labels)} {_number(value)}")
    lines: list[str] = []
    for name, (help_text, kind) in _FAMILIES.items():
        if name in by_family:
            lines += [f"# HELP {name} {help_text}", f"# TYPE {name} {kind}", *by_family[name]]
    return "\n".join(lines) + "\n"


_NAME = re.compile(r"^[^.][^/]*\.prom$")


def write_metrics(path: Path, report: RunReport, *, organization: str, finished: datetime) -> None:
    """Replace *path* with this run's metrics, readable by all (atomically: dirsync.atomic)."""
    if report.dry_run:
        raise ValueError("a dry run is not a sync: its report does not go into the metrics")
    if not _NAME.match(path.name):
        raise ValueError(f"report.metrics_file {path}: node_exporter reads only *.prom files")
    last_success = previous_success(path, organization)
    text = render_metrics(
        report, organization=organization, finished=finished, last_success=last_success
    )
    # Metrics are not secret, and node_exporter runs as another user.
    with replacing(path, 0o644) as handle:
        handle.write(text)
