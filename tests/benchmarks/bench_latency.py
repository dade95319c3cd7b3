"""Benchmark: dirsync across the internet (issue 11's measurement).

Run from the repository root:
    .venv/bin/python tests/benchmarks/bench_latency.py [--users 10000] [--groups 200]
        [--rtt 0 0.2] [--repeat 1] [--import-item-cost 0] [--cli-source DIR]

A real slapd with --users users in --groups groups (tests.fixtures.slapd_data's generator),
the served emulator with the cloud rate limits and `--rtt` (the round trip of every
request, half each way), and the real `dirsync sync` as a subprocess. A fresh emulator per
phase, seeded with the organization the previous phase left:
- P1: the initial sync into an empty organization;
- P2: a night with nothing to do;
- P3: churn: 1% joiners, 1% leavers deleted from the directory, 3% movers.
Prints per phase: wall time, API calls, 429s, the CLI's peak RSS, its own timings, and
whether the organization then equals the directory; with --repeat N, the min and median
wall time of each phase at the end. --import-item-cost gives the emulator a server cost
per imported member or group (default none, as in issue 11's Directory Connector runs).
The CLI runs with its bytecode compiled once beforehand, as an installed package does.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.e2e.harness import ldap_source, toml
from tests.fixtures.emulator import ServedEmulator, start_emulator
from tests.fixtures.slapd import SlapdServer, start_slapd
from tests.fixtures.slapd_churn import churn, expected_emails
from tests.fixtures.slapd_data import generate_directory
from tests.fixtures.slapd_tls import TlsFiles, make_tls_files

GNU_TIME = "/usr/bin/time"
"""Debian's `time` package (.ci/setup installs it)."""
INSTALLED = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
"""The CLI keeps its compiled bytecode, as an installed package does (pip compiles it):
without it every start compiles dirsync's 113 modules again, 0.3-0.4 s here."""


def _warm_up(source: Path | None) -> None:
    """One start of the CLI first, so its bytecode is compiled before any phase is timed."""
    command = [sys.executable, "-m", "dirsync", "--version"]
    subprocess.run(command, cwd=source, env=INSTALLED, check=True, capture_output=True)


def _config(path: Path, served: ServedEmulator, server: SlapdServer, state: Path) -> Path:
    document: dict[str, dict[str, Any]] = {
        "bitwarden": {
            "api_url": served.api_url,
            "identity_url": served.identity_url,
            "client_id": served.client_id,
            "client_secret": served.client_secret,
            "rate_limit": "cloud",
        },
        **ldap_source(server),
        "sync": {"state_dir": str(state), "max_removals": 100_000, "max_removal_percent": 100},
    }
    path.write_text(toml(document), encoding="utf-8")
    return path


def _run(config: Path, source: Path | None) -> tuple[int, float, float, str]:
    """Exit code, wall time, the CLI's own peak RSS (MB), and its timings (its INFO lines
    that name seconds).

    The peak comes from GNU time, which starts the CLI from its own small process: Linux
    carries a process's peak RSS across fork and exec, so a CLI started straight from this
    benchmark (which holds the directory and the organization) would report this
    benchmark's size whenever that is larger (495 MB at 100k users, whatever the CLI used).
    """
    command = [sys.executable, "-m", "dirsync", "--log-format", "json", "--config", str(config),
               "sync", "--format", "json"]  # fmt: skip
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile("w+") as err,
        tempfile.NamedTemporaryFile("r") as peak,
    ):
        started = time.perf_counter()
        # `python -m` puts the working directory first on the path: run from the checkout.
        code = subprocess.call(
            [GNU_TIME, "-f", "%M", "-o", peak.name, *command],
            stdout=out, stderr=err, cwd=source, env=INSTALLED,
        )  # fmt: skip
        seconds = time.perf_counter() - started
        err.seek(0)
        stderr = err.read()
        rss_mb = int(peak.read().split()[-1]) / 1024
    timings = []
    for line in stderr.splitlines():
        try:
            message = str(json.loads(line).get("message", ""))
        except ValueError:
            continue
        if re.search(r"\([\d.]+ s\)$", message):
            timings.append(message)
    return code, seconds, rss_mb, "\n      ".join(timings)


def _active(served: ServedEmulator) -> set[str]:
    return {m["email"] for m in served.state()["members"] if m["status"] != -1 and m["type"] != 0}


def _phase(
    label: str,
    work: Path,
    server: SlapdServer,
    args: argparse.Namespace,
    rtt: float,
    seed: dict[str, Any] | None,
) -> tuple[ServedEmulator, float]:
    cost = ("--import-item-cost", str(args.import_item_cost))
    served = start_emulator(seed=seed, rate_limit="cloud", extra_args=("--rtt", str(rtt), *cost))
    config = _config(work / f"{label}.toml", served, server, work / "state")
    code, seconds, rss, timings = _run(config, args.cli_source)
    log = served.requests()
    api = [r for r in log if "/public/" in r["path"] or "/identity/" in r["path"]]
    limited = sum(r["status"] == 429 for r in log)
    print(
        f"  {label}: exit {code}, {seconds:.2f} s, {len(api)} calls, {limited} x 429, "
        f"CLI peak RSS {rss:.0f} MB\n      {timings}"
    )
    return served, seconds


def _state(served: ServedEmulator) -> dict[str, Any]:
    state = served.state()
    state.pop("events", None)
    return state


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=200)
    parser.add_argument("--rtt", type=float, nargs="+", default=[0.0, 0.2])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument(
        "--cli-source", type=Path,
        help="run the CLI from this checkout (an earlier commit, to compare); the emulator "
        "and slapd stay this one's",
    )  # fmt: skip
    parser.add_argument(
        "--import-item-cost", type=float, default=0.0,
        help="the emulator's server seconds per imported member or group (an assumption)",
    )  # fmt: skip
    args = parser.parse_args()
    tls = make_tls_files(Path(tempfile.mkdtemp(prefix="dirsync-bench-tls-")))
    _warm_up(args.cli_source)
    walls: dict[tuple[float, str], list[float]] = {}
    for rtt in args.rtt:
        for _ in range(args.repeat):
            for label, seconds in _three_phases(args, rtt, tls).items():
                walls.setdefault((rtt, label), []).append(seconds)
    print("(each phase's wall time includes the CLI's start-up)")
    for (rtt, label), seconds in walls.items():
        print(
            f"rtt {rtt * 1000:.0f} ms {label}: min {min(seconds):.2f} s, "
            f"median {statistics.median(seconds):.2f} s ({len(seconds)} runs)"
        )


def _three_phases(args: argparse.Namespace, rtt: float, tls: TlsFiles) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="dirsync-bench-latency-"))
    directory = generate_directory(users=args.users, groups=args.groups)
    server = start_slapd(work / "slapd", directory, tls)
    walls: dict[str, float] = {}
    try:
        print(f"rtt {rtt * 1000:.0f} ms, {args.users} users, {args.groups} groups")
        served, walls["P1"] = _phase("P1 initial", work, server, args, rtt, None)
        after = _state(served)
        ok = _active(served) == expected_emails(directory, set())
        served.stop()
        served, walls["P2"] = _phase("P2 no-op", work, server, args, rtt, after)
        after = _state(served)
        served.stop()
        joiners, gone = churn(server, directory)
        served, walls["P3"] = _phase("P3 churn", work, server, args, rtt, after)
        ok = ok and _active(served) == (expected_emails(directory, gone) | joiners)
        served.stop()
        print(f"  organization equals the directory after P1 and P3: {ok}")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    return walls


if __name__ == "__main__":
    main()
