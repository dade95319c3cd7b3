"""The API contract the code cites ("contract §N") is docs/bitwarden-public-api.md, in the
repository: every section cited exists there, and the emulator points at it."""

from __future__ import annotations

import re
from pathlib import Path

import dirsync.emulator

ROOT = Path(__file__).resolve().parents[2]
CONTRACT = ROOT / "docs" / "bitwarden-public-api.md"


def _sections() -> set[int]:
    text = CONTRACT.read_text(encoding="utf-8")
    return {int(number) for number in re.findall(r"^## (\d+)\. ", text, flags=re.MULTILINE)}


def _cited() -> dict[int, list[str]]:
    """Section number -> the files citing it, from every "contract §N" and the "§N" that
    follow it on the same line."""
    cited: dict[int, list[str]] = {}
    for path in [*ROOT.glob("dirsync/**/*.py"), *ROOT.glob("tests/**/*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            start = line.find("contract §")
            if start < 0:
                continue
            for match in re.finditer(r"§(\d+)", line[start:]):
                cited.setdefault(int(match.group(1)), []).append(str(path.relative_to(ROOT)))
    return cited


def test_the_contract_has_sections_0_to_7() -> None:
    assert _sections() == set(range(8))


def test_every_cited_section_exists() -> None:
    cited = _cited()
    assert len(cited) >= 5, "the citations were not found"
    missing = {number: files for number, files in cited.items() if number not in _sections()}
    assert missing == {}


def test_the_emulator_names_the_document_in_the_repository() -> None:
    assert "docs/bitwarden-public-api.md" in (dirsync.emulator.__doc__ or "")
    assert "/work/" not in (dirsync.emulator.__doc__ or "")
