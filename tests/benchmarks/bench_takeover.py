"""Benchmark: moving an org that Directory Connector synced from OpenLDAP to dirsync.

Run from the repository root:  .venv/bin/python tests/benchmarks/bench_takeover.py [--users 300]

A real slapd with --users users in --groups groups (tests.fixtures.slapd_data's generator),
the org built with Directory Connector's import payload (DN externalIds, cn names, nested
groups flattened, members as User), then --admins members made Admin by hand and every
other group given collection access. The real CLI then plans (and for the takeover, syncs)
with three configurations: the default, `external_id = "entryDN"` (the old workaround,
which gives up rename safety), and `sync.takeover = ["dn"]`. Prints the plan's action
counts, warnings about members left alone, Admins demoted, wall time, and for the takeover
the API calls and the next plan.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.e2e.directory_connector import build_like_connector, edit_by_hand
from tests.e2e.harness import Harness, ldap_source
from tests.fixtures.emulator import ServedEmulator, start_emulator
from tests.fixtures.slapd import start_slapd
from tests.fixtures.slapd_data import generate_directory
from tests.fixtures.slapd_tls import make_tls_files


def _plan(h: Harness) -> tuple[dict[str, Any], float]:
    started = time.perf_counter()
    result = h.run("plan", "--format", "json")
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document, seconds


def _demoted(plan: dict[str, Any]) -> int:
    return sum(
        1
        for a in plan["actions"]
        if a["kind"] == "update-member" and a["type"] == "user" and a["old_type"] == "admin"
    )


def _report(label: str, plan: dict[str, Any], seconds: float) -> None:
    left_alone = sum("already in the org" in w for w in plan["warnings"])
    print(
        f"{label}: plan {dict(sorted(plan['counts'].items()))} in {seconds:.2f} s; "
        f"{left_alone} members left alone ('already in the org'); "
        f"{_demoted(plan)} Admins demoted"
    )


def _fresh(emulator: ServedEmulator, directory: Any, admins: list[str]) -> None:
    collection = "6d1c2a4e-0b7f-4c61-9a51-3f0e8d2b7a10"
    emulator.reset({"collections": [{"id": collection, "externalId": "shared"}]})
    build_like_connector(emulator, directory)
    names = [g.name for g in directory.groups[::2]]
    edit_by_hand(emulator, admins, dict.fromkeys(names, collection))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--admins", type=int, default=3)
    args = parser.parse_args()
    directory = generate_directory(users=args.users, groups=args.groups)
    enabled = [u for u in directory.users if not u.disabled]
    admins = [u.mail or "" for u in enabled[: args.admins]]
    work = Path(tempfile.mkdtemp(prefix="dirsync-bench-takeover-"))
    server = start_slapd(work / "slapd", directory, make_tls_files(work / "tls"))
    emulator = start_emulator()
    try:
        print(f"{len(enabled)} enabled users, {len(directory.groups)} groups, {args.admins} Admins")
        variants: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
            ("default", {}, {}),
            ("external_id=entryDN", {"users": {"external_id": "entryDN"}}, {}),
            ("takeover=[dn]", {}, {"takeover": ["dn"]}),
        ]
        for label, ldap, sync in variants:
            _fresh(emulator, directory, admins)
            source = ldap_source(server)
            source["ldap"]["users"].update(ldap.get("users", {}))
            if ldap:
                source["ldap"]["groups"]["external_id"] = "entryDN"
            (work / label).mkdir()
            h = Harness(emulator, work / label, source)
            h.sync.update(sync, max_takeovers=10_000)
            plan, seconds = _plan(h)
            _report(label, plan, seconds)
            if label.startswith("takeover"):
                emulator.clear_requests()
                started = time.perf_counter()
                code, report = h.sync_json()
                wall = time.perf_counter() - started
                writes = [r for r in emulator.requests() if r["method"] != "GET"]
                print(
                    f"  sync: exit {code}, {sum(report['counts']['ok'].values())} applied, "
                    f"{len(writes)} writes, {report['api']['total_calls']} API calls, "
                    f"{wall:.2f} s"
                )
                again, seconds = _plan(h)
                _report("  next plan", again, seconds)
    finally:
        emulator.stop()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
