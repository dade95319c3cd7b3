"""read_source dispatches on source.type; the LDAP module is loaded only when used."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import dirsync.sources.ldap
from dirsync.config import ConfigError, Settings
from dirsync.model import DirectorySnapshot
from dirsync.sources import read_source
from dirsync.sources.csv import read_csv
from tests.csv.exports import TODAY, csv_settings, people, render


def test_csv(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(render(people(3)), encoding="utf-8")
    snapshot = read_source(csv_settings(path), TODAY)
    assert snapshot.source == "csv"
    assert len(snapshot.users) == 3


def test_ldap_goes_to_read_ldap(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[Settings] = []

    def fake_read_ldap(settings: Settings) -> DirectorySnapshot:
        calls.append(settings)
        return DirectorySnapshot(source="ldap")

    monkeypatch.setattr(dirsync.sources.ldap, "read_ldap", fake_read_ldap)
    settings = Settings(
        source={"type": "ldap"},
        ldap={"urls": ["ldap://127.0.0.1:1"], "users": {"base": "dc=example,dc=org"}},
    )
    assert read_source(settings, TODAY).source == "ldap"
    assert calls == [settings]


def test_a_csv_run_does_not_import_ldap3(tmp_path: Path) -> None:
    path = tmp_path / "export.csv"
    path.write_text(render(people(3)), encoding="utf-8")
    code = (
        "import sys\n"
        "from datetime import date\n"
        "from dirsync.config import Settings\n"
        "from dirsync.sources import read_source\n"
        f"settings = Settings(source={{'type': 'csv'}}, csv={{'path': {str(path)!r}}})\n"
        "read_source(settings, date(2026, 3, 15))\n"
        "print('ldap3' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "False"


def test_read_csv_needs_a_csv_section() -> None:
    settings = Settings(
        source={"type": "ldap"},
        ldap={"urls": ["ldap://127.0.0.1:1"], "users": {"base": "dc=example,dc=org"}},
    )
    with pytest.raises(ConfigError, match="no \\[csv\\] section"):
        read_csv(settings, TODAY)
