"""Run the installed `dirsync` command as a separate process against a served emulator."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.e2e.harness import ldap_source, toml
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer

RUN_TIMEOUT = 600
NOW = "2026-11-02T03:00:00+00:00"


def dirsync_command() -> list[str]:
    """The console script next to this interpreter (.venv/bin/dirsync), else `python -m`."""
    script = Path(sys.executable).with_name("dirsync")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dirsync"]


def ldap_section(server: SlapdServer, password_file: Path) -> dict[str, Any]:
    """The e2e LDAP source, with the password in a file as production keeps it."""
    document = ldap_source(server)
    ldap = document["ldap"]
    del ldap["bind_password"]
    ldap.update(bind_password_file=str(password_file), timeout_seconds=10)
    return document


@dataclass
class Workspace:
    """One run's directory: config, secret file, state, reports."""

    root: Path
    emulator: ServedEmulator
    source: dict[str, Any]
    timeout: float = 1.0
    """The client's timeout_seconds; latency spikes go above it."""
    runs: int = 0
    sync_options: dict[str, Any] = field(default_factory=dict)
    bitwarden_options: dict[str, Any] = field(default_factory=dict)

    @property
    def state_dir(self) -> Path:
        return self.root / "state"

    @property
    def secrets_dir(self) -> Path:
        return self.root / "secrets"

    def config(self) -> Path:
        e = self.emulator
        self.secrets_dir.mkdir(parents=True, exist_ok=True)
        secret = self.secrets_dir / "client_secret"
        secret.write_text(e.client_secret, encoding="utf-8")
        secret.chmod(0o600)
        bitwarden = {
            "api_url": e.api_url,
            "identity_url": e.identity_url,
            "client_id": e.client_id,
            "client_secret_file": secret,
            "rate_limit": "off",
            "max_concurrency": 4,
            "timeout_seconds": self.timeout,
            **self.bitwarden_options,
        }
        sync = {
            "state_dir": self.state_dir,
            "max_removals": 1_000_000,
            "max_removal_percent": 100,
            **self.sync_options,
        }
        document = {
            "bitwarden": bitwarden,
            **self.source,
            "sync": sync,
            "report": {
                "audit_file": self.root / "out" / "audit.jsonl",
                "metrics_file": self.root / "out" / "dirsync.prom",
            },
        }
        (self.root / "out").mkdir(parents=True, exist_ok=True)
        path = self.secrets_dir / "dirsync.toml"
        path.write_text(toml(document), encoding="utf-8")
        return path

    def popen(self, *command: str) -> subprocess.Popen[str]:
        """Start `dirsync ... COMMAND` (debug logs as JSON lines), output captured."""
        args = [*dirsync_command(), "--config", str(self.config()), "--log-format", "json"]
        args += ["-v", *command]
        env = {**os.environ, "DIRSYNC_NOW": NOW, "PYTHONFAULTHANDLER": "1"}
        return subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
        )

    def run(self, *command: str, timeout: float = RUN_TIMEOUT) -> Finished:
        """Run to the end; a run that hangs is aborted and its threads' stacks shown."""
        process = self.popen(*command)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGABRT)
            stdout, stderr = process.communicate()
            raise AssertionError(
                f"dirsync {command} hung; its threads:\n{stderr[-6000:]}"
            ) from None
        self.runs += 1
        log = self.root / "out" / f"{self.runs:02d}-{command[0]}.log"
        log.write_text(f"exit {process.returncode}\n{stdout}\n{stderr}", encoding="utf-8")
        return Finished(process.returncode, stdout, stderr)

    def sync(self, name: str) -> tuple[Finished, dict[str, Any] | None]:
        """`dirsync sync` writing its JSON report to out/NAME.json (None: no report)."""
        report = self.root / "out" / f"{name}.json"
        finished = self.run("sync", "--report", str(report))
        if not report.exists():
            return finished, None
        loaded: dict[str, Any] = json.loads(report.read_text(encoding="utf-8"))
        return finished, loaded


@dataclass
class Finished:
    code: int
    stdout: str
    stderr: str

    def texts(self, name: str) -> list[tuple[str, str]]:
        return [(f"{name} stdout", self.stdout), (f"{name} stderr", self.stderr)]


class Chaos(threading.Thread):
    """During a run: revoke every token and open latency-spike windows at seeded times.

    A spike window swaps the fault spec for the same one plus a latency above the
    client's timeout, for a fraction of a second, then puts the base spec back.
    """

    def __init__(
        self, emulator: ServedEmulator, base_spec: str, rng: random.Random, timeout: float
    ) -> None:
        super().__init__(daemon=True)
        self.emulator, self.base_spec, self.rng = emulator, base_spec, rng
        self.spike = (timeout * 1.1, timeout * 1.5)
        self.stop_event = threading.Event()
        self.revocations = 0
        self.spikes = 0

    def run(self) -> None:
        low, high = self.spike
        while not self.stop_event.wait(self.rng.uniform(1.0, 4.0)):
            if self.rng.random() < 0.5:
                self.emulator.control("POST", "tokens/revoke")
                self.revocations += 1
                continue
            seed = self.rng.randrange(1 << 30)
            spike = f"{self.base_spec},seed={seed},latency={low:.2f}:{high:.2f}"
            self.emulator.set_faults(spike)
            self.spikes += 1
            self.stop_event.wait(self.rng.uniform(0.1, 0.3))
            self.emulator.set_faults(f"{self.base_spec},seed={seed + 1}")

    def stop(self) -> None:
        self.stop_event.set()
        self.join()
