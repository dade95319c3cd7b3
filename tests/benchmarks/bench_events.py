"""Benchmark `dirsync events`: a backfill of --events events under the cloud GET limit.

Run from the repository root:  .venv/bin/python tests/benchmarks/bench_events.py [--time-scale 1]

Serves the emulator on the cloud profile (contract §4: 200 GETs a minute per path, and
every page of the event log is the same path), seeds --events events over --days days,
and runs the export with the one client throttled to the same (scaled) limit. Prints the
pages, the wall time in real seconds and in (scaled) minutes, the floor (pages / 200 a
minute), the 429s received (goal: 0) and the busiest window seen by the server.
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dirsync.bitwarden.client import BitwardenClient
from dirsync.config import EventsConfig
from dirsync.events.export import export
from dirsync.events.output import FileSink
from dirsync.progress import NoProgress
from tests.fixtures.emulator import start_emulator

GETS_PER_MINUTE = 200


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--days", type=float, default=20.0)
    parser.add_argument("--time-scale", type=float, default=1.0)
    args = parser.parse_args()
    now = datetime.now(UTC)
    step = timedelta(days=args.days) / args.events
    seeded = [
        {"type": 1500 + i % 5, "date": (now - (i + 1) * step).isoformat()}
        for i in range(args.events)
    ]
    served = start_emulator(seed={"events": seeded}, rate_limit="cloud", time_scale=args.time_scale)
    try:
        client = BitwardenClient(
            api_url=served.api_url,
            identity_url=served.identity_url,
            client_id=served.client_id,
            client_secret=SecretStr(served.client_secret),
            rate_limit="cloud",
            rate_limit_scale=args.time_scale,
        )
        with tempfile.TemporaryDirectory() as workdir, client:
            directory = Path(workdir)
            sink = FileSink(directory / "events.jsonl", rotate="none", max_bytes=1 << 40, keep=0)
            config = EventsConfig(first_days=max(1, int(args.days) + 1))
            started = time.monotonic()
            summary = export(client, sink, directory, config, datetime.now(UTC), NoProgress())
            elapsed = time.monotonic() - started
            lines = sum(1 for _ in (directory / "events.jsonl").open())
        log = served.requests()
    finally:
        served.stop()
    gets = sorted(r["time"] for r in log if r["method"] == "GET" and r["path"].endswith("/events"))
    window = 60 / args.time_scale
    busiest, low = 0, 0
    for high, moment in enumerate(gets):
        while moment - gets[low] >= window:
            low += 1
        busiest = max(busiest, high - low + 1)
    limited = sum(1 for r in log if r["status"] == 429)
    floor = (math.ceil(summary.pages / GETS_PER_MINUTE) - 1) * window
    print(f"events seeded {args.events} over {args.days} days, time scale {args.time_scale}")
    print(f"written {summary.written} (file lines {lines}), pages {summary.pages}")
    print(f"wall {elapsed:.1f} s = {elapsed / window:.2f} (scaled) minutes")
    print(f"floor {floor:.1f} s ({GETS_PER_MINUTE} pages a window, the first one at once)")
    print(f"429 answers {limited}; busiest {window:.0f}-s window: {busiest} GETs of /events")


if __name__ == "__main__":
    main()
