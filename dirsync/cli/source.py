"""`dirsync source`: what the configured source yields, without touching Bitwarden."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import click

from dirsync.cli.context import CliContext, fail, format_option, pass_cli
from dirsync.cli.output import echo_json
from dirsync.cli.runtime import current_time
from dirsync.config import ConfigError
from dirsync.display import display_width, pad
from dirsync.model import DirectorySnapshot, SourceUser
from dirsync.sources import read_source
from dirsync.sources.errors import SourceError


def user_state(user: SourceUser) -> str:
    if user.scheduled:
        return "scheduled"
    return "enabled" if user.enabled else "disabled"


def snapshot_document(snapshot: DirectorySnapshot, today: date) -> dict[str, Any]:
    """The JSON form: stable ordering, sets as sorted lists."""
    return {
        "source": snapshot.source,
        "today": today.isoformat(),
        "users": [
            {
                "external_id": u.external_id,
                "email": u.email,
                "name": u.name,
                "username": u.username,
                "enabled": u.enabled,
                "scheduled": u.scheduled,
            }
            for u in snapshot.users
        ],
        "groups": [
            {"external_id": g.external_id, "name": g.name, "member_ids": sorted(g.member_ids)}
            for g in snapshot.groups
        ],
        "scheduled": [u.external_id for u in snapshot.users if u.scheduled],
        "warnings": [
            {"where": w.where, "message": w.message, "external_id": w.external_id}
            for w in snapshot.warnings
        ],
        "uncertain_ids": sorted(snapshot.uncertain_ids),
    }


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [
        max([display_width(h), *(display_width(row[i]) for row in rows)])
        for i, h in enumerate(headers)
    ]
    lines = [headers, *rows]
    return [
        "  ".join(pad(c, w) for c, w in zip(line, widths, strict=True)).rstrip() for line in lines
    ]


def snapshot_text(snapshot: DirectorySnapshot, today: date) -> str:
    """The readable form: a summary line, then one table per section."""
    users = snapshot.users
    counts = {
        state: sum(user_state(u) == state for u in users)
        for state in ("enabled", "disabled", "scheduled")
    }
    out = [
        f"source {snapshot.source} as of {today.isoformat()}: {len(users)} users "
        f"({counts['enabled']} enabled, {counts['disabled']} disabled, "
        f"{counts['scheduled']} scheduled), {len(snapshot.groups)} groups, "
        f"{len(snapshot.warnings)} warnings",
        "",
        "Users:",
    ]
    out += _table(
        ("EXTERNAL ID", "EMAIL", "NAME", "STATE"),
        [(u.external_id, u.email, u.name or "", user_state(u)) for u in users],
    )
    out += ["", "Groups:"]
    out += _table(
        ("EXTERNAL ID", "NAME", "MEMBERS"),
        [(g.external_id, g.name, str(len(g.member_ids))) for g in snapshot.groups],
    )
    scheduled = [u for u in users if u.scheduled]
    out += ["", f"Scheduled (not invited yet): {len(scheduled)}"]
    out += [f"  {u.external_id}  {u.email}" for u in scheduled]
    out += ["", f"Warnings: {len(snapshot.warnings)}"]
    out += [f"  {w.where}: {w.message}" for w in snapshot.warnings]
    if snapshot.uncertain_ids:
        out += [
            "",
            "Uncertain (never treated as leavers): " + ", ".join(sorted(snapshot.uncertain_ids)),
        ]
    return "\n".join(out)


@click.command("source")
@format_option("Readable tables")
@click.option(
    "--today",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    default=None,
    metavar="YYYY-MM-DD",
    help="The day effective dates are judged on [default: today].",
)
@pass_cli
def source_command(cli: CliContext, output_format: str, today: datetime | None) -> None:
    """Show the users, groups, scheduled users and warnings the source yields."""
    settings = cli.settings()
    # --today is that day in every zone; otherwise the clock, read in each row's zone.
    when: date = today.date() if today is not None else current_time()
    try:
        snapshot = read_source(settings, when)
    except (SourceError, ConfigError) as exc:
        fail(f"{settings.source.type} source: {exc}")
    day = when.date() if isinstance(when, datetime) else when
    if output_format == "json":
        echo_json(snapshot_document(snapshot, day))
    else:
        click.echo(snapshot_text(snapshot, day))
