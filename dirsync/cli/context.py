"""What the top-level command hands to its subcommands."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from dirsync.cli import exitcodes
from dirsync.config import ConfigError, Settings
from dirsync.config_sources import load_settings, resolve_config_path


@dataclass
class CliContext:
    config_option: str | None

    @property
    def config_path(self) -> Path:
        return resolve_config_path(self.config_option)

    def settings(self) -> Settings:
        """Load the configuration, or exit 1 with the error's one clear message."""
        try:
            return load_settings(self.config_path)
        except ConfigError as exc:
            fail(str(exc))


def fail(message: str, code: int = exitcodes.ERROR) -> NoReturn:
    """Print one clear line (no traceback) to stderr and exit."""
    click.echo(f"dirsync: error: {message}", err=True)
    raise SystemExit(code)


pass_cli = click.make_pass_decorator(CliContext)

F = TypeVar("F", bound=Callable[..., Any])


def format_option(readable: str) -> Callable[[F], F]:
    """``--format table|json``: *readable* names what `table` prints (e.g. "A readable table")."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["table", "json"]),
        default="table",
        show_default=True,
        help=f"{readable}, or one JSON document.",
    )
