"""The `dirsync` command: parses arguments, picks output formats and exit codes."""

from __future__ import annotations

import click

from dirsync import __version__
from dirsync.cli.check import check_command
from dirsync.cli.context import CliContext
from dirsync.cli.demo import demo_command
from dirsync.cli.emulator import emulator as emulator_command
from dirsync.cli.events import events_command
from dirsync.cli.onboarding import invite_command, offboard_command, restore_command
from dirsync.cli.source import source_command
from dirsync.cli.sync import plan_command, sync_command
from dirsync.logs import LogFormat, setup_logging


@click.group(
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
    epilog="Configuration: --config FILE, else $DIRSYNC_CONFIG, else /etc/dirsync/dirsync.toml. "
    "Every key can be overridden as DIRSYNC_<SECTION>__<KEY>.",
)
@click.version_option(__version__, "--version", prog_name="dirsync")
@click.option(
    "--config",
    "config_option",
    metavar="FILE",
    envvar="DIRSYNC_CONFIG",
    show_envvar=True,
    help="Configuration file [default: /etc/dirsync/dirsync.toml].",
)
@click.option(
    "--log-format",
    type=click.Choice(["auto", "text", "json"]),
    default="auto",
    show_default=True,
    help="Log lines on standard error; auto: text on a terminal, JSON lines otherwise.",
)
@click.option("-v", "--verbose", count=True, help="More detail: -v debug, -vv libraries too.")
@click.option("-q", "--quiet", count=True, help="Less: -q warnings and errors, -qq errors.")
@click.pass_context
def main(
    ctx: click.Context, config_option: str | None, log_format: LogFormat, verbose: int, quiet: int
) -> None:
    """Sync LDAP, Active Directory or an HR CSV export into a Bitwarden organization."""
    setup_logging(log_format, verbose - quiet)
    ctx.obj = CliContext(config_option=config_option)


# Subcommands register here, one line each.
main.add_command(source_command)
main.add_command(emulator_command)
main.add_command(plan_command)
main.add_command(sync_command)
main.add_command(invite_command)
main.add_command(offboard_command)
main.add_command(restore_command)
main.add_command(check_command)
main.add_command(demo_command)
main.add_command(events_command)
