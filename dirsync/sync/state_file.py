"""The state file on disk: load, save atomically, and the run lock beside it.

Written atomically (temp file, fsync, rename, fsync of the directory). A corrupt file
is an error, never silently reset: losing it would turn dirsync's revocations into
"revoked by a person" and stop automatic restores and grace-period deletes.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator
from pathlib import Path

from dirsync.atomic import write_atomically
from dirsync.sync.errors import LockBusyError, StateError
from dirsync.sync.state import State

STATE_FILE = "state.json"
LOCK_FILE = "dirsync.lock"


def load_state(state_dir: Path) -> State:
    """The saved state, or an empty one when no run has saved any yet."""
    path = state_dir / STATE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return State()
    except OSError as exc:
        raise StateError(f"cannot read state file {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise StateError(
            f"state file {path} is corrupt (not JSON: {exc}); "
            "fix or restore it from a backup (it is never reset automatically)"
        ) from None
    return State.from_json(data, path)


def save_state(state_dir: Path, state: State) -> None:
    """Replace the state file atomically."""
    path = state_dir / STATE_FILE
    body = json.dumps(state.to_json(), indent=1).encode()
    try:
        write_atomically(path, body)
    except OSError as exc:
        raise StateError(f"cannot write state file {path}: {exc.strerror}") from None


@contextlib.contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """Hold an exclusive flock on the state directory's lock file; never wait for it."""
    path = state_dir / LOCK_FILE
    try:
        state_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StateError(f"cannot open lock file {path}: {exc.strerror}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            raise LockBusyError(
                f"another dirsync run (pid {holder}) holds {path}; try again when it ends"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
