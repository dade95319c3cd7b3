"""Giving memory freed by a large transient allocation back to the system."""

from __future__ import annotations

import ctypes
from collections.abc import Callable


def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's ``malloc_trim``, or None where the C library has none (musl, macOS)."""
    try:
        return ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):
        return None


_TRIM = _malloc_trim()


def release_freed_memory() -> bool:
    """Return the C allocator's free pages to the system; False where that cannot be done.

    Parsing a large JSON body (pydantic-core builds the whole document's tree before
    validating it, about 2.5x the body) leaves tens of MB free inside malloc's heaps, most
    often in the reading thread's own arena, where the main thread cannot reuse them.
    glibc gives back only the free space at a heap's top by itself; ``malloc_trim`` also
    releases the free pages in the middle. Measured on a 100,000-member organization:
    peak RSS of a no-op run 377-447 MB without, 367 MB with.
    """
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
