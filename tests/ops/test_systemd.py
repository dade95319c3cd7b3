"""The systemd units: `systemd-analyze verify` is clean, the exposure score is <= 2.0."""

from __future__ import annotations

import itertools
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

UNIT_DIR = Path(__file__).resolve().parents[2] / "systemd"
UNITS = (
    "dirsync.service",
    "dirsync.timer",
    "dirsync@.service",
    "dirsync@.timer",
    "dirsync-events.service",
    "dirsync-events.timer",
)
SHIPPED_EXEC = "ExecStart=/opt/dirsync/bin/dirsync "
VENV_DIRSYNC = Path(sys.executable).parent / "dirsync"
MAX_EXPOSURE = 2.0


def analyze(*args: str) -> subprocess.CompletedProcess[str]:
    tool = shutil.which("systemd-analyze")
    assert tool, "systemd-analyze is missing: .ci/setup installs the systemd package"
    return subprocess.run([tool, *args], capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def units(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped units, with ExecStart pointing at this venv's dirsync.

    verify refuses an ExecStart binary that does not exist, and /opt/dirsync (the
    documented install location) does not exist on a test machine.
    """
    assert VENV_DIRSYNC.is_file(), f"{VENV_DIRSYNC} missing: pip install -e . first"
    target = tmp_path_factory.mktemp("units")
    for name in UNITS:
        text = (UNIT_DIR / name).read_text(encoding="utf-8")
        if name.endswith(".service"):
            assert text.count(SHIPPED_EXEC) == 1, name
            text = text.replace(SHIPPED_EXEC, f"ExecStart={VENV_DIRSYNC} ")
        (target / name).write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize(
    "names",
    [
        ["dirsync.service", "dirsync.timer"],
        ["dirsync@.service", "dirsync@.timer"],
        ["dirsync@example.service", "dirsync@example.timer"],
        ["dirsync-events.service", "dirsync-events.timer"],
    ],
)
def test_verify_is_clean(units: Path, names: list[str]) -> None:
    result = analyze("verify", *(str(units / name) for name in names))
    # verify exits 0 on unknown keys and unparsable values; it only warns on stderr.
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_verify_reports_a_bad_unit(units: Path, tmp_path: Path) -> None:
    broken = tmp_path / "dirsync.service"
    text = (units / "dirsync.service").read_text(encoding="utf-8")
    broken.write_text(text.replace("ProtectProc=invisible", "ProtectProc=sometimes"))
    line = text.splitlines().index("ProtectProc=invisible") + 1
    result = analyze("verify", str(broken))
    assert f":{line}: Failed to parse /proc/ protection mode, ignoring: sometimes" in result.stderr


def exposure(unit: Path) -> float:
    result = analyze("security", "--offline=true", str(unit))
    assert result.returncode == 0, result.stderr
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout
    return float(found.group(1))


@pytest.mark.parametrize(
    "name", ["dirsync.service", "dirsync@example.service", "dirsync-events.service"]
)
def test_exposure_score_is_low(units: Path, name: str) -> None:
    instance = units / name
    if not instance.exists():
        shutil.copy(units / "dirsync@.service", instance)
    assert exposure(instance) <= MAX_EXPOSURE


def directives(name: str) -> list[str]:
    lines = (UNIT_DIR / name).read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line and not line.startswith(("#", "["))]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        (
            "dirsync.service",
            [
                "LoadCredential=client_secret:dirsync.client_secret",
                "LoadCredential=bind_password:dirsync.bind_password",
                "StateDirectory=dirsync",
                "ConfigurationDirectory=dirsync",
            ],
        ),
        (
            "dirsync@.service",
            [
                "LoadCredential=client_secret:dirsync-%i.client_secret",
                "LoadCredential=bind_password:dirsync-%i.bind_password",
                "StateDirectory=dirsync-%i",
                "Environment=DIRSYNC_CONFIG=/etc/dirsync/%i.toml",
                "Environment=DIRSYNC_SYNC__STATE_DIR=/var/lib/dirsync-%i",
            ],
        ),
    ],
)
def test_service_wiring(name: str, expected: list[str]) -> None:
    # Credential ids are the names read_secret looks up in $CREDENTIALS_DIRECTORY; a
    # relative source (the credential store) lets a CSV setup omit bind_password.
    lines = directives(name)
    for line in [*expected, "Type=oneshot", "DynamicUser=yes", "MemoryDenyWriteExecute=yes"]:
        assert line in lines, line


@pytest.mark.parametrize("name", ["dirsync.timer", "dirsync@.timer"])
def test_timer_is_nightly_spread_and_catches_up(name: str) -> None:
    lines = directives(name)
    assert "Persistent=true" in lines
    assert any(re.fullmatch(r"RandomizedDelaySec=\d+min", line) for line in lines)
    (calendar,) = [line.split("=", 1)[1] for line in lines if line.startswith("OnCalendar=")]
    result = analyze("calendar", calendar)
    assert result.returncode == 0, result.stderr
    assert re.search(r"Normalized form: \*-\*-\* \d\d:\d\d:00", result.stdout)


def test_events_service_is_hardened_like_the_sync_and_shares_its_setup() -> None:
    # Every directive of dirsync.service's hardening block, verbatim.
    sync_lines = directives("dirsync.service")
    hardening = sync_lines[sync_lines.index("NoNewPrivileges=yes") :]
    lines = directives("dirsync-events.service")
    assert lines[lines.index("NoNewPrivileges=yes") :] == hardening
    for line in [
        "ExecStart=/opt/dirsync/bin/dirsync events",
        "Type=oneshot",
        "DynamicUser=yes",
        "User=dirsync",
        "StateDirectory=dirsync",
        "ConfigurationDirectory=dirsync",
        "UMask=0077",
        "LoadCredential=client_secret:dirsync.client_secret",
    ]:
        assert line in lines, line
    assert "UMask=0077" in sync_lines


def test_events_timer_runs_every_15_minutes_and_catches_up() -> None:
    lines = directives("dirsync-events.timer")
    assert "Persistent=true" in lines
    (calendar,) = [line.split("=", 1)[1] for line in lines if line.startswith("OnCalendar=")]
    result = analyze("calendar", "--iterations=5", calendar)
    assert result.returncode == 0, result.stderr
    found = re.findall(
        r"(?:Next elapse|Iter\. #\d+): \w+ \d{4}-\d\d-\d\d (\d\d):(\d\d):00", result.stdout
    )
    minutes = [int(h) * 60 + int(m) for h, m in found]
    assert len(minutes) == 5, result.stdout
    steps = {(b - a) % (24 * 60) for a, b in itertools.pairwise(minutes)}
    assert steps == {15}, result.stdout


def test_the_mail_unit_verifies(tmp_path: Path) -> None:
    """The example OnFailure= unit for mail, as an instance for dirsync.service."""
    instance = tmp_path / "dirsync-mail@dirsync.service.service"
    shutil.copy(UNIT_DIR / "dirsync-mail@.service", instance)
    result = analyze("verify", str(instance))
    assert (result.returncode, result.stderr) == (0, "")
