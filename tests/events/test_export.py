"""The export engine with the real client against the served emulator: exactly once across
overlapping runs, late events, a failure between writing and saving the cursor, a failure
between pages, one-off reads and enrichment."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

import dirsync.events.export as export_module
from dirsync.bitwarden.models import Event, Member
from dirsync.config import EventsConfig
from dirsync.events.cursor import load_cursor
from dirsync.events.export import Summary, export, read_once
from dirsync.events.output import FileSink
from dirsync.events.reader import Selection, event_key
from dirsync.progress import NoProgress
from tests.client.served import client_for
from tests.emulator.helpers import seed
from tests.fixtures.emulator import ServedEmulator

CONFIG = EventsConfig(first_days=30, overlap_minutes=30)
ANN = "a1111111-0000-0000-0000-000000000001"
ANN_USER = "a1111111-0000-0000-0000-0000000000aa"


def _spread(count: int, days: float, now: datetime) -> list[dict[str, Any]]:
    step = timedelta(days=days) / count
    return [
        {"type": 1502, "date": (now - (i + 1) * step).isoformat(), "memberId": ANN}
        for i in range(count)
    ]


def _expected(emulator: ServedEmulator) -> set[str]:
    return {event_key(Event.model_validate(e)) for e in emulator.state()["events"]}


def _written(path: Path) -> Counter[str]:
    return Counter(json.loads(line)["eventKey"] for line in path.read_text().splitlines())


def _run(emulator: ServedEmulator, directory: Path, now: datetime, **kw: Any) -> Summary:
    sink = FileSink(directory / "events.jsonl", rotate="none", max_bytes=1 << 30, keep=0)
    with client_for(emulator) as client:
        return export(client, sink, directory, CONFIG, now, kw.get("progress", NoProgress()))


def _ann_seed(events: list[dict[str, Any]]) -> dict[str, Any]:
    ann = {"id": ANN, "email": "ann@example.com", "type": 2, "status": 2, "userId": ANN_USER}
    return {**seed([ann]), "events": events}


def test_overlapping_runs_write_each_event_once(emulator: ServedEmulator, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    emulator.reset(_ann_seed(_spread(600, 10, now)))
    first = _run(emulator, tmp_path, now)
    assert (first.written, first.through) == (600, now)
    late = {"type": 1511, "date": (now - timedelta(minutes=20)).isoformat(), "memberId": ANN}
    emulator.control("POST", "events", [late])
    second = _run(emulator, tmp_path, now + timedelta(minutes=5))
    assert second.written == 1  # the late one; the overlap's others were already written
    assert second.read > 1
    written = _written(tmp_path / "events.jsonl")
    assert set(written) == _expected(emulator)
    assert max(written.values()) == 1
    cursor = load_cursor(tmp_path)
    assert cursor.through == now + timedelta(minutes=5)
    assert all(d >= cursor.through - timedelta(minutes=30) for d in cursor.seen.values())


def test_first_run_reaches_first_days_back(emulator: ServedEmulator, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    old = {"type": 1500, "date": (now - timedelta(days=31)).isoformat()}
    emulator.reset(_ann_seed([old, *_spread(3, 29, now)]))
    assert _run(emulator, tmp_path, now).written == 3


def test_crash_between_write_and_cursor_save(
    emulator: ServedEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = datetime.now(UTC)
    emulator.reset(_ann_seed(_spread(900, 25, now)))
    saves = 0
    real_save = export_module.save_cursor

    def crash_on_second_write(directory: Path, cursor: Any) -> None:
        nonlocal saves
        saves += cursor.output is not None
        if saves == 2:
            raise KeyboardInterrupt("killed after writing, before saving the cursor")
        real_save(directory, cursor)

    monkeypatch.setattr(export_module, "save_cursor", crash_on_second_write)
    with pytest.raises(KeyboardInterrupt):
        _run(emulator, tmp_path, now)
    partial = _written(tmp_path / "events.jsonl")
    assert 0 < sum(partial.values()) < 900
    monkeypatch.setattr(export_module, "save_cursor", real_save)
    _run(emulator, tmp_path, now)
    written = _written(tmp_path / "events.jsonl")
    assert set(written) == _expected(emulator)
    assert max(written.values()) == 1


class _FailAfter:
    """A progress display that fails the run after *pages* pages (a failure between pages)."""

    def __init__(self, pages: int) -> None:
        self.left = pages

    def update(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        self.left -= 1
        if self.left < 0:
            raise ConnectionError("network gone")

    def close(self) -> None:
        return None


def test_failure_mid_backfill_resumes_without_gap(emulator: ServedEmulator, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    emulator.reset(_ann_seed(_spread(2000, 20, now)))
    with pytest.raises(ConnectionError):
        _run(emulator, tmp_path, now, progress=_FailAfter(25))
    through = load_cursor(tmp_path).through
    assert through is not None
    assert now - timedelta(days=30) < through < now
    resumed = _run(emulator, tmp_path, now)
    assert resumed.read < 2000  # it went on from the cursor, not from the start
    written = _written(tmp_path / "events.jsonl")
    assert set(written) == _expected(emulator)
    assert max(written.values()) == 1


def test_enriched_with_type_name_and_emails(emulator: ServedEmulator, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    by_ann = {
        "type": 1400,
        "date": (now - timedelta(hours=1)).isoformat(),
        "actingUserId": ANN_USER,
    }
    gone = {"type": 1503, "date": (now - timedelta(hours=2)).isoformat(), "memberId": "f" * 32}
    emulator.reset(_ann_seed([by_ann, gone]))
    _run(emulator, tmp_path, now)
    lines = [json.loads(x) for x in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert [(x["typeName"], x["actingUserEmail"], x["memberEmail"]) for x in lines] == [
        ("OrganizationUser_Removed", None, None),
        ("Group_Created", "ann@example.com", None),
    ]
    original = {k: v for k, v in lines[1].items() if k not in ("typeName", "eventKey")}
    assert original["actingUserId"] == ANN_USER
    assert {"installationId", "serviceAccountId", "ipAddress", "device"} <= set(original)


def test_one_off_read_selects_and_leaves_no_cursor(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    other = {"type": 1511, "date": (now - timedelta(hours=3)).isoformat()}
    emulator.reset(_ann_seed([*_spread(120, 2, now), other]))
    got: list[dict[str, Any]] = []
    with client_for(emulator) as client:
        summary = read_once(
            client,
            now - timedelta(days=1),
            now,
            Selection(member_id=ANN, user_id=ANN_USER),
            got.extend,
            NoProgress(),
        )
        revoked: list[dict[str, Any]] = []
        read_once(
            client, now - timedelta(days=3), now, Selection(frozenset({1511})), revoked.extend,
            NoProgress(),
        )  # fmt: skip
    assert summary.written == len(got) == 60
    assert {x["memberEmail"] for x in got} == {"ann@example.com"}
    assert [x["date"] for x in got] == sorted(x["date"] for x in got)
    assert [x["type"] for x in revoked] == [1511]
    assert list(tmp_path.iterdir()) == []


def test_one_off_read_names_a_member_no_longer_in_the_org(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    now = datetime.now(UTC)
    gone_id = "b2222222-0000-0000-0000-000000000002"
    removed = {"type": 1503, "date": (now - timedelta(hours=1)).isoformat(), "memberId": gone_id}
    emulator.reset(_ann_seed([removed]))
    gone = Member(id=gone_id, email="gone@example.com", status=-1, type=2)
    got: list[dict[str, Any]] = []
    with client_for(emulator) as client:
        selection = Selection(member_id=gone_id)
        read_once(client, now - timedelta(days=1), now, selection, got.extend, NoProgress(), [gone])
    assert [(x["typeName"], x["memberEmail"]) for x in got] == [
        ("OrganizationUser_Removed", "gone@example.com")
    ]
