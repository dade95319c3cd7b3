"""Shell completion works as the README documents it (click's _DIRSYNC_COMPLETE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from dirsync.cli.main import main

DIRSYNC = Path(sys.executable).parent / "dirsync"


def test_installed_command_prints_the_bash_script() -> None:
    result = subprocess.run(
        [str(DIRSYNC)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, "_DIRSYNC_COMPLETE": "bash_source"},
    )
    assert "complete -o nosort -F _dirsync_completion dirsync" in result.stdout


def complete(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mode: str,
    words: str = "",
    index: int = 0,
) -> str:
    for name, value in {
        "_DIRSYNC_COMPLETE": mode,
        "COMP_WORDS": words,
        "COMP_CWORD": str(index),
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SystemExit) as done:
        main.main(args=[], prog_name="dirsync")
    assert done.value.code == 0
    return capsys.readouterr().out


def test_zsh_and_fish_scripts(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert "#compdef dirsync" in complete(monkeypatch, capsys, "zsh_source")
    assert "complete --no-files --command dirsync" in complete(monkeypatch, capsys, "fish_source")


def test_bash_completes_options_and_choices(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    options = complete(monkeypatch, capsys, "bash_complete", "dirsync --log", 1)
    assert options.splitlines() == ["plain,--log-format"]
    choices = complete(monkeypatch, capsys, "bash_complete", "dirsync --log-format j", 2)
    assert choices.splitlines() == ["plain,json"]
