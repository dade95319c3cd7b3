"""The cursor file, the output file (append, read back, rotation) and the option values."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from dirsync.events import EventsError
from dirsync.events.cursor import Cursor, OutputMark, load_cursor, save_cursor
from dirsync.events.names import parse_moment, parse_type, type_name
from dirsync.events.output import FileSink, StreamSink
from dirsync.events.reader import MAX_SPAN, MIN_SPAN, next_span

NOW = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _line(key: str, date: datetime = NOW) -> str:
    return json.dumps({"eventKey": key, "date": date.isoformat()})


def test_cursor_round_trip_and_missing(tmp_path: Path) -> None:
    assert load_cursor(tmp_path) == Cursor()
    cursor = Cursor(NOW, {"k1": NOW - timedelta(minutes=3)}, OutputMark("/x/e.jsonl", 42, 7))
    save_cursor(tmp_path, cursor)
    assert load_cursor(tmp_path) == cursor
    assert [p.name for p in tmp_path.iterdir()] == ["cursor.json"]


@pytest.mark.parametrize(
    "text", ["{", '{"version": 2}', '{"version": 1, "through": "yesterday", "seen": {}}']
)
def test_corrupt_cursor_is_an_error_naming_the_file(tmp_path: Path, text: str) -> None:
    (tmp_path / "cursor.json").write_text(text)
    with pytest.raises(EventsError, match=r"events cursor .*cursor\.json is corrupt"):
        load_cursor(tmp_path)


def test_file_write_marks_and_recover_reads_only_after_the_mark(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "e.jsonl", rotate="none", max_bytes=1 << 20, keep=0)
    mark = sink.write([_line("a"), _line("b")], NOW)
    assert mark is not None
    assert (mark.path, mark.size) == (str(sink.path), sink.path.stat().st_size)
    assert sink.recover(mark) == []
    sink.write([_line("c")], NOW)  # written, but the cursor was never saved
    assert [r["eventKey"] for r in sink.recover(mark)] == ["c"]
    assert [r["eventKey"] for r in sink.recover(None)] == ["a", "b", "c"]


def test_recover_cuts_a_half_written_line(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "e.jsonl", rotate="none", max_bytes=1 << 20, keep=0)
    mark = sink.write([_line("a")], NOW)
    with sink.path.open("a") as handle:
        handle.write(_line("b") + "\n" + _line("c")[:20])
    assert [r["eventKey"] for r in sink.recover(mark)] == ["b"]
    assert sink.path.read_text().splitlines() == [_line("a"), _line("b")]


def test_recover_after_the_file_was_replaced_reads_it_all(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "e.jsonl", rotate="none", max_bytes=1 << 20, keep=0)
    mark = sink.write([_line("a"), _line("b")], NOW)
    assert mark is not None
    sink.path.rename(tmp_path / "old.jsonl")
    assert sink.recover(mark) == []
    sink.write([_line("c")], NOW)
    assert [r["eventKey"] for r in sink.recover(mark)] == ["c"]


def test_day_rotation_names_the_old_day_and_keeps_n(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "events.jsonl", rotate="day", max_bytes=1, keep=2)
    for days_ago in (3, 2, 1):
        day = NOW - timedelta(days=days_ago)
        sink.write([_line(f"d{days_ago}", day)], day)
        os.utime(sink.path, (day.timestamp(), day.timestamp()))
    sink.write([_line("today")], NOW)
    sink.write([_line("today2")], NOW)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["events-2026-12-01.jsonl", "events-2026-12-02.jsonl", "events.jsonl"]
    d1 = _line("d1", NOW - timedelta(days=1))
    assert (tmp_path / "events-2026-12-02.jsonl").read_text() == d1 + "\n"
    assert sink.path.read_text().splitlines() == [_line("today"), _line("today2")]


def test_size_rotation(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "events.jsonl", rotate="size", max_bytes=100, keep=0)
    lines = [_line(f"k{i}") for i in range(6)]
    for index, text in enumerate(lines):
        sink.write([text], NOW + timedelta(seconds=index))
    files = sorted(tmp_path.iterdir())
    assert len(files) > 2
    assert all(f.stat().st_size <= 100 + len(lines[0]) + 1 for f in files)
    back = [line for f in files for line in f.read_text().splitlines()]
    assert sorted(back) == sorted(lines)


def test_stream_sink_writes_lines(tmp_path: Path) -> None:
    path = tmp_path / "out"
    with path.open("w") as stream:
        sink = StreamSink(stream)
        assert sink.write([_line("a"), _line("b")], NOW) is None
        assert sink.recover(None) == []
    assert path.read_text().splitlines() == [_line("a"), _line("b")]


def test_unwritable_file_is_an_events_error(tmp_path: Path) -> None:
    sink = FileSink(tmp_path / "missing" / "e.jsonl", rotate="none", max_bytes=1, keep=0)
    with pytest.raises(EventsError, match=r"cannot write events file .*missing/e\.jsonl"):
        sink.write([_line("a")], NOW)


def test_option_values() -> None:
    assert parse_moment("30d", NOW) == NOW - timedelta(days=30)
    assert parse_moment("12h", NOW) == NOW - timedelta(hours=12)
    assert parse_moment("2026-11-01", NOW) == datetime(2026, 11, 1, tzinfo=UTC)
    with pytest.raises(ValueError, match="neither an age"):
        parse_moment("last week", NOW)
    assert parse_type("1511") == 1511
    assert parse_type("OrganizationUser_Revoked") == parse_type("revoked") == 1511
    with pytest.raises(ValueError, match="Created"):
        parse_type("Created")
    assert (type_name(1400), type_name(1000)) == ("Group_Created", None)


def test_slices_grow_when_quiet_and_shrink_when_busy() -> None:
    assert next_span(timedelta(days=1), 1) == timedelta(days=2)
    assert next_span(MAX_SPAN, 1) == MAX_SPAN
    assert next_span(timedelta(hours=2), 5) == timedelta(hours=2)
    assert next_span(timedelta(hours=2), 40) == timedelta(hours=1)
    assert next_span(MIN_SPAN, 40) == MIN_SPAN
