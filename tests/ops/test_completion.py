"""Shell completion works as the README documents it (click's _DIRSYNC_COMPLETE)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

DIRSYNC = Path(sys.executable).parent / "dirsync"


def complete(words: str, index: int | None = None, mode: str = "bash_complete") -> str:
    env = {"_DIRSYNC_COMPLETE": mode, "COMP_WORDS": words, "COMP_CWORD": str(index)}
    result = subprocess.run(
        [str(DIRSYNC)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        env={**os.environ, **env},
    )
    return result.stdout


@pytest.mark.parametrize(
    ("shell", "marker"),
    [("bash", "complete -o nosort -F _dirsync_completion dirsync"), ("zsh", "#compdef dirsync")],
)
def test_completion_script(shell: str, marker: str) -> None:
    assert marker in complete("", mode=f"{shell}_source")


def test_bash_completes_options_and_choices() -> None:
    assert complete("dirsync --log", 1).splitlines() == ["plain,--log-format"]
    assert complete("dirsync --log-format j", 2).splitlines() == ["plain,json"]
