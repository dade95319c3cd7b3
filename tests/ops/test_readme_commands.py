"""The README's two commands, verbatim, each in a fresh copy of the repository.

Each copy holds the tracked files (``git ls-files``) as they are in the working tree, so
in CI, a fresh clone, it is exactly the clone. Nothing is shared with the test's own
environment: every command runs through ``bash -c`` in the copy, with a fresh ``.venv``
and packages from PyPI (pip's cache is used when present).

- "Try it" runs whole, as written, and must end in the demo: a plan that is applied, then
  an empty plan on the second run.
- "Run the tests" is ``bash .ci/setup && .venv/bin/python -m pytest``. Its second half
  would run this whole suite inside itself, this test included, and so on forever. Only
  its first half runs verbatim here (the part before the first `` && ``); then
  ``.venv/bin/python -m pytest --collect-only -q`` shows that the suite it set up is
  complete and importable. The whole command is what CI's ``.ci/run`` runs.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TIMEOUT_SECONDS = 900
FENCED = re.compile(r"^## (?P<heading>[^\n]+)\n+```sh\n(?P<command>[^\n]+)\n```", re.MULTILINE)

pytestmark = pytest.mark.slow


def readme_commands(text: str) -> dict[str, str]:
    """The one-line ``sh`` block under each ``##`` heading that starts with one."""
    return {m["heading"].strip(): m["command"].strip() for m in FENCED.finditer(text)}


def command_under(prefix: str) -> str:
    commands = readme_commands((REPO / "README.md").read_text(encoding="utf-8"))
    found = [command for heading, command in commands.items() if heading.startswith(prefix)]
    assert len(found) == 1, f"README.md: one sh block under a '## {prefix}' heading: {commands}"
    return found[0]


def copy_tracked_files(destination: Path) -> None:
    listing = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True, timeout=60
    )
    for name in listing.stdout.decode().split("\0"):
        source = REPO / name
        if name and source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def run_shell(command: str, cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    """``bash -c command`` with this test's virtual environment and dirsync settings removed."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "COV_CORE_SOURCE")
        and not key.startswith(("DIRSYNC_", "COV_CORE_"))
    }
    venv_bin = str(Path(os.environ.get("VIRTUAL_ENV", REPO / ".venv")) / "bin")
    env["PATH"] = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep) if p != venv_bin)
    started = time.perf_counter()
    result = subprocess.run(
        ["bash", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    return result, time.perf_counter() - started


@pytest.fixture
def fresh_copy() -> Iterator[Path]:
    if not (REPO / ".git").exists():
        pytest.fail("the README test needs a git checkout to know the tracked files")
    with tempfile.TemporaryDirectory(prefix="dirsync-readme-") as directory:
        copy = Path(directory) / "dirsync"
        copy_tracked_files(copy)
        yield copy


def test_try_it_runs_the_demo(fresh_copy: Path) -> None:
    command = command_under("Try it")
    assert command.endswith(".venv/bin/dirsync demo"), f"README's Try it runs: {command}"
    result, seconds = run_shell(command, fresh_copy)
    print(f"Try it: {seconds:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr
    first, _, second = result.stdout.partition("== dirsync sync, again")
    assert re.search(r"^Plan: \d+ adopt, \d+ create-group, \d+ invite, ", first, re.MULTILINE)
    assert re.search(r"^sync: (\d+) planned, \1 applied, 0 failed\.$", first, re.MULTILINE)
    assert "No changes: the organization matches the source." in second
    assert "sync: 0 planned, 0 applied, 0 failed." in second


def test_run_the_tests_sets_up_a_collectable_suite(fresh_copy: Path) -> None:
    command = command_under("Run the tests")
    setup, separator, run = command.partition(" && ")
    assert (setup, separator, run) == ("bash .ci/setup", " && ", ".venv/bin/python -m pytest")
    result, seconds = run_shell(setup, fresh_copy)
    print(f"bash .ci/setup: {seconds:.1f} s")
    assert result.returncode == 0, result.stdout + result.stderr

    collected, seconds = run_shell(".venv/bin/python -m pytest --collect-only -q", fresh_copy)
    print(f"pytest --collect-only: {seconds:.1f} s")
    assert collected.returncode == 0, collected.stdout + collected.stderr
    assert "tests/ops/test_demo.py::test_demo_plans_applies_then_plans_nothing" in collected.stdout
    count = re.search(r"^(\d+) tests collected", collected.stdout, re.MULTILINE)
    assert count is not None, collected.stdout
    assert int(count[1]) > 100


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    """CI proves what the README promises: `.ci/run` holds the command as one line."""
    ci_lines = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert command_under("Run the tests") in ci_lines
