"""Why the Samba fixture would skip: checked without starting anything."""

from __future__ import annotations

import pytest

from tests.fixtures import samba


def test_not_root_is_a_reason_to_skip(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(samba.os, "geteuid", lambda: 1000)
    assert samba.missing_prerequisite() == (
        "Samba AD DC tests need root (samba binds ports 389/636); CI runs them as root"
    )


def test_a_missing_tool_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(samba.os, "geteuid", lambda: 0)
    monkeypatch.setattr(samba.shutil, "which", lambda tool: None if tool == "samba-tool" else tool)
    reason = samba.missing_prerequisite()
    assert reason is not None
    assert "'samba-tool'" in reason
    assert ".ci/setup" in reason
