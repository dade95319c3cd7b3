"""Options of the reliability suite: CI runs the short form, the command line the long one.

The long form (about 30 minutes on 2 cores; -s prints the campaign table):

    .venv/bin/python -m pytest tests/reliability/test_fault_campaign.py \\
        tests/reliability/test_crash_consistency.py -s -p no:cacheprovider --no-cov \\
        --reliability-runs 15 --reliability-users 10000 --reliability-groups 200 \\
        --reliability-crashes 20

One 10,000-person run pair takes about 100 s, so 100 runs take about 3 hours.

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
