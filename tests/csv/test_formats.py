"""Realistic export styles all read to the same people (issue 5: BOM, CRLF, delimiters...)."""

from __future__ import annotations

import gc
import io
import sys
from pathlib import Path

import pytest

from dirsync.model import DirectorySnapshot
from dirsync.sources.csv import read_csv, sniff_delimiter
from dirsync.sources.errors import SourceError
from tests.csv.exports import (
    TODAY,
    by_id,
    csv_settings,
    members,
    read_bytes,
    read_text,
    render,
    row,
)

ROWS = [
    row("E1", "ann.lee@example.com", teams="Platform;On-call"),
    row("E2", "Bo.Chen@Example.COM", first="Bo", last="Chen, Jr.", dept="Sales, EMEA"),
    row("E3", "  cy.diaz@example.com ", first="Cy", last="Díaz", teams=" Data ; ;Platform "),
]


def assert_three_people(snapshot: DirectorySnapshot) -> None:
    users = by_id(snapshot)
    assert set(users) == {"E1", "E2", "E3"}
    assert users["E2"].email == "bo.chen@example.com"
    assert users["E2"].name == "Bo Chen, Jr."
    assert users["E3"].email == "cy.diaz@example.com"
    assert users["E3"].name == "Cy Díaz"
    assert members(snapshot) == {
        "csv:Department:Engineering": {"E1", "E3"},
        "csv:Department:Sales, EMEA": {"E2"},
        "csv:Teams:Platform": {"E1", "E3"},
        "csv:Teams:On-call": {"E1"},
        "csv:Teams:Data": {"E3"},
    }
    assert snapshot.warnings == ()
    assert snapshot.uncertain_ids == frozenset()


@pytest.mark.parametrize(
    ("delimiter", "newline", "encoding"),
    [
        (",", "\n", "utf-8"),
        (",", "\r\n", "utf-8-sig"),
        (";", "\r\n", "utf-8"),
        ("\t", "\n", "utf-8"),
        ("|", "\r", "utf-8"),
        (";", "\r\n", "cp1252"),
    ],
    ids=["comma-lf", "bom-crlf", "semicolon-crlf", "tab", "pipe-old-mac-cr", "cp1252"],
)
def test_styles_read_the_same_people(
    tmp_path: Path, delimiter: str, newline: str, encoding: str
) -> None:
    data = render(ROWS, delimiter=delimiter, newline=newline).encode(encoding)
    config_encoding = "cp1252" if encoding == "cp1252" else "utf-8-sig"
    assert_three_people(read_bytes(tmp_path, data, encoding=config_encoding))


def test_bom_is_stripped_even_with_plain_utf8_configured(tmp_path: Path) -> None:
    data = render(ROWS).encode("utf-8-sig")
    assert_three_people(read_bytes(tmp_path, data, encoding="utf-8"))


def test_configured_delimiter_wins_over_sniffing(tmp_path: Path) -> None:
    text = render(ROWS, delimiter=";")
    assert_three_people(read_text(tmp_path, text, delimiter=";"))


def test_embedded_newlines_and_quotes_in_cells(tmp_path: Path) -> None:
    text = render(
        [
            row("E1", "ann.lee@example.com", last='Lee\r\n"the second"'),
            row("E2", "bo@example.com", dept="R&D\nLab"),
        ],
        newline="\r\n",
    )
    snapshot = read_text(tmp_path, text)
    assert by_id(snapshot)["E1"].name == 'Ann Lee "the second"'
    assert "csv:Department:R&D Lab" in members(snapshot)


def test_line_numbers_count_physical_lines_after_embedded_newlines(tmp_path: Path) -> None:
    text = render([row("E1", "a@example.com", last="Two\nLines"), row("E2", "not-an-email")])
    snapshot = read_text(tmp_path, text, max_bad_rows_percent=50)
    assert [w.where for w in snapshot.warnings] == ["line 4, column 'Work Email'"]


def test_blank_lines_anywhere_are_ignored(tmp_path: Path) -> None:
    text = "\n\r\n" + render(ROWS).replace("\nE2", "\n\n  \n,,,,,,,,\nE2") + "\n\n\r\n   \n"
    assert_three_people(read_text(tmp_path, text))


def test_no_final_newline(tmp_path: Path) -> None:
    assert_three_people(read_text(tmp_path, render(ROWS).rstrip("\n")))


def test_header_names_are_trimmed(tmp_path: Path) -> None:
    text = render(ROWS).replace("Employee ID,", " Employee ID ,", 1)
    assert_three_people(read_text(tmp_path, text))


def test_utf16_excel_unicode_text(tmp_path: Path) -> None:
    data = render(ROWS, delimiter="\t", newline="\r\n").encode("utf-16")
    assert_three_people(read_bytes(tmp_path, data, encoding="utf-16"))


def test_cp1252_bytes_decode_to_the_right_characters(tmp_path: Path) -> None:
    data = render([row("E1", "zoe@example.com", first="Zoë", last="Faßbender")]).encode("cp1252")
    assert b"\xeb" in data
    assert by_id(read_bytes(tmp_path, data, encoding="cp1252"))["E1"].name == "Zoë Faßbender"


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(render(ROWS).encode("utf-8-sig")), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", stdin)
    assert_three_people(read_csv(csv_settings("-"), TODAY))


def test_long_lines_cross_read_chunks(tmp_path: Path) -> None:
    long_name = "x" * 100_000
    snapshot = read_text(tmp_path, render([row("E1", "a@example.com", last=long_name)]))
    assert by_id(snapshot)["E1"].name == "Ann " + long_name


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Employee ID,Work Email", ","),
        ("Employee ID;Work Email;Name, Full", ";"),
        ("Employee ID\tWork Email", "\t"),
        ("Employee ID|Work Email", "|"),
        ('"Id;x","Mail;y","Name"', ","),
        ("Employee ID", ","),
    ],
)
def test_sniff_delimiter(line: str, expected: str) -> None:
    assert sniff_delimiter(line) == expected


def test_garbage_collection_is_left_as_found(tmp_path: Path) -> None:
    assert gc.isenabled()
    read_text(tmp_path, render(ROWS))
    assert gc.isenabled()
    with pytest.raises(SourceError):
        read_text(tmp_path, "")
    assert gc.isenabled()
    gc.disable()
    try:
        read_text(tmp_path, render(ROWS))
        assert not gc.isenabled()
    finally:
        gc.enable()
