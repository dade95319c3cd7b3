"""A file replaced piece by piece is whole or still the old one (issue 11: the report of a
100,000-action run is written in pieces)."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from dirsync.atomic import replacing, write_atomically
from dirsync.cli.output import write_json


def test_an_error_mid_write_keeps_the_old_content(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text('{"run": 1}\n', encoding="utf-8")

    with pytest.raises(TypeError), replacing(path) as out:
        write_json({"run": 2, "results": [{"ok": True}] * 5000, "bad": object()}, out, 2)

    assert path.read_text(encoding="utf-8") == '{"run": 1}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]


def test_a_finished_write_replaces_the_file_with_the_permissions_asked(tmp_path: Path) -> None:
    path = tmp_path / "metrics.prom"
    path.write_text("old\n", encoding="utf-8")

    with replacing(path, 0o644) as out:
        write_json({"results": list(range(5000))}, out, None)

    assert json.loads(path.read_text(encoding="utf-8")) == {"results": list(range(5000))}
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.prom"]


def test_bytes_written_whole_are_owner_only_in_a_new_directory(tmp_path: Path) -> None:
    path = tmp_path / "state" / "state.json"

    write_atomically(path, '{"é": 1}'.encode())

    assert path.read_text(encoding="utf-8") == '{"é": 1}'
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
