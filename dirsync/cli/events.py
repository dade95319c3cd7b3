"""`dirsync events`: the organization's event log as JSON lines, incrementally or once."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

import click

from dirsync.bitwarden.models import Member
from dirsync.bitwarden.reads import ReadClient
from dirsync.cli.context import CliContext, fail, pass_cli
from dirsync.cli.progress import progress_for
from dirsync.cli.runtime import NOW_ENV, current_time, one_line_errors, open_client
from dirsync.config import EventsConfig
from dirsync.events.export import Summary, export, line, read_once
from dirsync.events.names import parse_moment, parse_type
from dirsync.events.output import FileSink, Sink, StreamSink
from dirsync.events.reader import Selection
from dirsync.progress import NoProgress, Progress
from dirsync.sync.state_file import run_lock

log = logging.getLogger(__name__)
EVENTS_DIR = "events"
DEFAULT_SINCE = timedelta(days=30)
EPILOG = (
    "Each line is the API's event plus typeName, actingUserEmail, memberEmail and eventKey "
    "(a hash of the event, the same in every run). The cursor lives in "
    f"<sync.state_dir>/{EVENTS_DIR}/. ${NOW_ENV} replaces the clock."
)


def moment_option(text: str | None, name: str, now: datetime) -> datetime | None:
    """A --since/--until value, or a usage error (exit 2) naming the option."""
    if text is None:
        return None
    try:
        return parse_moment(text, now)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=name) from None


def member_events(
    client: ReadClient, member: Member, since: datetime, now: datetime
) -> list[dict[str, Any]]:
    """Events by or about *member* from *since* to *now*, oldest first."""
    found: list[dict[str, Any]] = []
    selection = Selection(member_id=member.id, user_id=member.user_id)
    read_once(client, since, now, selection, found.extend, NoProgress(), known=[member])
    return found


def _sink(config: EventsConfig) -> Sink:
    if config.file is None:
        return StreamSink(sys.stdout)
    return FileSink(
        config.file,
        rotate=config.rotate,
        max_bytes=config.max_size_mb * 1024 * 1024,
        keep=config.keep,
    )


def _appender(stream: TextIO) -> Callable[[list[dict[str, Any]]], None]:
    def emit(records: list[dict[str, Any]]) -> None:
        if records:
            stream.write("".join(line(fields) + "\n" for fields in records))
            stream.flush()

    return emit


def _one_off(
    client: ReadClient,
    window: tuple[datetime, datetime],
    member: str | None,
    types: frozenset[int] | None,
    output: Path | None,
    progress: Progress,
) -> Summary:
    selection = Selection(types=types)
    if member is not None:
        found = client.find_member_by_email(member)
        if found is None:
            fail(f"--member: no member with the email {member} in the organization")
        selection = Selection(types=types, member_id=found.id, user_id=found.user_id)
    if output is None:
        return read_once(client, *window, selection, _appender(sys.stdout), progress)
    try:
        with output.open("a", encoding="utf-8") as stream:
            return read_once(client, *window, selection, _appender(stream), progress)
    except OSError as exc:
        fail(f"cannot write --output {output}: {exc.strerror}")


@click.command("events", epilog=EPILOG)
@click.option("--since", metavar="AGE|DATE", help="One-off read from then (30d, 12h, ISO date).")
@click.option("--until", metavar="AGE|DATE", help="One-off read up to then [default: now].")
@click.option("--member", metavar="EMAIL", help="One-off read of events by or about EMAIL.")
@click.option(
    "--type",
    "types",
    multiple=True,
    metavar="TYPE",
    help="One-off read of these types only (number or name, e.g. 1511 or Revoked); repeatable.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Append a one-off read to FILE instead of standard output.",
)
@pass_cli
def events_command(
    cli: CliContext,
    since: str | None,
    until: str | None,
    member: str | None,
    types: tuple[str, ...],
    output: Path | None,
) -> None:
    """Export the organization's event log as JSON lines, each event once.

    Without options: every event since the last run (the first run reaches
    events.first_days back), appended to events.file or written to standard output; the
    cursor moves only once they are written. With any of --since, --until, --member or
    --type: a one-off read (from 30d back unless --since says otherwise) that leaves the
    cursor alone.
    """
    now = current_time()
    start = moment_option(since, "--since", now)
    end = moment_option(until, "--until", now) or now
    try:
        wanted = frozenset(parse_type(t) for t in types) or None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--type") from None
    if start is not None and start >= end:
        raise click.BadParameter(f"{since!r} is not before --until", param_hint="--since")
    one_off = since is not None or until is not None or member is not None or bool(types)
    if output is not None and not one_off:
        raise click.UsageError("--output is for one-off reads; the export writes events.file")
    settings = cli.settings()
    progress = progress_for(sys.stderr)
    with open_client(settings, dry_run=True) as client, one_line_errors(settings):
        try:
            if one_off:
                window = (start or end - DEFAULT_SINCE, end)
                summary = _one_off(client, window, member, wanted, output, progress)
            else:
                directory = settings.sync.state_dir / EVENTS_DIR
                with run_lock(directory):
                    sink = _sink(settings.events)
                    summary = export(client, sink, directory, settings.events, now, progress)
        finally:
            progress.close()
    log.info(
        "events: %d written (%d read in %d pages)%s",
        summary.written,
        summary.read,
        summary.pages,
        f", cursor at {summary.through.isoformat()}" if summary.through else "",
    )
