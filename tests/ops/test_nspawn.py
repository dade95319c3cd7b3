"""The units under a real systemd (PID 1 in a systemd-nspawn container), root only.

dirsync is installed from a built wheel into /opt/dirsync as the README says, the shipped
units, credentials and a config pointing at a slapd and the emulator on the host's loopback
go in, and `systemctl start` runs a real LDAP + API sync. Each claim of the units is an
assertion: the dynamic user, the secrets from $CREDENTIALS_DIRECTORY (none in the config),
state and audit under /var/lib/dirsync, JSON journal lines with their priorities, exits 3
and 4 leaving the unit failed with OnFailure= firing, the timer with its randomized delay,
and a template instance with its own config, credentials and state.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.harness import toml
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import DISABLED_FILTER, GROUPS_DN, PEOPLE_DN
from tests.ops.nspawn import Container, booted_container, missing_prerequisite

REPO = Path(__file__).resolve().parents[2]
UNITS = ("dirsync.service", "dirsync.timer", "dirsync@.service", "dirsync@.timer")
DYNAMIC_UIDS = range(61184, 65520)
PRIORITIES = {"debug": "7", "info": "6", "warning": "4", "error": "3", "critical": "2"}
MARKER = "/var/lib/onfailure.log"


@pytest.fixture(scope="module")
def wheelhouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dirsync's wheel and its dependencies' (the container has no index to ask)."""
    reason = missing_prerequisite()
    if reason is not None:
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    target = tmp_path_factory.mktemp("wheelhouse")
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "-w", str(target), "-c",
         str(REPO / "constraints.txt"), str(REPO)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    return target


