"""Bad input, fuzzed: the config loader returns Settings or raises ConfigError, nothing else,
and never quotes a secret; the CSV source under arbitrary *configuration* (the CSV tests'
properties cover arbitrary bytes and rows) returns a snapshot or raises SourceError or
ConfigError."""

from __future__ import annotations

import json
import math
import os
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dirsync.config import ConfigError, Settings
from dirsync.config_sources import load_settings
from dirsync.model import DirectorySnapshot
from dirsync.sources.csv import read_csv
from dirsync.sources.errors import SourceError
from tests.reliability.runner import toml
from tests.reliability.scenario import csv_people, write_csv

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
SECRET = "fuzz-secret-7f3a"
KEYS = {
    "bitwarden": ["server", "api_url", "client_id", "client_secret", "client_secret_file",
                  "ca_file", "timeout_seconds", "rate_limit", "max_concurrency"],
    "source": ["type"],
    "ldap": ["urls", "start_tls", "ca_file", "verify_tls", "bind_dn", "bind_password",
             "page_size", "timeout_seconds", "users", "groups", "active_directory"],
    "csv": ["path", "encoding", "delimiter", "external_id", "email", "name", "status",
            "active_values", "start_date", "date_format", "max_bad_rows_percent", "groups"],
    "sync": ["groups_include", "protected", "removal", "delete_after_days", "max_removals",
             "max_removal_percent", "state_dir", "roles", "collections"],
    "report": ["file", "audit_file", "metrics_file"],
}  # fmt: skip
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=False).filter(math.isfinite),
    st.text(max_size=20),
    st.sampled_from(["ldap", "csv", "cloud", "off", "us", "revoke", "ldap://x", SECRET]),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["group", "type", "column", "base", "x"]), inner, max_size=3
        ),
    ),
    max_leaves=8,
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, dict[str, Any]]:
    sections = draw(st.lists(st.sampled_from([*KEYS, "extra"]), unique=True, max_size=6))
    document: dict[str, dict[str, Any]] = {}
    for section in sections:
        names = st.sampled_from([*KEYS.get(section, []), "unknown_key"])
        document[section] = draw(st.dictionaries(names, VALUES, max_size=5))
    return document


def _load(path: Path) -> Settings | None:
    try:
        return load_settings(path, env={})
    except ConfigError as exc:
        message = str(exc)
    assert message.strip()
    assert SECRET not in message
    return None


@pytest.fixture(autouse=True)
def _no_dirsync_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("DIRSYNC_") or name == "CREDENTIALS_DIRECTORY":
            monkeypatch.delenv(name)


@FUZZ
@given(document=documents())
def test_config_documents_load_or_raise_config_error(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(toml(document), encoding="utf-8")
    _load(path)


@FUZZ
@given(text=st.text(alphabet=st.sampled_from(list("[]{}=\"'.,#\n =abc1\\\x00é")), max_size=80))
def test_config_text_loads_or_raises_config_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "fuzz.toml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    _load(path)


ENV_NAMES = st.sampled_from(
    [f"DIRSYNC_{section.upper()}__{key.upper()}" for section, keys in KEYS.items() for key in keys]
)
ENV_VALUES = st.one_of(
    st.text(max_size=15).filter(lambda v: "\x00" not in v),
    VALUES.map(json.dumps),
)


@FUZZ
@given(env=st.dictionaries(ENV_NAMES, ENV_VALUES, max_size=4))
def test_environment_values_load_or_raise_config_error(tmp_path: Path, env: dict[str, str]) -> None:
    path = tmp_path / "base.toml"
    path.write_text('[source]\ntype = "csv"\n[csv]\npath = "x.csv"\n', encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        try:
            load_settings(path, env=env)
        except ConfigError as exc:
            message = str(exc)
        else:
            message = "loaded"
    assert message.strip()


def test_a_list_variable_that_is_not_json_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "base.toml"
    path.write_text('[source]\ntype = "csv"\n[csv]\npath = "x.csv"\n', encoding="utf-8")
    monkeypatch.setenv("DIRSYNC_SYNC__GROUPS_INCLUDE", "Engineering")
    with pytest.raises(ConfigError, match="DIRSYNC_SYNC__GROUPS_INCLUDE"):
        load_settings(path)


TEMPLATE_TEXT = st.text(alphabet=st.sampled_from(list("{}[]!:.0aZ _-%")), max_size=12)
COLUMNS = st.sampled_from(
    ["Employee ID", "Work Email", "Department", "Teams", "Status", "Nope", ""]
)


@st.composite
def csv_configs(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "delimiter": draw(st.sampled_from(["", ",", ";", "\t", "|", "x"])),
        "external_id": draw(COLUMNS),
        "email": draw(COLUMNS),
        "name": draw(st.one_of(TEMPLATE_TEXT, st.just("{First Name} {Last Name}"))),
        "status": draw(st.one_of(COLUMNS, st.just(""))),
        "active_values": draw(st.lists(st.sampled_from(["Active", "", "active", "x"]), max_size=3)),
        "start_date": draw(st.sampled_from(["", "Teams", "Nope"])),
        "date_format": draw(st.sampled_from(["%Y-%m-%d", "%d/%m/%Y", "%", "%Q", ""])),
        "max_bad_rows_percent": draw(st.floats(min_value=0, max_value=100)),
        "groups": draw(
            st.lists(
                st.fixed_dictionaries(
                    {
                        "column": COLUMNS,
                        "separator": st.sampled_from(["", ";", ","]),
                        "template": st.one_of(TEMPLATE_TEXT, st.just("{value}")),
                    }
                ),
                max_size=3,
            )
        ),
    }


@pytest.fixture(scope="module")
def export(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("csv") / "hr.csv"
    write_csv(path, csv_people(30, 4)[0])
    return path


@FUZZ
@given(config=csv_configs())
def test_csv_source_under_any_configuration(export: Path, config: dict[str, Any]) -> None:
    try:
        built = Settings(source={"type": "csv"}, csv={"path": str(export), **config})
    except ValueError:
        return  # refused by the model: test_config_documents_* covers that path
    try:
        snapshot = read_csv(built, date(2026, 11, 2))
    except (SourceError, ConfigError) as exc:
        message = str(exc)
        snapshot = None
    if snapshot is None:
        assert message.strip()
        return
    assert isinstance(snapshot, DirectorySnapshot)
    ids = [u.external_id for u in snapshot.users]
    assert len(ids) == len(set(ids))
