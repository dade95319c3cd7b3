"""Across the internet: the cloud profile at a 200 ms round trip, from a real slapd into
the served emulator (cloud rate limits, `--rtt 0.2`), through the CLI with its defaults
(128 at most in flight, adaptive). An initial sync, then a night of churn: no 429 at all,
and the organization equals the directory after each."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.harness import Harness, ldap_source
from tests.fixtures.emulator import start_emulator
from tests.fixtures.slapd import start_slapd
from tests.fixtures.slapd_churn import churn, expected_emails
from tests.fixtures.slapd_data import generate_directory
from tests.fixtures.slapd_tls import TlsFiles


def test_a_cloud_profile_run_at_200_ms_gets_no_429(tmp_path: Path, tls_files: TlsFiles) -> None:
    directory = generate_directory(users=1000, groups=60)
    server = start_slapd(tmp_path / "slapd", directory, tls_files)
    served = start_emulator(rate_limit="cloud", extra_args=("--rtt", "0.2"))
    try:
        harness = Harness(
            served,
            tmp_path,
            ldap_source(server),
            bitwarden={"rate_limit": "cloud", "max_concurrency": 128},
        )

        def active() -> set[str]:
            return {e for e, m in harness.members().items() if m["status"] != -1 and m["type"]}

        code, first = harness.sync_json()
        assert code == 0, first
        assert active() == expected_emails(directory, set())
        joiners, gone = churn(server, directory)
        code, second = harness.sync_json()
        assert code == 0, second
        assert active() == expected_emails(directory, gone) | joiners
        log = served.requests()
        assert sum(r["status"] == 429 for r in log) == 0
        # Most groups' new membership rode the joiners' import, not one PUT each (a group
        # still holding a revoked leaver keeps it, which only a PUT by id can do).
        writes = second["plan"]["writes"]
        puts = [r for r in log if r["method"] == "PUT" and r["path"].endswith("/member-ids")]
        assert writes["memberships_imported"] > 2 * len(puts), writes
        assert len([r for r in log if r["path"].endswith("/revoke")]) == len(gone)
    finally:
        served.stop()
        server.stop()
