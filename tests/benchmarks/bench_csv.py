"""Benchmark: the HR CSV source on generated exports of 10,000 and 100,000 rows.

Run: .venv/bin/python tests/benchmarks/bench_csv.py [--rows 10000 100000] [--wide 24]

The last size also runs "wide": the same people with --wide extra unused columns of 32
characters, a file several times bigger. Each run is a fresh child process and reports:
- parse time of read_csv (best of --repeat runs, no tracing);
- tracemalloc: the snapshot that read_csv returns (retained) and the transient peak above it
  (what parsing costs beyond its result; streaming keeps this flat as the file grows);
- ru_maxrss of the child before and after reading;
- for comparison, the peak of ``list(csv.DictReader(file))``: reading the whole file first.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date
from pathlib import Path
from typing import Any

HEADER = [
    "Employee ID",
    "First Name",
    "Last Name",
    "Work Email",
    "Department",
    "Teams",
    "Location",
    "Status",
    "Hire Date",
    "Termination Date",
]
DEPARTMENTS = ["Engineering", "Sales", "Marketing", "Finance", "People", "IT", "Support", "Legal"]
TEAMS = [f"Team {n}" for n in range(60)]
LOCATIONS = ["London", "Berlin", "Paris", "Dublin", "Madrid", "Remote", "New York", "Tokyo"]
TODAY = date(2026, 3, 15)


def generate(path: Path, rows: int, wide: int = 0, seed: int = 5) -> None:
    """A BambooHR-like export: quoted names, multi-valued teams, leavers and future hires."""
    rng = random.Random(seed)
    extra = [f"Custom Field {n}" for n in range(wide)]
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(HEADER + extra)
        for n in range(rows):
            teams = ";".join(rng.sample(TEAMS, rng.randint(0, 3)))
            kind = rng.random()
            status, hire, term = "Active", f"20{rng.randint(10, 25)}-0{rng.randint(1, 9)}-15", ""
            if kind < 0.05:
                status, term = "Terminated", "2025-11-30"
            elif kind < 0.07:
                hire = "2026-09-01"
            last = f"Surname{n}" if n % 50 else f"Surname{n}, Jr."
            writer.writerow(
                [
                    f"E{n:07d}",
                    f"First{n}",
                    last,
                    f"First.Surname{n}@Example.com",
                    rng.choice(DEPARTMENTS),
                    teams,
                    rng.choice(LOCATIONS),
                    status,
                    hire,
                    term,
                    *(f"{name} value {n:012d}" for name in extra),
                ]
            )


def settings_for(path: Path) -> Any:
    from dirsync.config import Settings

    return Settings(
        source={"type": "csv"},
        csv={
            "path": str(path),
            "status": "Status",
            "start_date": "Hire Date",
            "end_date": "Termination Date",
            "groups": [
                {"column": "Department", "template": "Dept - {value}"},
                {"column": "Teams", "separator": ";"},
                {"column": "Location", "template": "Site - {value}"},
            ],
        },
    )


def child(rows: int, wide: int, repeat: int) -> dict[str, Any]:
    from dirsync.sources.csv import read_csv

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "export.csv"
        generate(path, rows, wide)
        settings = settings_for(path)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            snapshot = read_csv(settings, TODAY)
            times.append(time.perf_counter() - start)
            del snapshot
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        snapshot = read_csv(settings, TODAY)
        retained, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        summary = {
            "users": len(snapshot.users),
            "groups": len(snapshot.groups),
            "warnings": len(snapshot.warnings),
            "scheduled": sum(u.scheduled for u in snapshot.users),
            "disabled": sum(not u.enabled and not u.scheduled for u in snapshot.users),
        }
        del snapshot

        tracemalloc.start()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            whole = list(csv.DictReader(handle))
        dict_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        del whole
        return {
            "rows": rows,
            "wide": wide,
            "file_mb": path.stat().st_size / 2**20,
            "best_s": min(times),
            "retained_mb": (retained - base) / 2**20,
            "transient_mb": (peak - retained) / 2**20,
            "rss_before_mb": rss_before / 1024,
            "rss_after_mb": rss_after / 1024,
            "dictreader_peak_mb": dict_peak / 2**20,
            **summary,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--wide", type=int, default=24, help="extra columns; 0: no wide run")
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", type=int, nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, args.repeat)))
        return
    runs = [(rows, 0) for rows in args.rows]
    if args.wide:
        runs.append((args.rows[-1], args.wide))
    print(
        f"{'rows':>8} {'cols':>4} {'file MB':>8} {'parse s':>8} {'rows/s':>9} {'snapshot MB':>12} "
        f"{'B/row':>6} {'transient MB':>13} {'maxrss MB':>16} {'DictReader MB':>14}"
    )
    for rows, wide in runs:
        command = [sys.executable, __file__, "--child", str(rows), str(wide)]
        out = subprocess.run(
            [*command, "--repeat", str(args.repeat)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        r = json.loads(out)
        print(
            f"{r['rows']:>8} {len(HEADER) + r['wide']:>4} {r['file_mb']:>8.1f} {r['best_s']:>8.2f} "
            f"{r['rows'] / r['best_s']:>9.0f} {r['retained_mb']:>12.1f} "
            f"{r['retained_mb'] * 2**20 / r['rows']:>6.0f} {r['transient_mb']:>13.2f} "
            f"{r['rss_before_mb']:>7.0f} -> {r['rss_after_mb']:>5.0f} "
            f"{r['dictreader_peak_mb']:>14.1f}"
        )
        print(
            f"{'':>8} users {r['users']} (disabled {r['disabled']}, scheduled {r['scheduled']}), "
            f"groups {r['groups']}, warnings {r['warnings']}"
        )


if __name__ == "__main__":
    main()
