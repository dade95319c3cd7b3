"""`dirsync plan` and `dirsync sync`: the diff, and applying it safely."""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click

from dirsync.atomic import replacing
from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.errors import BitwardenError
from dirsync.cli import exitcodes
from dirsync.cli.context import CliContext, fail, format_option, pass_cli
from dirsync.cli.output import echo_json, write_json
from dirsync.cli.progress import progress_for
from dirsync.cli.runtime import (
    NOW_ENV,
    current_time,
    error_message,
    one_line_errors,
    open_client,
)
from dirsync.config import ConfigError, Settings
from dirsync.logs import shows
from dirsync.notify import notify
from dirsync.progress import Progress
from dirsync.sources import read_source
from dirsync.sources.errors import SourceError
from dirsync.sync.apply import Outcome
from dirsync.sync.audit import AuditTrail, audit_path
from dirsync.sync.errors import SyncError
from dirsync.sync.metrics import organization_of, write_metrics
from dirsync.sync.plan import Plan
from dirsync.sync.render import plan_json, plan_table
from dirsync.sync.report import RunReport
from dirsync.sync.run import Run
from dirsync.sync.state_file import run_lock
from dirsync.sync.stop import StopRequest

FORMAT = format_option("A readable table")
CLOCK_NOTE = f"${NOW_ENV} (ISO-8601 with zone) replaces the clock, for tests and replays."
SYNC_EPILOG = (
    "Exit codes: 0 done, 1 error (nothing unsafe was done), 2 usage, 3 removals or takeovers "
    "withheld by sync.max_removals / max_removal_percent / max_takeovers (everything else "
    "ran), 4 some actions failed, "
    "130/143 stopped by SIGINT/SIGTERM (the calls in flight finished and were audited). "
    + CLOCK_NOTE
)
_STOP_CODES = {signal.SIGINT: exitcodes.STOPPED_SIGINT, signal.SIGTERM: exitcodes.STOPPED_SIGTERM}


def exit_code(plan: Plan, outcomes: list[Outcome]) -> int:
    """4 when an action failed, else 3 when removals were withheld, else 0."""
    if any(not o.ok for o in outcomes):
        return exitcodes.ACTIONS_FAILED
    if plan.withheld():
        return exitcodes.REMOVALS_WITHHELD
    return exitcodes.OK


@contextlib.contextmanager
def _stoppable() -> Iterator[StopRequest]:
    """SIGINT and SIGTERM ask the run to stop: no new call, the calls in flight finish."""
    stop = StopRequest()

    def handler(signum: int, _frame: object) -> None:
        if stop.set(signal.Signals(signum)):
            click.echo(
                f"dirsync: {signal.Signals(signum).name}: stopping; "
                "the calls in flight finish, nothing new starts",
                err=True,
            )

    previous = {sig: signal.signal(sig, handler) for sig in _STOP_CODES}
    try:
        yield stop
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)


def _progress() -> Progress:
    return progress_for(sys.stderr)


def _warn(plan: Plan) -> None:
    if not shows(logging.WARNING):
        return
    for warning in plan.warnings:
        click.echo(f"dirsync: warning: {warning}", err=True)


def _write_report(path: Path | None, report: RunReport) -> None:
    if path is None:
        return
    try:
        # Written in pieces (100,000 actions are ~60 MB): whole, or the old report stays.
        with replacing(path) as out:
            write_json(report.to_json(), out, 2)
    except OSError as exc:
        fail(f"cannot write report {path}: {exc.strerror}")


@click.command("plan", epilog=CLOCK_NOTE)
@FORMAT
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there is nothing to do, 5 when the plan has changes.",
)
@pass_cli
def plan_command(cli: CliContext, output_format: str, detailed_exitcode: bool) -> None:
    """Show what `sync` would change. Reads only (a dry-run client refuses every write)."""
    settings = cli.settings()
    now = current_time()
    with open_client(settings, dry_run=True) as client, one_line_errors(settings):
        plan = Run(settings, client, now, progress=_progress()).plan(read_source)
    if output_format == "json":
        echo_json(plan_json(plan))
    else:
        _warn(plan)
        click.echo(plan_table(plan))
    if detailed_exitcode and not plan.is_empty():
        raise SystemExit(exitcodes.CHANGES_PENDING)


