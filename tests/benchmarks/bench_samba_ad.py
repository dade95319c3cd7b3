"""Benchmark: the Samba AD DC fixture's cost, range retrieval, and read_ldap in AD mode.

Run as root from the repository root: ``.venv/bin/python tests/benchmarks/bench_samba_ad.py``.
Provisions and loads the same domain controller the tests use (1,652 users, 5 groups, one
with 1,650 members), prints the provision / start / load times, then the median of
``--runs`` reads of the big group with ``read_ranged_values`` at several steps and of a
whole ``read_ldap`` snapshot over LDAPS.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dirsync.sources.ad import read_ranged_values
from dirsync.sources.ldap import read_ldap
from tests.fixtures.samba import missing_prerequisite, run_samba_dc


def timed(action: Callable[[], object], runs: int) -> tuple[float, object]:
    """Median seconds of *runs* calls, and the last result."""
    seconds: list[float] = []
    result: object = None
    for _ in range(runs):
        began = time.perf_counter()
        result = action()
        seconds.append(time.perf_counter() - began)
    return statistics.median(seconds), result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    reason = missing_prerequisite()
    if reason:
        print(f"cannot run: {reason}")
        return 1
    began = time.monotonic()
    with run_samba_dc() as samba:
        ready = time.monotonic() - began
        layout = samba.layout
        users = len(layout.people) + len(layout.bulk)
        load = samba.timings["load"]
        print(f"provision        {samba.timings['provision']:6.2f} s")
        print(f"start (LDAPS up) {samba.timings['start']:6.2f} s")
        print(f"load             {load:6.2f} s  ({users} users + 5 groups over LDAPS,"
              f" {users / load:.0f} users/s)")  # fmt: skip
        print(f"fixture ready    {ready:6.2f} s  (address {samba.address})")
        conn = samba.connect()
        big = layout.group_dn(layout.big_group)
        for step in (1500, 500, 100):
            seconds, values = timed(
                lambda s=step: read_ranged_values(conn, big, "member", s), args.runs
            )
            count = len(values) if isinstance(values, list) else 0
            print(f"read_ranged_values step {step:4d}: {seconds * 1000:7.1f} ms  ({count} values)")
        conn.unbind()
        seconds, _ = timed(lambda: read_ldap(samba.settings()), args.runs)
        snapshot = read_ldap(samba.settings())
        print(
            f"read_ldap (AD, LDAPS): {seconds:.2f} s median of {args.runs}"
            f" ({len(snapshot.users)} users, {len(snapshot.groups)} groups,"
            f" {len(snapshot.warnings)} warnings)"
        )
        stopping = time.monotonic()
    print(f"teardown         {time.monotonic() - stopping:6.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
