"""The example configurations in config/ load cleanly and document every key."""

from __future__ import annotations

import os
import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from dirsync.config import LdapConfig, Settings
from dirsync.config_sources import load_settings

CONFIG_DIR = Path(__file__).resolve().parents[2] / "config"
EXAMPLES = sorted(CONFIG_DIR.glob("*.toml"))
DOCUMENTED = {"openldap.toml": "ldap", "active-directory.toml": "ldap"}
"""The examples that explain every key of their source, and what that source is."""


@pytest.fixture(autouse=True)
def no_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.upper().startswith("DIRSYNC_"):
            monkeypatch.delenv(name)


def test_the_documented_examples_exist() -> None:
    assert set(DOCUMENTED) <= {path.name for path in EXAMPLES}


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.name)
def test_example_loads(path: Path) -> None:
    settings = load_settings(path, env={})
    section = settings.ldap if settings.source.type == "ldap" else settings.csv
    assert section is not None


def test_openldap_example_values() -> None:
    settings = load_settings(CONFIG_DIR / "openldap.toml", env={})
    assert settings.ldap is not None
    assert not settings.ldap.active_directory
    assert settings.ldap.users.external_id == "entryUUID"
    assert settings.sync.removal == "revoke"
    assert settings.bitwarden.client_secret is None
    assert settings.bitwarden.client_secret_file is None


def test_active_directory_example_uses_the_ad_defaults() -> None:
    settings = load_settings(CONFIG_DIR / "active-directory.toml", env={})
    assert settings.ldap is not None
    assert settings.ldap.active_directory
    # Left unset so that the source applies objectGUID, sAMAccountName and the AD filter.
    assert {"external_id", "username", "filter"}.isdisjoint(settings.ldap.users.model_fields_set)
    assert all(url.startswith("ldaps://") for url in settings.ldap.urls)
    assert settings.ldap.bind_password is None
    assert settings.ldap.bind_password_file is None


def _submodel(annotation: object) -> type[BaseModel] | None:
    """The model a field holds (directly, optionally, or as a list), if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) in (
        typing.Union,
        list,
    ):
        for arg in typing.get_args(annotation):
            found = _submodel(arg)
            if found is not None:
                return found
    return None


def _keys(model: type[BaseModel], prefix: str) -> list[tuple[str, bool]]:
    """(dotted key, is a table) for every field below *model*."""
    keys: list[tuple[str, bool]] = []
    for name, field in model.model_fields.items():
        dotted = f"{prefix}.{name}"
        sub = _submodel(field.annotation)
        keys.append((dotted, sub is not None))
        if sub is not None:
            keys.extend(_keys(sub, dotted))
    return keys


def _sections(source: str) -> list[tuple[str, bool]]:
    keys: list[tuple[str, bool]] = []
    for name in ("bitwarden", "source", source, "sync", "report"):
        model = LdapConfig if name == "ldap" else _submodel(Settings.model_fields[name].annotation)
        assert model is not None
        keys.extend(_keys(model, name))
    return keys


def _documented_keys(text: str) -> dict[str, set[str]]:
    """Per table (dotted name), the keys written or commented out in it."""
    tables: dict[str, set[str]] = {"": set()}
    current = ""
    for line in text.splitlines():
        header = re.match(r"\[\[?([\w.]+)\]\]?", line)
        key = re.match(r"#? ?(\w+) = ", line)
        if header:
            current = header.group(1)
            tables.setdefault(current, set())
        elif key:
            tables[current].add(key.group(1))
    return tables


@pytest.mark.parametrize(("name", "source"), sorted(DOCUMENTED.items()))
def test_example_mentions_every_key(name: str, source: str) -> None:
    tables = _documented_keys((CONFIG_DIR / name).read_text(encoding="utf-8"))
    missing = []
    for dotted, is_table in _sections(source):
        table, key = dotted.rsplit(".", 1)
        found = dotted in tables if is_table else key in tables.get(table, set())
        if not found:
            missing.append(dotted)
    assert not missing, f"{name} does not mention: {', '.join(missing)}"
