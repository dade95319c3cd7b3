"""Property-based: over arbitrary bytes and rows the reader returns a snapshot or raises
SourceError with a message, never anything else; a snapshot it returns is consistent."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from dirsync.model import DirectorySnapshot
from dirsync.sources.emails import normalize_email, valid_email
from dirsync.sources.errors import SourceError
from tests.csv.exports import HEADER, read_bytes

PROPERTY = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REFUSALS = (
    "not valid",
    "is missing",
    "appears",
    "no data rows",
    "no header row",
    "is empty",
    "are bad",
    "never closed",
    "runs past",
    "malformed CSV",
)
HEADER_BYTES = (",".join(HEADER) + "\r\n").encode()


def read_or_refuse(tmp_path: Path, data: bytes, **overrides: object) -> DirectorySnapshot | None:
    overrides.setdefault("max_bad_rows_percent", 50)
    try:
        snapshot = read_bytes(tmp_path, data, **overrides)
    except SourceError as exc:
        message = str(exc)
    else:
        users, warnings = min(len(snapshot.users), 3), min(len(snapshot.warnings), 1)
        event(f"snapshot with {users}+ users, {warnings}+ warnings")
        assert_consistent(snapshot)
        return snapshot
    assert message.strip()
    event("refused: " + next((k for k in REFUSALS if k in message), "other"))
    return None


def assert_consistent(snapshot: DirectorySnapshot) -> None:
    ids = [user.external_id for user in snapshot.users]
    assert len(ids) == len(set(ids))
    assert all(ext_id and ext_id == ext_id.strip() for ext_id in ids)
    for user in snapshot.users:
        assert valid_email(user.email)
        assert user.email == normalize_email(user.email)
    live = [user.email for user in snapshot.users if user.enabled or user.scheduled]
    assert len(live) == len(set(live))
    for group in snapshot.groups:
        assert group.member_ids <= set(ids)
        assert group.external_id.startswith(("csv:Department:", "csv:Teams:"))
    for warning in snapshot.warnings:
        assert warning.where.startswith("line ")
        assert warning.message


@PROPERTY
@given(data=st.binary(max_size=3000))
def test_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    read_or_refuse(tmp_path, data)


@PROPERTY
@given(
    tail=st.binary(max_size=3000),
    encoding=st.sampled_from(["utf-8-sig", "cp1252", "utf-16", "latin-1"]),
)
def test_arbitrary_bytes_after_a_good_header(tmp_path: Path, tail: bytes, encoding: str) -> None:
    header = HEADER_BYTES.decode().encode(encoding)
    read_or_refuse(tmp_path, header + tail, encoding=encoding)


MESSY_TEXT = st.text(
    alphabet=st.sampled_from(list("aZ09 @.-_;,|\t\"'\r\n\ufeffé\x00{}")), max_size=12
)
EMAILS = st.one_of(
    st.sampled_from(["a@example.com", " A@Example.COM ", "b@example.com", "", "bad", "c@x"]),
    MESSY_TEXT,
)
DATES = st.one_of(
    st.sampled_from(["", "2020-01-06", "2099-12-31", "2026-03-15", "13/01/2020"]), MESSY_TEXT
)
CELLS = st.tuples(
    st.one_of(st.sampled_from(["E1", "E2", "E3", "E4", "E5", " E1 ", ""]), MESSY_TEXT),
    MESSY_TEXT,
    MESSY_TEXT,
    EMAILS,
    st.one_of(st.sampled_from(["Engineering", "Sales", ""]), MESSY_TEXT),
    st.one_of(st.sampled_from(["Platform;On-call", "EMEA", ""]), MESSY_TEXT),
    st.sampled_from(["Active", "Terminated", "", "on leave"]),
    DATES,
    DATES,
).map(list)
WELL_FORMED = st.tuples(
    st.sampled_from([f"E{n}" for n in range(1, 10)]),
    st.just("Ann"),
    st.sampled_from(["Lee", "Lee, Jr.", 'Lee "Al"', "Lee\nII"]),
    st.sampled_from(["a@example.com", "b@example.com", "C@Example.com", "d@example.com "]),
    st.sampled_from(["Engineering", "Sales", ""]),
    st.sampled_from(["Platform;On-call", "EMEA", ""]),
    st.sampled_from(["Active", "Terminated", "on leave"]),
    st.sampled_from(["", "2020-01-06", "2099-12-31"]),
    st.sampled_from(["", "2019-01-01", "2025-12-31"]),
).map(list)
ROWS = st.lists(st.one_of(WELL_FORMED, CELLS, st.lists(MESSY_TEXT, max_size=11)), max_size=25)


@PROPERTY
@given(
    rows=ROWS,
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
    newline=st.sampled_from(["\n", "\r\n", "\r"]),
    quoting=st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]),
)
def test_arbitrary_rows(
    tmp_path: Path, rows: list[list[str]], delimiter: str, newline: str, quoting: int
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerows([HEADER, *rows])
    # No bad-row limit: every example reaches the duplicate and group logic.
    snapshot = read_or_refuse(tmp_path, out.getvalue().encode("utf-8"), max_bad_rows_percent=100)
    if snapshot is not None:
        assert len(snapshot.users) <= len(rows)
