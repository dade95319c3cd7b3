"""Security defaults: TLS verification on for the API and LDAP, the emulator on loopback.

(That no secret appears in any output is checked on every run of the fault campaign
and the crash test: stdout, stderr, reports, state, audit and metrics files.)
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from dirsync.config import LdapConfig
from dirsync.emulator.app import EmulatorApp, create_app
from dirsync.emulator.runtime import EmulatorOptions
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap import read_ldap
from tests.fixtures.emulator import ServedEmulator, start_emulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_tls import TlsFiles
from tests.reliability.checks import tracebacks
from tests.reliability.runner import Finished, dirsync_command, toml
from tests.reliability.scenario import csv_people, write_csv

SECRET = "tls-test-secret-5d1e"


class HttpsEmulator:
    """The emulator app served over HTTPS by uvicorn in a thread, with a throw-away cert."""

    def __init__(self, tls: TlsFiles) -> None:
        self.app: EmulatorApp = create_app(EmulatorOptions(rate_limit="off", client_secret=SECRET))
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="error",
            lifespan="off",
            ssl_certfile=str(tls.cert_file),
            ssl_keyfile=str(tls.key_file),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"https://localhost:{self.port}"

    def __enter__(self) -> HttpsEmulator:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            assert time.monotonic() < deadline, "the HTTPS emulator did not start"
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()


@pytest.fixture
def https_emulator(tls_files: TlsFiles) -> Iterator[HttpsEmulator]:
    with HttpsEmulator(tls_files) as served:
        yield served


def _plan(tmp_path: Path, served: HttpsEmulator, ca_file: Path | None) -> Finished:
    export = tmp_path / "hr.csv"
    write_csv(export, csv_people(5, 2)[0])
    bitwarden = {
        "api_url": served.url,
        "identity_url": served.url,
        "client_id": f"organization.{served.app.emulator.store.org.id}",
        "client_secret": SECRET,
        "rate_limit": "off",
        "timeout_seconds": 5,
    }
    if ca_file is not None:
        bitwarden["ca_file"] = str(ca_file)
    config = tmp_path / "dirsync.toml"
    document: dict[str, dict[str, Any]] = {
        "bitwarden": bitwarden,
        "source": {"type": "csv"},
        "csv": {"path": str(export), "status": "Status"},
        "sync": {"state_dir": str(tmp_path / "state")},
    }
    config.write_text(toml(document), encoding="utf-8")
    done = subprocess.run(
        [*dirsync_command(), "--config", str(config), "plan"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return Finished(done.returncode, done.stdout, done.stderr)


@pytest.fixture(scope="module")
def without_ca(tls_files: TlsFiles, tmp_path_factory: pytest.TempPathFactory) -> Finished:
    """`dirsync plan` against the HTTPS emulator with no bitwarden.ca_file."""
    with HttpsEmulator(tls_files) as served:
        return _plan(tmp_path_factory.mktemp("no-ca"), served, ca_file=None)


def test_api_tls_is_verified_by_default(without_ca: Finished) -> None:
    assert without_ca.code == 1, without_ca.stdout
    last = without_ca.stderr.strip().splitlines()[-1]
    assert last.startswith("dirsync: error: Bitwarden API:"), last
    assert not tracebacks(without_ca.texts("plan"))
    assert SECRET not in without_ca.stdout + without_ca.stderr


def test_api_certificate_failure_is_named_and_not_retried(without_ca: Finished) -> None:
    last = without_ca.stderr.strip().splitlines()[-1]
    assert "certificate" in last.lower(), last
    assert "retrying" not in without_ca.stderr


def test_api_tls_with_the_ca_file_is_accepted(
    https_emulator: HttpsEmulator, tls_files: TlsFiles, tmp_path: Path
) -> None:
    finished = _plan(tmp_path, https_emulator, ca_file=tls_files.ca_file)
    assert finished.code == 0, finished.stderr[-1500:]
    assert "invite" in finished.stdout


def test_ldap_tls_is_verified_by_default(slapd: SlapdServer) -> None:
    assert LdapConfig.model_fields["verify_tls"].default is True
    for mode in ({"urls": [slapd.ldaps_url], "start_tls": False}, {"start_tls": True}):
        settings = slapd.settings(**mode)
        assert settings.ldap is not None
        no_ca = settings.ldap.model_copy(update={"ca_file": None})
        with pytest.raises(SourceError, match="certificate verify failed"):
            read_ldap(settings.model_copy(update={"ldap": no_ca}))


def _listening(port: int) -> list[str]:
    """Local addresses listening on *port*, from /proc/net/tcp and tcp6."""
    found = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.partition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.append(address)
    return found


def test_the_emulator_listens_on_loopback_unless_told_otherwise() -> None:
    helped = subprocess.run(
        [sys.executable, "-m", "dirsync", "emulator", "serve", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "[default: 127.0.0.1]" in helped.stdout
    served: ServedEmulator = start_emulator()
    try:
        port = int(served.api_url.rsplit(":", 1)[1].split("/")[0])
        assert served.api_url.startswith("http://127.0.0.1:")
        assert _listening(port) == ["0100007F"]
    finally:
        served.stop()