@pytest.fixture
def container(wheelhouse: Path) -> Iterator[Container]:
    with booted_container() as booted:
        for wheel in wheelhouse.glob("*.whl"):
            target = booted.path(f"/var/tmp/wheels/{wheel.name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(wheel.read_bytes())
        booted.boot()
        yield booted


def _config(emulator: ServedEmulator, slapd: SlapdServer, **sync: Any) -> str:
    """The administrator's file: no secret in it (they come as credentials)."""
    return toml(
        {
            "bitwarden": {
                "api_url": emulator.api_url,
                "identity_url": emulator.identity_url,
                "client_id": emulator.client_id,
                "rate_limit": "off",
            },
            "source": {"type": "ldap"},
            "ldap": {
                "urls": [slapd.ldap_url],
                "start_tls": True,
                "ca_file": "/etc/dirsync/ca.pem",
                "bind_dn": slapd.bind_dn,
                "timeout_seconds": 5,
                "users": {"base": PEOPLE_DN, "disabled_filter": DISABLED_FILTER},
                "groups": {"base": GROUPS_DN},
            },
            # Seat growth allowed: a full subscription that cannot grow fails the invite (4).
            "sync": {"max_removals": 0, "max_seat_growth": 5, **sync},
        }
    )


def _install(c: Container, emulator: ServedEmulator, slapd: SlapdServer) -> None:
    venv = c.run("python3", "-m", "venv", "/opt/dirsync")
    assert venv.returncode == 0, venv.stderr
    pip = c.run("/opt/dirsync/bin/pip", "install", "-q", "--no-index", "--find-links",
                "/var/tmp/wheels", "dirsync")  # fmt: skip
    assert pip.returncode == 0, pip.stderr
    # A debootstrap root has no /etc/hosts; slapd's certificate names localhost.
    c.write("/etc/hosts", "127.0.0.1 localhost\n::1 localhost\n")
    for name in UNITS:
        c.write(f"/etc/systemd/system/{name}", (REPO / "systemd" / name).read_text())
    c.write("/etc/dirsync/ca.pem", Path(slapd.ca_file).read_text())
    c.write("/etc/dirsync/dirsync.toml", _config(emulator, slapd))
    c.write("/etc/dirsync/acme.toml", _config(emulator, slapd))
    for prefix in ("dirsync", "dirsync-acme"):
        c.write(f"/etc/credstore/{prefix}.client_secret", emulator.client_secret, 0o600)
        c.write(f"/etc/credstore/{prefix}.bind_password", slapd.bind_password, 0o600)
    c.path("/etc/credstore").chmod(0o700)
    # What an admin adds for alerting: OnFailure= naming a unit that leaves a trace.
    c.write(
        "/etc/systemd/system/dirsync.service.d/alert.conf",
        "[Unit]\nOnFailure=marker@%n.service\n",
    )
    c.write(
        "/etc/systemd/system/marker@.service",
        f"[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo %i >> {MARKER}'\n",
    )
    reload = c.run("systemctl", "daemon-reload")
    assert reload.returncode == 0, reload.stderr


def _journal(c: Container, unit: str) -> list[dict[str, Any]]:
    out = c.run("journalctl", "-u", unit, "-o", "json", "--no-pager").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def _dirsync_lines(c: Container, unit: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(journal entry, the JSON log line it carries) for dirsync's own log lines."""
    found = []
    for entry in _journal(c, unit):
        message = entry.get("MESSAGE")
        if str(entry.get("SYSLOG_IDENTIFIER")).startswith("dirsync") and isinstance(message, str):
            with_level = message.startswith("{") and '"level"' in message
            if with_level:
                found.append((entry, json.loads(message)))
    return found


def _log(c: Container, unit: str) -> str:
    return c.run("journalctl", "-u", unit, "--no-pager", "-n", "30").stdout


def _show(c: Container, unit: str, prop: str) -> str:
    return c.run("systemctl", "show", unit, "-p", prop, "--value").stdout.strip()


def _wait_for(check: Callable[[], bool], seconds: float = 20) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def _markers(c: Container) -> list[str]:
    path = c.path(MARKER)
    return path.read_text().split() if path.exists() else []


def test_the_units_under_a_real_systemd(
    container: Container,
    emulator: ServedEmulator,
    slapd_factory: Callable[..., SlapdServer],
) -> None:
    c = container
    slapd = slapd_factory()
    _install(c, emulator, slapd)
    config = c.path("/etc/dirsync/dirsync.toml").read_text()
    assert emulator.client_secret not in config
    assert slapd.bind_password not in config

    started = c.run("systemctl", "start", "dirsync.service")
    assert started.returncode == 0, (
        started.stderr + c.run("journalctl", "-u", "dirsync.service", "--no-pager").stdout
    )
    # A real LDAP (StartTLS, bind with the credential) + API (token with the credential) sync.
    emails = {m["email"] for m in emulator.state()["members"]}
    assert {"alice@example.org", "bob@example.org", "erin@example.org"} <= emails

    lines = _dirsync_lines(c, "dirsync.service")
    assert lines, "no JSON log line from dirsync in the journal"
    for entry, logged in lines:
        assert entry["PRIORITY"] == PRIORITIES[logged["level"]], (entry, logged)
        assert int(entry["_UID"]) in DYNAMIC_UIDS, entry["_UID"]
    assert any(logged["level"] == "info" for _, logged in lines)

    state_dir = c.path("/var/lib/private/dirsync")
    assert os.readlink(c.path("/var/lib/dirsync")) == "private/dirsync"
    state = json.loads((state_dir / "state.json").read_text())
    assert len(state["managed_members"]) == 4
    audit = [json.loads(line) for line in (state_dir / "audit.jsonl").read_text().splitlines()]
    assert {e["member"] for e in audit if e["action"] == "invite"} >= {"alice@example.org"}
    assert (state_dir.stat().st_mode & 0o777) == 0o700

    # The template: its own config, credentials and state directory.
    acme = c.run("systemctl", "start", "dirsync@acme.service")
    assert acme.returncode == 0, _log(c, "dirsync@acme.service")
    assert (c.path("/var/lib/private/dirsync-acme") / "state.json").exists()
    assert _dirsync_lines(c, "dirsync@acme.service")

    # Exit 3 (a removal withheld by max_removals = 0): failed unit, OnFailure= fires.
    slapd.modify(
        f"dn: uid=alice,{PEOPLE_DN}\nchangetype: modify\nadd: employeeType\n"
        "employeeType: disabled\n"
    )
    assert c.run("systemctl", "start", "dirsync.service").returncode != 0
    assert _show(c, "dirsync.service", "ExecMainStatus") == "3"
    assert c.run("systemctl", "is-failed", "dirsync.service").stdout.strip() == "failed"
    assert _wait_for(lambda: _markers(c) == ["dirsync.service"]), _markers(c)

    # Exit 4 (an invite the full seats refuse): failed again, OnFailure= fires again.
    full = emulator.state()
    # Room to autoscale on paper, but the plan cannot grow: the server refuses the invite.
    full["organization"].update(
        seats=len(full["members"]), maxAutoScaleSeats=50, planAllowsAdditionalSeats=False
    )
    emulator.reset(full)
    slapd.modify(
        f"dn: uid=frank,{PEOPLE_DN}\nchangetype: add\nobjectClass: inetOrgPerson\n"
        "uid: frank\ncn: Frank Test\nsn: frank\nmail: frank@example.org\n"
    )
    c.run("systemctl", "reset-failed", "dirsync.service")
    assert c.run("systemctl", "start", "dirsync.service").returncode != 0
    assert _show(c, "dirsync.service", "ExecMainStatus") == "4"
    assert c.run("systemctl", "is-failed", "dirsync.service").stdout.strip() == "failed"
    assert _wait_for(lambda: _markers(c) == ["dirsync.service"] * 2), _markers(c)

    # The timer: enabled, scheduled, with its randomized delay.
    enabled = c.run("systemctl", "enable", "--now", "dirsync.timer")
    assert enabled.returncode == 0, enabled.stderr
    timers = c.run("systemctl", "list-timers", "--all", "--no-pager").stdout
    assert "dirsync.timer" in timers
    assert _show(c, "dirsync.timer", "RandomizedDelayUSec") == "30min"
    assert _show(c, "dirsync.timer", "NextElapseUSecRealtime") not in ("", "n/a")
