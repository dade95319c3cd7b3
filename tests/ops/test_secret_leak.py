"""A full sync with known secrets: neither appears in any output, log, report or state file.

The secrets reach dirsync the way the systemd units hand them over, as credentials in
$CREDENTIALS_DIRECTORY, and the CLI runs as a real process at -vv with JSON logs (the
HTTP and LDAP libraries log too). Every file the runs leave is scanned.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote, quote_plus

from tests.e2e.harness import ldap_source, toml
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer

DIRSYNC = Path(sys.executable).parent / "dirsync"


def spellings(secret: str) -> set[str]:
    return {secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]}


def write_config(workdir: Path, emulator: ServedEmulator, slapd: SlapdServer) -> Path:
    source = ldap_source(slapd)
    del source["ldap"]["bind_password"]
    document = {
        "bitwarden": {
            "api_url": emulator.api_url,
            "identity_url": emulator.identity_url,
            "client_id": emulator.client_id,
            "rate_limit": "off",
        },
        **source,
        "sync": {"state_dir": str(workdir / "state")},
        "report": {
            "file": str(workdir / "report.json"),
            "audit_file": str(workdir / "state" / "audit.jsonl"),
            "metrics_file": str(workdir / "dirsync.prom"),
        },
    }
    path = workdir / "dirsync.toml"
    path.write_text(toml(document), encoding="utf-8")
    return path


def dirsync(credentials: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIRSYNC_")}
    env["CREDENTIALS_DIRECTORY"] = str(credentials)
    return subprocess.run(
        [str(DIRSYNC), "-vv", "--log-format", "json", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )


def test_secrets_appear_nowhere(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir(mode=0o700)
    (credentials / "client_secret").write_text(emulator.client_secret + "\n")
    (credentials / "bind_password").write_text(slapd.bind_password + "\n")
    work = tmp_path / "work"
    work.mkdir()
    config = write_config(work, emulator, slapd)

    runs = [
        dirsync(credentials, "--config", str(config), "sync", "--format", "json"),
        dirsync(credentials, "--config", str(config), "plan"),
    ]
    assert [r.returncode for r in runs] == [0, 0], runs[0].stderr[-2000:]
    assert json.loads(runs[0].stdout)["counts"]["ok"].get("invite", 0) > 0
    logs = [json.loads(line) for line in runs[0].stderr.splitlines()]
    assert {entry["logger"].split(".")[0] for entry in logs} >= {"httpx", "httpcore"}

    # A wrong password is a secret too, and it travels through the error path.
    wrong = "Wr0ng/pass+word&" + tmp_path.name
    (credentials / "bind_password").write_text(wrong + "\n")
    runs.append(dirsync(credentials, "--config", str(config), "sync"))
    assert runs[-1].returncode == 1
    assert "bind" in runs[-1].stderr

    texts = {
        f"run {i} {name}": getattr(r, name)
        for i, r in enumerate(runs)
        for name in ("stdout", "stderr")
    }
    files = [p for p in work.rglob("*") if p.is_file()]
    assert work / "report.json" in files
    assert work / "state" / "state.json" in files
    texts |= {str(p): p.read_bytes().decode("utf-8", errors="replace") for p in files}
    forbidden = (
        spellings(emulator.client_secret) | spellings(slapd.bind_password) | spellings(wrong)
    )
    leaks = [(where, s) for where, text in texts.items() for s in forbidden if s in text]
    assert leaks == []
