"""Options of the reliability suite: CI runs the short form, the command line the long one.

    .venv/bin/python -m pytest tests/reliability -s -p no:cacheprovider \\
        --reliability-runs 100 --reliability-users 10000 --reliability-crashes 20

Each option also reads an environment variable (DIRSYNC_RELIABILITY_RUNS, ..._USERS,
..._GROUPS, ..._CRASHES, ..._SEED) so a run started elsewhere can set it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest

OPTIONS = {
    "runs": (10, "seeded faulted+clean sync pairs in the fault campaign"),
    "users": (200, "source users in the fault campaign and crash tests"),
    "groups": (20, "source groups in the fault campaign and crash tests"),
    "crashes": (5, "kill -9 points in the crash-consistency test"),
    "seed": (1, "first seed; run k uses seed + k"),
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("reliability", "dirsync reliability campaign")
    for name, (default, text) in OPTIONS.items():
        group.addoption(
            f"--reliability-{name}",
            type=int,
            default=None,
            help=f"{text} (default {default}; env DIRSYNC_RELIABILITY_{name.upper()})",
        )


@dataclass(frozen=True)
class Scale:
    runs: int
    users: int
    groups: int
    crashes: int
    seed: int


@pytest.fixture(scope="session")
def scale(pytestconfig: pytest.Config) -> Scale:
    """The campaign's size: command line, else environment, else the CI defaults."""
    values: dict[str, int] = {}
    for name, (default, _) in OPTIONS.items():
        given = pytestconfig.getoption(f"--reliability-{name}", default=None)
        env = os.environ.get(f"DIRSYNC_RELIABILITY_{name.upper()}")
        values[name] = int(given if given is not None else env if env else default)
    return Scale(**values)
