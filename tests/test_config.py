"""The configuration framework: TOML file, environment overrides, secrets, clear errors."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from dirsync.cli.main import main
from dirsync.config import ConfigError
from dirsync.config_sources import (
    DEFAULT_CONFIG_PATH,
    load_settings,
    read_secret,
    resolve_config_path,
)

CSV_CONFIG = """
[bitwarden]
client_id = "organization.00000000-0000-0000-0000-000000000001"

[source]
type = "csv"

[csv]
path = "/tmp/hr.csv"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "dirsync.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_values_load(tmp_path: Path) -> None:
    settings = load_settings(write(tmp_path, CSV_CONFIG), env={})
    assert settings.source.type == "csv"
    assert settings.csv is not None
    assert settings.csv.path == "/tmp/hr.csv"
    assert settings.sync.removal == "revoke"


def test_environment_overrides_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRSYNC_SYNC__MAX_REMOVALS", "7")
    monkeypatch.setenv("DIRSYNC_CSV__PATH", "/srv/export.csv")
    settings = load_settings(write(tmp_path, CSV_CONFIG))
    assert settings.sync.max_removals == 7
    assert settings.csv is not None
    assert settings.csv.path == "/srv/export.csv"


def test_error_names_key_and_file(tmp_path: Path) -> None:
    path = write(tmp_path, CSV_CONFIG + '\n[sync]\nremoval = "wipe"\n')
    with pytest.raises(ConfigError) as info:
        load_settings(path, env={})
    text = str(info.value)
    assert "sync.removal" in text
    assert str(path) in text
    assert "'revoke'" in text


def test_error_names_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIRSYNC_SYNC__MAX_REMOVALS", "lots")
    with pytest.raises(ConfigError, match="DIRSYNC_SYNC__MAX_REMOVALS"):
        load_settings(write(tmp_path, CSV_CONFIG))


def test_unknown_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"sync\.max_removalz: unknown key"):
        load_settings(write(tmp_path, CSV_CONFIG + "\n[sync]\nmax_removalz = 3\n"), env={})


def test_missing_source_section(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no \[ldap\] section"):
        load_settings(write(tmp_path, '[source]\ntype = "ldap"\n'), env={})


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml", env={})
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[sync\n"), env={})


def test_config_path_resolution() -> None:
    assert resolve_config_path("/x.toml", env={"DIRSYNC_CONFIG": "/y.toml"}) == Path("/x.toml")
    assert resolve_config_path(None, env={"DIRSYNC_CONFIG": "/y.toml"}) == Path("/y.toml")
    assert resolve_config_path(None, env={}) == DEFAULT_CONFIG_PATH


def test_secret_from_file_and_credentials(tmp_path: Path) -> None:
    secret_file = tmp_path / "client_secret"
    secret_file.write_text("s3cret\n")
    os.chmod(secret_file, 0o600)
    assert read_secret("client_secret", None, secret_file, env={}).get_secret_value() == "s3cret"
    creds = tmp_path / "creds"
    creds.mkdir()
    (creds / "client_secret").write_text("from-systemd")
    env = {"CREDENTIALS_DIRECTORY": str(creds)}
    assert read_secret("client_secret", None, None, env=env).get_secret_value() == "from-systemd"


def test_secret_errors_do_not_leak(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="client_secret is not set"):
        read_secret("client_secret", None, None, env={})
    with pytest.raises(ConfigError, match="cannot read client_secret_file"):
        read_secret("client_secret", None, tmp_path / "nope", env={})


def test_group_readable_secret_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    secret_file = tmp_path / "bind_password"
    secret_file.write_text("pw")
    os.chmod(secret_file, 0o644)
    read_secret("bind_password", None, secret_file, env={})
    assert "readable by group or others" in caplog.text
    assert "pw" not in caplog.text.replace("password", "")


def test_secret_never_printed(tmp_path: Path) -> None:
    settings = load_settings(
        write(tmp_path, CSV_CONFIG.replace("[source]", 'client_secret = "hunter22"\n[source]')),
        env={},
    )
    assert "hunter22" not in repr(settings)
    assert "hunter22" not in settings.model_dump_json()


@pytest.mark.parametrize(
    ("name", "suggestion"),
    [
        ("DIRSYNC_SYNK__MAX_REMOVALS", "DIRSYNC_SYNC__MAX_REMOVALS"),
        ("DIRSYNC_SYNC_MAX_REMOVALS", "DIRSYNC_SYNC__MAX_REMOVALS"),
        ("DIRSYNC_LDAP__USERS__FILTR", "DIRSYNC_LDAP__USERS__FILTER"),
        ("dirsync_report__metric_file", "DIRSYNC_REPORT__METRICS_FILE"),
        ("DIRSYNC_SYNC__MAX_REMOVALS__X", "DIRSYNC_SYNC__MAX_REMOVALS"),
        ("DIRSYNC_CSV__GROUPS__COLUMN", "DIRSYNC_CSV__GROUPS"),
        ("DIRSYNC_VERBOSE", None),
    ],
)
def test_a_variable_that_sets_no_key_is_an_error_naming_it(
    tmp_path: Path, name: str, suggestion: str | None
) -> None:
    env = {name: "0", "DIRSYNC_SYNC__MAX_REMOVALS": "3"}
    with pytest.raises(ConfigError) as caught:
        load_settings(write(tmp_path, CSV_CONFIG), env=env)
    line = str(caught.value).splitlines()[-1]
    assert line.startswith(f"  environment variable {name}: no such configuration key")
    if suggestion is not None:
        assert line.endswith(f"(did you mean {suggestion}?)")
    else:
        assert "two underscores between levels" in line


LDAP_CONFIG = """
[source]
type = "ldap"

[ldap]
urls = ["ldap://ldap.example.org"]
users = { base = "ou=people,dc=example,dc=org" }
"""


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("DIRSYNC_CONFIG", "/elsewhere.toml"),
        ("DIRSYNC_NOW", "2026-11-01T00:00:00+00:00"),
        ("DIRSYNC_RATE_LIMIT_SCALE", "30"),
        ("DIRSYNC_RELIABILITY_RUNS", "30"),
        ("DIRSYNC_SYNC", '{"max_removals": 3}'),
        ("DIRSYNC_SYNC__ROLES", "[]"),
        ("dirsync_sync__max_removals", "3"),
        ("DIRSYNC_LDAP__USERS", '{"base": "ou=staff,dc=example,dc=org"}'),
        ("DIRSYNC_LDAP__USERS__DISABLED_FILTER", "(pwdAccountLockedTime=*)"),
        ("DIRSYNC_REPORT__METRICS_FILE", "/var/lib/prometheus/dirsync.prom"),
    ],
)
def test_every_key_and_the_project_s_own_variables_are_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(name, value)
    settings = load_settings(write(tmp_path, LDAP_CONFIG))
    assert settings.ldap is not None


def test_an_unknown_variable_stops_the_cli_with_exit_1(tmp_path: Path) -> None:
    path = write(tmp_path, CSV_CONFIG.replace("/tmp/hr.csv", str(tmp_path / "hr.csv")))
    (tmp_path / "hr.csv").write_text("Employee ID,Work Email\n", encoding="utf-8")
    result = CliRunner().invoke(
        main, ["--config", str(path), "source"], env={"DIRSYNC_SYNC_MAX_REMOVALS": "0"}
    )
    assert result.exit_code == 1
    assert "environment variable DIRSYNC_SYNC_MAX_REMOVALS: no such configuration key" in (
        result.output
    )
