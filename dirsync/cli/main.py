"""The `dirsync` command: parses arguments, picks output formats and exit codes."""

from __future__ import annotations

import click

from dirsync import __version__
from dirsync.cli.context import CliContext


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
@click.pass_context
def main(ctx: click.Context, config_option: str | None) -> None:
    """Sync LDAP, Active Directory or an HR CSV export into a Bitwarden organization."""
    ctx.obj = CliContext(config_option=config_option)


# Subcommands register here, one line each.
