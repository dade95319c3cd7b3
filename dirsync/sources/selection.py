"""Which source groups are synced: glob patterns on group names (sync.groups_include/exclude)."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase


def group_selected(name: str, include: Iterable[str], exclude: Iterable[str]) -> bool:
    """True when *name* matches an include pattern and no exclude pattern (case-insensitive)."""
    folded = name.casefold()
    if not any(fnmatchcase(folded, pattern.casefold()) for pattern in include):
        return False
    return not any(fnmatchcase(folded, pattern.casefold()) for pattern in exclude)
