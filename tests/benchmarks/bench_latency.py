"""Benchmark: dirsync across the internet (issue 11's measurement).

Run from the repository root:
    .venv/bin/python tests/benchmarks/bench_latency.py [--users 10000] [--groups 200]
        [--rtt 0 0.2]

A real slapd with --users users in --groups groups (tests.fixtures.slapd_data's generator),
the served emulator with the cloud rate limits and `--rtt` (the round trip of every
request, half each way), and the real `dirsync sync` as a subprocess. A fresh emulator per
phase, seeded with the organization the previous phase left:
- P1: the initial sync into an empty organization;
- P2: a night with nothing to do;
- P3: churn: 1% joiners, 1% leavers deleted from the directory, 3% movers.
Prints per phase: wall time, API calls, 429s, the CLI's peak RSS so far, and whether the
organization then equals the directory.
"""

from __future__ import annotations

import argparse
import json
import re
import resource
import shutil
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
from tests.fixtures.slapd_tls import make_tls_files


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


def _run(config: Path) -> tuple[int, float, str]:
    """Exit code, wall time, and the CLI's own timings (its INFO lines that name seconds)."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "dirsync", "--log-format", "json", "--config", str(config),
         "sync", "--format", "json"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    timings = []
    for line in done.stderr.splitlines():
        try:
            message = str(json.loads(line).get("message", ""))
        except ValueError:
            continue
        if re.search(r"\([\d.]+ s\)$", message):
            timings.append(message)
    return done.returncode, seconds, "\n      ".join(timings)


def _active(served: ServedEmulator) -> set[str]:
    return {m["email"] for m in served.state()["members"] if m["status"] != -1 and m["type"] != 0}


def _phase(
    label: str, work: Path, server: SlapdServer, rtt: float, seed: dict[str, Any] | None
) -> tuple[ServedEmulator, float]:
    served = start_emulator(seed=seed, rate_limit="cloud", extra_args=("--rtt", str(rtt)))
    config = _config(work / f"{label}.toml", served, server, work / "state")
    code, seconds, timings = _run(config)
    log = served.requests()
    api = [r for r in log if "/public/" in r["path"] or "/identity/" in r["path"]]
    limited = sum(r["status"] == 429 for r in log)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  {label}: exit {code}, {seconds:.2f} s, {len(api)} calls, {limited} x 429, "
        f"peak RSS so far {rss:.0f} MB\n      {timings}"
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
    args = parser.parse_args()
    tls = make_tls_files(Path(tempfile.mkdtemp(prefix="dirsync-bench-tls-")))
    for rtt in args.rtt:
        work = Path(tempfile.mkdtemp(prefix="dirsync-bench-latency-"))
        directory = generate_directory(users=args.users, groups=args.groups)
        server = start_slapd(work / "slapd", directory, tls)
        try:
            print(f"rtt {rtt * 1000:.0f} ms, {args.users} users, {args.groups} groups")
            served, _ = _phase("P1 initial", work, server, rtt, None)
            after = _state(served)
            ok = _active(served) == expected_emails(directory, set())
            served.stop()
            served, _ = _phase("P2 no-op", work, server, rtt, after)
            after = _state(served)
            served.stop()
            joiners, gone = churn(server, directory)
            served, _ = _phase("P3 churn", work, server, rtt, after)
            ok = ok and _active(served) == (expected_emails(directory, gone) | joiners)
            served.stop()
            print(f"  organization equals the directory after P1 and P3: {ok}")
        finally:
            server.stop()
            shutil.rmtree(work, ignore_errors=True)
    print("(each phase's wall time includes the CLI's start-up)")


if __name__ == "__main__":
    main()
