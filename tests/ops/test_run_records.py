"""`dirsync sync` appends the audit trail and writes the metrics file, also when it fails."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.e2e.harness import Harness, ldap_source
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.ops.test_metrics import series


def test_sync_records_audit_and_metrics(
    emulator: ServedEmulator, slapd_factory: Callable[..., SlapdServer], tmp_path: Path
) -> None:
    server = slapd_factory()
    metrics = tmp_path / "dirsync.prom"
    h = Harness(emulator, tmp_path, ldap_source(server), report={"metrics_file": str(metrics)})
    code, report = h.sync_json()
    assert code == 0
    audit = [json.loads(line) for line in (h.state_dir / "audit.jsonl").read_text().splitlines()]
    assert [(a["action"], a["result"]) for a in audit] == [
        (r["kind"], r["result"]) for r in report["results"]
    ]
    org = '{organization="' + emulator.org_id + '"}'
    first = series(metrics.read_text())
    assert first[f"dirsync_last_run_success{org}"] == 1

    server.stop()
    assert h.run("sync").exit_code == 1
    after = series(metrics.read_text())
    assert after[f"dirsync_last_run_success{org}"] == 0
    success = f"dirsync_last_success_timestamp_seconds{org}"
    assert after[success] == first[success]
    assert len((h.state_dir / "audit.jsonl").read_text().splitlines()) == len(audit)
