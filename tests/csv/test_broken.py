"""A broken export never looks like "everyone left": SourceError, and no snapshot at all."""

from __future__ import annotations

from pathlib import Path

import pytest

from dirsync.config import ConfigError
from dirsync.sources.csv import read_csv
from dirsync.sources.errors import SourceError
from tests.csv.exports import (
    HEADER,
    TODAY,
    csv_settings,
    people,
    read_bytes,
    read_text,
    render,
    row,
)


@pytest.mark.parametrize(
    ("column", "key"),
    [
        ("Employee ID", "csv.external_id"),
        ("Work Email", "csv.email"),
        ("Last Name", "csv.name"),
        ("Status", "csv.status"),
        ("Hire Date", "csv.start_date"),
        ("Termination Date", "csv.end_date"),
        ("Teams", "csv.groups[1].column"),
    ],
)
def test_missing_column_is_named_with_the_headers_found(
    tmp_path: Path, column: str, key: str
) -> None:
    text = render(people(3)).replace(column, "Renamed", 1)
    with pytest.raises(SourceError) as caught:
        read_text(tmp_path, text)
    message = str(caught.value)
    assert f"required column {column!r} ({key}) is missing" in message
    found = ", ".join(repr(h if h != column else "Renamed") for h in HEADER)
    assert message.endswith(f"headers found: {found}")


def test_a_column_twice_in_the_header_is_ambiguous(tmp_path: Path) -> None:
    text = render(people(3)).replace("Department", "Work Email", 1)
    with pytest.raises(SourceError, match=r"column 'Work Email' \(csv.email\) appears 2 times"):
        read_text(tmp_path, text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("\n\r\n  \n", "is empty"),
        (",".join(HEADER) + "\n", "header but no data rows"),
        (",".join(HEADER) + "\r\n\r\n,,,,,,,,\r\n", "header but no data rows"),
        (",,,\n", "has no header row"),
    ],
    ids=["zero-bytes", "blank-lines", "header-only", "header-and-blanks", "blank-header"],
)
def test_no_data_rows(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        read_text(tmp_path, text)


def bad_emails(count: int) -> list[list[str]]:
    return [row(f"B{n}", "not-an-email") for n in range(count)]


def test_bad_rows_up_to_the_limit_pass(tmp_path: Path) -> None:
    snapshot = read_text(tmp_path, render([*people(38), *bad_emails(2)]))
    assert len(snapshot.users) == 38
    assert len(snapshot.warnings) == 2


def test_more_bad_rows_than_the_limit_refuse_the_whole_export(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as caught:
        read_text(tmp_path, render([*people(37), *bad_emails(3)]))
    assert str(caught.value) == (
        "3 of 40 data rows (7.5%) are bad, more than csv.max_bad_rows_percent = 5; "
        "first: line 39, column 'Work Email': invalid email 'not-an-email'"
    )


def test_a_zero_limit_refuses_any_bad_row(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"1 of 11 data rows"):
        read_text(tmp_path, render([*people(10), *bad_emails(1)]), max_bad_rows_percent=0)


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    data = render(people(5)).encode("utf-8").replace(b"person4@", b"p\xe9rson4@")
    with pytest.raises(SourceError) as caught:
        read_bytes(tmp_path, data)
    assert str(caught.value).startswith("line 5: bytes that are not valid utf-8-sig")
    assert "csv.encoding" in str(caught.value)


def test_a_file_cut_inside_a_quoted_field_names_the_line(tmp_path: Path) -> None:
    text = render([*people(5), row("E9", "z@example.com", last="O'Hara, PhD")])
    cut = text[: text.index("O'Hara") + 3]
    with pytest.raises(SourceError, match=r"^line 7: a quoted field opened here is never closed"):
        read_text(tmp_path, cut)


def test_a_quote_left_open_mid_file_is_not_mistaken_for_fewer_people(tmp_path: Path) -> None:
    lines = render(people(2000)).splitlines(keepends=True)
    lines[10] = lines[10].replace("Engineering", '"Engineering')
    with pytest.raises(SourceError, match=r"^line 11: a field here runs past"):
        read_text(tmp_path, "".join(lines))


def test_malformed_quoting_is_a_broken_export(tmp_path: Path) -> None:
    text = render(people(5)).replace("Engineering", '"Engineering"s', 1)
    with pytest.raises(SourceError, match=r"^line 2: malformed CSV"):
        read_text(tmp_path, text)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot read CSV file .*nope.csv: No such file"):
        read_csv(csv_settings(tmp_path / "nope.csv"), TODAY)


def test_a_directory_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"cannot read CSV file"):
        read_csv(csv_settings(tmp_path), TODAY)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"encoding": "klingon"}, "csv.encoding: unknown encoding 'klingon'"),
        ({"name": "{First Name"}, "csv.name: unmatched '{'"),
        ({"name": "{} x"}, "csv.name: empty field"),
        (
            {"groups": [{"column": "Department", "template": "{Department}"}]},
            "csv.groups\\[0\\].template: only \\{value\\} is allowed, not \\{Department\\}",
        ),
    ],
)
def test_configuration_mistakes(tmp_path: Path, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        read_bytes(tmp_path, render(people(3)).encode(), **overrides)


def test_a_giant_first_line_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"^line 1: a field here runs past"):
        read_text(tmp_path, "x" * 200_000 + "\n")


def test_a_file_cut_mid_row_is_refused(tmp_path: Path) -> None:
    text = render(people(6))
    cut = text[: text.rindex(",", 0, len(text) - 40)]
    line = cut.count("\n") + 1
    with pytest.raises(SourceError, match=rf"^line {line}: the last row has \d+ of \d+ fields"):
        read_text(tmp_path, cut)


def test_a_short_last_row_with_its_line_break_is_only_a_bad_row(tmp_path: Path) -> None:
    rows = render(people(40)).splitlines(keepends=True)
    rows[-1] = ",".join(rows[-1].split(",")[:3]) + "\n"
    snapshot = read_text(tmp_path, "".join(rows))
    assert len(snapshot.users) == 39
    assert any("fields, the header has" in w.message for w in snapshot.warnings)
