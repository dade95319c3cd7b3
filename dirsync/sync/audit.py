"""The audit trail: one JSON line per applied action, appended to a file in the state directory.

Each line says when, which run, what (the action kind), to whom (a member's email or a
group's name, its external id and Bitwarden id), the result, and the details that explain
the change (old and new type, group members added and removed, the reason for a removal).
Withheld actions and dry runs apply nothing and so are not in the trail.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from types import TracebackType
from typing import Any, assert_never

from dirsync.config import Settings
from dirsync.logs import redact
from dirsync.sync.actions import (
    Action,
    Adopt,
    CreateGroup,
    Delete,
    DeleteGroup,
    Invite,
    ReAddress,
    Reinvite,
    Restore,
    Revoke,
    SetGroupMembers,
    SetMemberGroups,
    TakeOverGroup,
    TakeOverMember,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.apply import Outcome

AUDIT_FILE_NAME = "audit.jsonl"
_DETAILS = (
    "old_email",
    "old_external_id",
    "type",
    "old_type",
    "reason",
    "old_name",
    "added",
    "removed",
    "via_import",
)


def audit_path(settings: Settings) -> Path:
    """``report.audit_file``, else ``audit.jsonl`` in ``sync.state_dir``."""
    return settings.report.audit_file or settings.sync.state_dir / AUDIT_FILE_NAME


def _plain(value: object) -> Any:
    if isinstance(value, Enum):
        return value.name.lower()
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def audit_entry(outcome: Outcome, when: datetime, run_id: str) -> dict[str, Any]:
    """The audit record of one applied action."""
    action = outcome.action
    entry: dict[str, Any] = {
        "time": when.astimezone(UTC).isoformat(timespec="milliseconds"),
        "run": run_id,
        "action": action.kind,
    }
    kind, name, target_id, external_id = _subject(action)
    entry[kind] = name
    entry["id"] = target_id or outcome.created_id
    entry["external_id"] = external_id
    entry["result"] = "ok" if outcome.ok else "failed"
    if outcome.error:
        entry["error"] = outcome.error
    for name in _DETAILS:
        if hasattr(action, name):
            entry[name] = _plain(getattr(action, name))
    return entry


def _subject(action: Action) -> tuple[str, str, str | None, str]:
    """("member" or "group", its email or name, its Bitwarden id if known, its external id)."""
    match action:
        case Invite():
            return "member", action.email, None, action.external_id
        case (
            Adopt()
            | UpdateMember()
            | Restore()
            | Reinvite()
            | Revoke()
            | Delete()
            | SetMemberGroups()
            | TakeOverMember()
            | ReAddress()
        ):
            return "member", action.email, action.member_id, action.external_id
        case CreateGroup():
            return "group", action.name, None, action.external_id
        case UpdateGroup() | DeleteGroup() | TakeOverGroup():
            return "group", action.name, action.group_id, action.external_id
        case SetGroupMembers():
            return "group", action.name, action.group_id, action.group_external_id
        case _:
            assert_never(action)


class AuditTrail:
    """Appends records to the trail as outcomes arrive; safe to call from worker threads.

    The file is opened for appending only (created 0600), each record is one write of one
    line, and the file is flushed to disk when the trail closes.
    """

    def __init__(
        self, path: Path, run_id: str, clock: Callable[[], datetime] | None = None
    ) -> None:
        self.path = path
        self.run_id = run_id
        self._clock = clock or (lambda: datetime.now(UTC))
        self._lock = threading.Lock()
        self._fd: int | None = None
        self.written = 0

    def __enter__(self) -> AuditTrail:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o600)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        with self._lock:
            fd, self._fd = self._fd, None
        if fd is not None:
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def record(self, outcome: Outcome) -> None:
        """Append the record of *outcome*."""
        entry = audit_entry(outcome, self._clock(), self.run_id)
        line = json.dumps(_redacted(entry), ensure_ascii=False, default=str) + "\n"
        with self._lock:
            if self._fd is None:
                raise ValueError(f"audit trail {self.path} is not open")
            data = memoryview(line.encode("utf-8"))
            while data:
                data = data[os.write(self._fd, data) :]
            self.written += 1


def _redacted(value: Any) -> Any:
    """*value* with secrets masked inside its strings, so the JSON stays well-formed."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: _redacted(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_redacted(item) for item in value]
    return value
