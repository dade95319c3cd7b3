"""The top-level command: version, help, and working without the emulator extra."""

from __future__ import annotations

import subprocess
import sys

from click.testing import CliRunner

from dirsync import __version__
from dirsync.cli.main import main

WITHOUT_EMULATOR_EXTRA = (
    "import sys; sys.modules['starlette'] = None; sys.modules['uvicorn'] = None; "
    "from dirsync.cli.main import main; main(sys.argv[1:])"
)


def test_version_and_help() -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["--version"]).output.strip() == f"dirsync, version {__version__}"
    result = runner.invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("sync", "plan", "source", "check", "demo", "emulator", "invite", "offboard"):
        assert command in result.output


def test_commands_work_without_the_emulator_extra() -> None:
    """starlette and uvicorn are an optional extra: only `emulator serve` and `demo` need them."""
    result = subprocess.run(
        [sys.executable, "-c", WITHOUT_EMULATOR_EXTRA, "source", "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "--format" in result.stdout
    serve = subprocess.run(
        [sys.executable, "-c", WITHOUT_EMULATOR_EXTRA, "emulator", "serve", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert serve.returncode != 0
    assert "Traceback" not in serve.stderr
    assert "needs the 'emulator' extra" in serve.stderr
