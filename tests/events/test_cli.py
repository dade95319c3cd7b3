"""`dirsync events` refuses bad options before it reads the configuration or the API."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dirsync.cli.main import main


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "1d", "--until", "2d"], "is not before --until"),
        (["--since", "yesterday"], "neither an age"),
        (["--type", "Created"], "'Created' is ambiguous: Collection_Created, Group_Created"),
        (["--type", "Logged"], "'Logged' is not an event type"),
        (["--output", "x.jsonl"], "--output is for one-off reads"),
    ],
)
def test_bad_options_exit_2(args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["--config", "/nonexistent.toml", "events", *args])
    assert result.exit_code == 2
    assert message in result.output
