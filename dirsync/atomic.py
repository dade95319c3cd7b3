"""Replace a file atomically: temp file, fsync, rename, fsync of the directory."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO


@contextlib.contextmanager
def replacing(path: Path, permissions: int = 0o600) -> Iterator[TextIO]:
    """A UTF-8 text file to write *path*'s new content into, piece by piece; it replaces
    *path* when the block ends. After an error or a crash *path* holds its old content,
    never a part. Raises OSError (the directory must exist)."""
    directory = path.parent
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=f".{path.stem}-", suffix=".tmp")
    try:
        os.fchmod(fd, permissions)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    dir_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_atomically(path: Path, body: bytes) -> None:
    """*path* (its directory made if need be) holds *body*, owner-only; raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with replacing(path) as handle:
        handle.buffer.write(body)
