"""`dirsync demo`: the whole product on this machine, with no credentials and no network.

An emulated Bitwarden organization is served over HTTP in this process, and the real
`dirsync sync` command syncs config/example-hr.csv into it twice: the first run shows the
plan and its result, the second an empty plan.
"""

from __future__ import annotations

import tempfile
from datetime import date
from pathlib import Path

import click

from dirsync.cli.context import CliContext, fail
from dirsync.cli.runtime import current_time
from dirsync.config import ConfigError, Settings
from dirsync.model import DirectorySnapshot
from dirsync.sources import read_source
from dirsync.sources.errors import SourceError

EXAMPLES = """\b
Examples:
  dirsync demo
  dirsync --log-format json -v demo     # the same, with every log line as JSON
  DIRSYNC_NOW=2030-03-02T00:00:00+00:00 dirsync demo   # a later day: the scheduled hires start

\b
Needs the emulator extra: pip install -e '.[emulator]' from a dirsync source tree.
"""


RUN_TITLES = (
    "dirsync sync: the plan, then what was applied",
    "dirsync sync, again: nothing left to do",
)


class _DemoContext(CliContext):
    """Hands the demo's prepared settings to the real commands instead of a config file."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(config_option=None)
        self._settings = settings

    def settings(self) -> Settings:
        return self._settings


def _source_lines(snapshot: DirectorySnapshot, csv: Path, today: date) -> list[str]:
    scheduled = [u for u in snapshot.users if u.scheduled]
    leavers = [u for u in snapshot.users if not u.enabled and not u.scheduled]
    active = len(snapshot.users) - len(scheduled) - len(leavers)
    lines = [
        f"HR export {csv} as of {today.isoformat()}: {len(snapshot.users)} people, "
        f"{active} active, {len(leavers)} leavers, {len(scheduled)} scheduled; "
        f"{len(snapshot.groups)} groups.",
    ]
    if scheduled:
        emails = ", ".join(u.email for u in scheduled)
        lines.append(f"  Scheduled (invited on their start date, not now): {emails}")
    if leavers:
        emails = ", ".join(u.email for u in leavers)
        lines.append(f"  Leavers (never invited; revoked if they are members): {emails}")
    return lines


def _heading(text: str) -> None:
    click.echo()
    click.secho(f"== {text}", bold=True)


@click.command("demo", epilog=EXAMPLES)
@click.pass_context
def demo_command(ctx: click.Context) -> None:
    """Sync the example HR export into an emulated organization, twice. Needs nothing else."""
    try:
        from dirsync import demo
        from dirsync.emulator.runtime import EmulatorOptions
    except ImportError as exc:
        fail(
            f"dirsync demo needs the emulator extra ({exc.name} is missing): "
            "pip install -e '.[emulator]'"
        )
    # Imported after the extra check: the command itself is the one `dirsync sync` runs.
    from dirsync.cli.sync import sync_command

    try:
        examples = demo.find_examples()
    except demo.DemoError as exc:
        fail(str(exc))
    now = current_time()
    options = EmulatorOptions(seed=demo.demo_seed(), rate_limit="cloud")
    with (
        tempfile.TemporaryDirectory(prefix="dirsync-demo-") as workdir,
        demo.served_emulator(options) as emulator,
    ):
        try:
            settings = demo.demo_settings(examples, emulator, Path(workdir) / "state")
            snapshot = read_source(settings, now)
        except (demo.DemoError, SourceError, ConfigError) as exc:
            fail(str(exc))
        click.echo(
            f'Seeded organization "Demo Corp", emulated at {emulator.api_url} by this process '
            "(nothing leaves this machine):"
        )
        for line in demo.seed_description():
            click.echo(f"  {line}")
        click.echo(f"Mapping: {examples.config}")
        for line in _source_lines(snapshot, examples.csv, now.date()):
            click.echo(line)
        ctx.obj = _DemoContext(settings)
        codes = []
        for title in RUN_TITLES:
            _heading(title)
            try:
                ctx.invoke(sync_command)
            except SystemExit as done:
                codes.append(done.code if isinstance(done.code, int) else 1)
            click.echo(f"Organization now: {demo.organization_summary(settings)}.")
    click.echo()
    worst = max(codes)
    if worst:
        fail(f"a sync run exited {worst}", worst)
    click.echo("Done. Try `dirsync check` and `dirsync plan` against your own configuration.")
