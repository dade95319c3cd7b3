"""The [events] section: defaults, validation, and the examples in config/ document it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from dirsync.bitwarden.reads import ReadClient
from dirsync.config import BitwardenConfig, ConfigError, EventsConfig
from dirsync.config_sources import load_settings
from tests.ops.test_config_examples import EXAMPLES, _documented_keys


@pytest.fixture(autouse=True)
def no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("DIRSYNC_"):
            monkeypatch.delenv(name)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_examples_document_every_events_key(path: Path) -> None:
    tables = _documented_keys(path.read_text(encoding="utf-8"))
    assert set(EventsConfig.model_fields) <= tables.get("events", set())
    events = load_settings(path, env={}).events
    assert (events.file, events.rotate, events.overlap_minutes) == (None, "day", 30)


def test_events_keys_are_checked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[source]\ntype = "csv"\n[csv]\npath = "x.csv"\n[events]\nfirst_days = 400\n')
    with pytest.raises(ConfigError, match=r"events\.first_days: .*366"):
        load_settings(path, env={})
    monkeypatch.setenv("DIRSYNC_EVENTS__FILE", str(tmp_path / "e.jsonl"))
    path.write_text('[source]\ntype = "csv"\n[csv]\npath = "x.csv"\n')
    assert load_settings(path).events.file == tmp_path / "e.jsonl"


@pytest.mark.parametrize("value", ["fast", "0", "-2", "nan"])
def test_bad_rate_limit_scale_is_a_config_error(
    value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIRSYNC_RATE_LIMIT_SCALE", value)
    config = BitwardenConfig(client_id="organization.x", client_secret=SecretStr("s3cret-value"))
    with pytest.raises(ConfigError, match=f"DIRSYNC_RATE_LIMIT_SCALE={value!r} is not a number"):
        ReadClient.from_config(config)
