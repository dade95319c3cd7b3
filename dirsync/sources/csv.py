"""The HR CSV source: a nightly export (BambooHR, Workday, Personio...) -> DirectorySnapshot.

The file streams through ``csv.reader`` (quoting, embedded newlines, CRLF); only what the
snapshot needs is kept. A bad row is reported (``SourceWarning``: line, column, reason) and
skipped; its external id, when known, goes in ``uncertain_ids`` so it never looks like a
leaver. Two live (enabled or scheduled) rows with one email are both bad; an inactive row
whose email a live row holds is skipped with a warning and marked uncertain, because its
person is still here under another id.

A broken export raises ``SourceError`` and yields nothing: unreadable or undecodable bytes,
malformed CSV (a quoted field still open at the end means the file was cut off), a missing
column, no data rows, or more bad rows than ``csv.max_bad_rows_percent``.
"""

from __future__ import annotations

import codecs
import csv
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from itertools import chain
from pathlib import Path
from typing import BinaryIO

from dirsync.config import ConfigError, CsvConfig, Settings
from dirsync.gcpause import collector_paused
from dirsync.model import DirectorySnapshot
from dirsync.sources.csv_collect import Collector
from dirsync.sources.csv_rows import BadRow, Columns, clean_header
from dirsync.sources.errors import SourceError
from dirsync.sources.selection import group_selected

SNIFFED_DELIMITERS = (",", ";", "\t", "|")
_CHUNK = 1 << 16
_LINE_END = re.compile(r"\r\n|\r|\n")


@contextmanager
def _open_binary(path: str) -> Iterator[BinaryIO]:
    try:
        if path == "-":
            yield sys.stdin.buffer
        else:
            with Path(path).open("rb") as handle:
                yield handle
    except OSError as exc:
        raise SourceError(f"cannot read CSV file {path}: {exc.strerror or exc}") from None


def _decoded_lines(binary: BinaryIO, encoding: str) -> Iterator[str]:
    """Physical lines (with their endings) decoded one at a time, so errors name the line."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    pending = ""
    line = 1
    while True:
        chunk = binary.readline(_CHUNK)
        try:
            text = decoder.decode(chunk, final=not chunk)
        except UnicodeDecodeError as exc:
            before = chunk[: max(exc.start, 0)].decode(encoding, errors="replace")
            at = line + pending.count("\n") + len(_LINE_END.findall(before))
            raise SourceError(
                f"line {at}: bytes that are not valid {encoding} ({exc.reason}); "
                "set csv.encoding to the export's encoding (e.g. cp1252)"
            ) from None
        if text.endswith("\n") and not pending and _single_line(text):
            yield text  # the usual case: exactly one whole line
            line += 1
            continue
        pending += text
        start = 0
        for match in _LINE_END.finditer(pending):
            if match.end() == len(pending) and match.group(0) == "\r" and chunk:
                break  # a "\n" may follow in the next chunk
            yield pending[start : match.end()]
            start = match.end()
            line += 1
        pending = pending[start:]
        if not chunk:
            if pending:
                yield pending
            return


def _single_line(text: str) -> bool:
    """True when *text* (ending in a newline) holds no other line break."""
    return text.find("\n") == len(text) - 1 and "\r" not in text[:-2]


def sniff_delimiter(header_line: str) -> str:
    """The candidate that splits the header line into the most fields (ties: the first)."""
    best, best_count = ",", 1
    for candidate in SNIFFED_DELIMITERS:
        try:
            fields = next(csv.reader([header_line], delimiter=candidate), [])
        except csv.Error:
            continue
        if len(fields) > best_count:
            best, best_count = candidate, len(fields)
    return best


def _blank(record: list[str]) -> bool:
    return not any(field.strip() for field in record)


def _check_encoding(cfg: CsvConfig) -> None:
    try:
        codecs.getincrementaldecoder(cfg.encoding)
    except LookupError:
        raise ConfigError(f"csv.encoding: unknown encoding {cfg.encoding!r}") from None


def read_csv(settings: Settings, today: date) -> DirectorySnapshot:
    """Read the HR export named by ``settings.csv`` as it stands on *today*: an aware
    datetime (each row's dates are days in its csv.timezone), or a plain date taken as
    the day it is everywhere."""
    cfg = settings.csv
    if cfg is None:
        raise ConfigError("source.type is 'csv' but there is no [csv] section")
    _check_encoding(cfg)
    with collector_paused():
        with _open_binary(cfg.path) as binary:
            lines = _decoded_lines(binary, cfg.encoding)
            leading: list[str] = []
            for text in lines:
                leading.append(text)
                if text.strip():
                    break
            if not leading or not leading[-1].strip():
                raise SourceError(f"CSV file {cfg.path} is empty (no header row)")
            delimiter = cfg.delimiter or sniff_delimiter(leading[-1])
            collector = _read_records(chain(leading, lines), delimiter, cfg, today)
        sync = settings.sync
        return collector.snapshot(
            lambda name: group_selected(name, sync.groups_include, sync.groups_exclude)
        )


class _LastLine:
    """Passes lines through and remembers the last one, to tell a file cut mid-row."""

    def __init__(self, lines: Iterator[str]) -> None:
        self._lines = lines
        self.last = ""

    def __iter__(self) -> Iterator[str]:
        for text in self._lines:
            self.last = text
            yield text


def _read_records(lines: Iterator[str], delimiter: str, cfg: CsvConfig, today: date) -> Collector:
    tracked = _LastLine(lines)
    reader = csv.reader(tracked, delimiter=delimiter, strict=True)
    collector = Collector(
        cfg.external_id, cfg.email, cfg.max_bad_rows_percent, cfg.stage_before_start
    )
    columns: Columns | None = None
    line = 1
    short_record: tuple[int, int] | None = None
    while True:
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise SourceError(_csv_error_message(line, exc)) from None
        record_line = line
        line = reader.line_num + 1
        if _blank(record):
            continue
        if columns is None:
            columns = Columns(cfg, clean_header(record))
            continue
        short_record = (record_line, len(record)) if len(record) < columns.width else None
        if len(record) == columns.width and not columns.in_scope(record):
            continue
        try:
            collector.add(columns.parse(record, record_line, today))
        except BadRow as bad:
            collector.add_bad(record_line, bad)
    if columns is None:
        raise SourceError(f"CSV file {cfg.path} has no header row")
    if short_record is not None and not tracked.last.endswith(("\n", "\r")):
        at, count = short_record
        raise SourceError(
            f"line {at}: the last row has {count} of {columns.width} fields and no line break: "
            "the export looks cut off"
        )
    return collector


def _csv_error_message(line: int, exc: csv.Error) -> str:
    text = str(exc)
    if "unexpected end of data" in text:
        return f"line {line}: a quoted field opened here is never closed (the export looks cut off)"
    if "field larger than field limit" in text:
        return (
            f"line {line}: a field here runs past {csv.field_size_limit()} characters "
            "(a quote left open?); the export looks broken"
        )
    return f"line {line}: malformed CSV ({text}); the export looks broken"
