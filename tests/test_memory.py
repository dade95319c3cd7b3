"""Freed memory goes back to the system (issue 11: peak RSS of a 100,000-member run)."""

from __future__ import annotations

import threading

import pytest

from dirsync.memory import release_freed_memory


def _rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS in /proc/self/status")


def test_free_pages_inside_a_threads_heap_are_released() -> None:
    """180 MB of blocks below malloc's mmap threshold, freed in a thread but for the last
    one: glibc keeps them all resident by itself."""
    kept: list[bytearray] = []

    def allocate() -> None:
        blocks = [bytearray(60_000) for _ in range(3000)]
        kept.append(blocks[-1])

    worker = threading.Thread(target=allocate)
    worker.start()
    worker.join()
    before = _rss_mb()
    released = release_freed_memory()
    if not released:
        pytest.skip("this C library has no malloc_trim")
    assert before - _rss_mb() > 100, (before, _rss_mb())
    assert len(kept[0]) == 60_000