@click.command("sync", epilog=SYNC_EPILOG)
@click.option("--dry-run", is_flag=True, help="Plan and report, but send no write.")
@click.option(
    "--allow-removals",
    type=click.IntRange(min=0),
    metavar="N",
    help="This run may remove up to N members (and N groups) whatever the safety limits say.",
)
@click.option(
    "--allow-takeovers",
    type=click.IntRange(min=0),
    metavar="N",
    help="This run may take over up to N members and groups whatever sync.max_takeovers says.",
)
@click.option(
    "--allow-seat-growth",
    type=click.IntRange(min=0),
    metavar="N",
    help="This run may add up to N seats to the subscription (never past its autoscale cap).",
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the JSON run report here [default: report.file].",
)
@FORMAT
@pass_cli
def sync_command(
    cli: CliContext,
    dry_run: bool,
    allow_removals: int | None,
    allow_takeovers: int | None,
    allow_seat_growth: int | None,
    report_file: Path | None,
    output_format: str,
) -> None:
    """Make the organization match the source: plan, guard removals, apply, report."""
    settings = cli.settings()
    now = current_time()
    began = time.monotonic()
    report = RunReport(command="sync", started=now, dry_run=dry_run)
    client = open_client(settings, dry_run=dry_run)
    with _stoppable() as stop:
        try:
            with client:
                _sync(
                    settings,
                    client,
                    report,
                    (allow_removals, allow_takeovers, allow_seat_growth),
                    stop,
                )
        except (SourceError, ConfigError, SyncError, BitwardenError, OSError) as exc:
            report.error = error_message(exc, settings) or f"{exc}"
            report.exit_code = exitcodes.ERROR
        if stop.signal is not None:
            report.stopped = stop.signal.name
            report.exit_code = _STOP_CODES[stop.signal]
    report.api = client.stats.as_dict()
    _write_report(report_file or settings.report.file, report)
    if not dry_run and settings.report.metrics_file is not None:
        organization = organization_of(settings.bitwarden.client_id)
        # The start plus the elapsed time: the clock may be fixed by $DIRSYNC_NOW.
        finished = now + timedelta(seconds=time.monotonic() - began)
        try:
            write_metrics(
                settings.report.metrics_file, report, organization=organization, finished=finished
            )
        except (OSError, ValueError) as exc:
            fail(f"cannot write metrics {settings.report.metrics_file}: {exc}")
    notify(settings.notify, report)
    if report.stopped is not None:
        click.echo(f"dirsync: {report.stop_line()}", err=True)
        raise SystemExit(report.exit_code)
    if report.error is not None:
        fail(report.error)
    assert report.plan is not None
    if output_format == "json":
        document: dict[str, Any] = report.to_json()
        echo_json(document)
    else:
        _warn(report.plan)
        click.echo(plan_table(report.plan))
        click.echo(report.summary())
    raise SystemExit(report.exit_code)


def _sync(
    settings: Settings,
    client: BitwardenClient,
    report: RunReport,
    allowed: tuple[int | None, int | None, int | None],
    stop: StopRequest,
) -> None:
    """Plan and (unless a dry run) apply under the lock, filling *report* as it goes.

    *allowed*: --allow-removals, --allow-takeovers and --allow-seat-growth.
    """
    run = Run(settings, client, report.started, progress=_progress(), stop=stop)
    report.durations = run.durations
    if report.dry_run:
        report.plan = run.plan(read_source, *allowed)
        report.source = run.source
    else:
        with run_lock(settings.sync.state_dir):
            report.plan = run.plan(read_source, *allowed)
            report.source = run.source
            trail_path = audit_path(settings)
            with AuditTrail(trail_path, report.started.isoformat()) as trail:
                report.outcomes = run.apply(report.plan, on_outcome=trail.record)
    report.exit_code = exit_code(report.plan, report.outcomes)
