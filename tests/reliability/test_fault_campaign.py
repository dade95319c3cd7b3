"""Fault campaign: seeded full syncs through the real CLI against a faulty served emulator.

Each run starts from a half-synced org (tests/reliability/scenario.py), syncs once with
faults on (20% 5xx, 429 bursts, connection resets before and after the write is applied,
revoked tokens, latency above the client timeout in short windows, tokens revoked
mid-run), then once clean, then plans. Every fifth run reads slapd, the others an HR
CSV export. Checked: the clean run converges the org; no duplicate invites; no removal of
a member that stays; whatever the faulted run left undone is a failed action in its
report (exit 4), or it exited 1 before any write; no traceback; no secret in any output.

CI: 10 runs, 200 users, 20 groups. Long form (prints the table with -s; see conftest.py):

    .venv/bin/python -m pytest tests/reliability/test_fault_campaign.py -s --no-cov \\
        --reliability-runs 15 --reliability-users 10000 --reliability-groups 200
"""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.reliability.campaign import RunFigures, run_pair, table
from tests.reliability.conftest import Scale
from tests.reliability.runner import Workspace, ldap_section
from tests.reliability.scenario import (
    build,
    csv_people,
    csv_source,
    ldap_directory,
    ldap_people,
    write_csv,
)

LDAP_EVERY = 5


def client_timeout(users: int) -> float:
    """Short enough that latency spikes above it stay short; long enough for a 10k list."""
    return max(1.0, min(3.0, users / 2000))


def test_fault_campaign(
    scale: Scale,
    emulator_factory: Callable[..., ServedEmulator],
    slapd_factory: Callable[..., SlapdServer],
) -> None:
    emulator = emulator_factory()
    root = Path(tempfile.mkdtemp(prefix="dirsync-campaign-"))
    directory = ldap_directory(scale.users, scale.groups)
    server = slapd_factory(directory) if scale.runs >= LDAP_EVERY else None
    csv_population = csv_people(scale.users, scale.groups)
    secrets = [emulator.client_secret]
    runs: list[RunFigures] = []
    for k in range(scale.runs):
        seed = scale.seed + k
        rng = random.Random(seed)
        workdir = root / f"run{k:03d}"
        if server is not None and k % LDAP_EVERY == LDAP_EVERY - 1:
            people, group_ids = ldap_people(directory, server.entry_uuids())
            password = workdir / "secrets" / "bind_password"
            password.parent.mkdir(parents=True)
            password.write_text(server.bind_password, encoding="utf-8")
            password.chmod(0o600)
            source, kind = ldap_section(server, password), "ldap"
            secrets.append(server.bind_password)
        else:
            people, group_ids = csv_population
            workdir.mkdir(parents=True)
            export = workdir / "hr.csv"
            write_csv(export, people)
            source = csv_source(export)
            kind = "csv"
        scenario = build(people, group_ids, rng)
        figures = RunFigures(seed, kind)
        workspace = Workspace(workdir, emulator, source, timeout=client_timeout(scale.users))
        run_pair(emulator, workspace, scenario, figures, secrets)
        runs.append(figures)
    print("\n" + table(runs, root))
    bad = [r for r in runs if not r.ok()]
    assert not bad, "\n".join(
        f"seed {r.seed}: removals {r.removals[:3]} unreported {r.unreported[:3]} "
        f"left {r.left} dup {r.duplicates} tb {r.tracebacks} leaks {r.leaks} {r.problems}"
        for r in bad
    )
