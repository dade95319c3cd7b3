"""`pip wheel .` builds a wheel that installs into a fresh virtual environment and runs
with no source tree: `dirsync demo` (the README's main job) from an empty directory."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


def _run(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, env=ENV
    )


def test_the_wheel_installs_and_runs_the_demo_without_the_source_tree(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    built = _run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, REPO,
                 cwd=tmp_path)  # fmt: skip
    assert built.returncode == 0, built.stderr
    (wheel,) = wheels.glob("dirsync-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "dirsync/examples/hr.toml" in names
    assert "dirsync/examples/example-hr.csv" in names
    assert not [n for n in names if n.startswith(("tests/", "config/"))]

    venv = tmp_path / "venv"
    assert _run(sys.executable, "-m", "venv", venv, cwd=tmp_path).returncode == 0
    installed = _run(venv / "bin" / "pip", "install", "-q", "-c", REPO / "constraints.txt",
                     f"dirsync[emulator] @ {wheel.as_uri()}", cwd=tmp_path)  # fmt: skip
    assert installed.returncode == 0, installed.stderr
    empty = tmp_path / "elsewhere"
    empty.mkdir()
    demo = _run(venv / "bin" / "dirsync", "--log-format", "text", "demo", cwd=empty)
    assert demo.returncode == 0, demo.stdout + demo.stderr
    assert "No changes: the organization matches the source." in demo.stdout
    location = _run(venv / "bin" / "python", "-c", "import dirsync; print(dirsync.__file__)",
                    cwd=empty)  # fmt: skip
    assert location.stdout.startswith(str(venv)), location.stdout
