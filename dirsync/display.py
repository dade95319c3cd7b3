"""Terminal column widths: wide (CJK) characters take two columns, combining marks none."""

from __future__ import annotations

import unicodedata


def display_width(text: str) -> int:
    """The number of terminal columns *text* takes."""
    width = 0
    for char in text:
        if unicodedata.combining(char) or unicodedata.category(char) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1
    return width


def pad(text: str, width: int) -> str:
    """*text* followed by spaces up to *width* columns."""
    return text + " " * max(0, width - display_width(text))
