"""Good and bad HR rows -> one snapshot: duplicates, groups and the bad-row limit."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from dirsync.model import DirectorySnapshot, SourceGroup, SourceUser, SourceWarning
from dirsync.sources.csv_rows import GROUP_VALUE_FIELD, BadRow, GroupColumn, Row
from dirsync.sources.errors import SourceError


@dataclass(frozen=True, slots=True)
class _Kept:
    line: int
    user: SourceUser
    group_ids: tuple[str, ...]

    @property
    def live(self) -> bool:
        """Working today or about to start: two such rows may not share an email."""
        return self.user.enabled or self.user.scheduled


def _where(line: int, column: str | None) -> str:
    return f"line {line}, column {column!r}" if column else f"line {line}"


class Collector:
    """Keeps only what the snapshot needs while the file streams past."""

    def __init__(
        self, id_column: str, email_column: str, max_bad_percent: float, stage: bool = False
    ) -> None:
        """*stage*: pre-hires are wanted as Staged members (csv.stage_before_start)."""
        self._stage = stage
        self._id_column = id_column
        self._email_column = email_column
        self._max_bad_percent = max_bad_percent
        self._kept: dict[str, _Kept] = {}
        self._lines_not_kept: dict[str, int] = {}
        """First line of each id seen only in bad or duplicate rows."""
        self._email_first: dict[str, str] = {}
        self._email_more: dict[str, list[str]] = {}
        """Emails that several good rows give: the ids after the first."""
        self._group_names: dict[str, str] = {}
        self._group_ids: dict[tuple[str, str], str] = {}
        self._warnings: list[tuple[int, SourceWarning]] = []
        self._uncertain: set[str] = set()
        self.data_rows = 0
        self.bad_rows = 0

    def _warn(self, line: int, column: str | None, message: str, ext_id: str | None) -> None:
        self._warnings.append(
            (line, SourceWarning(where=_where(line, column), message=message, external_id=ext_id))
        )
        if ext_id is not None:
            self._uncertain.add(ext_id)

    def _bad(self, line: int, column: str | None, message: str, ext_id: str | None) -> None:
        self.bad_rows += 1
        self._warn(line, column, message, ext_id)

    def _group_id(self, group: GroupColumn, value: str) -> str:
        key = (group.column, value)
        group_id = self._group_ids.get(key)
        if group_id is None:
            group_id = self._group_ids[key] = group.external_id(value)
            self._group_names[group_id] = group.template.render({GROUP_VALUE_FIELD: value})
        return group_id

    def _first_line(self, ext_id: str) -> int | None:
        kept = self._kept.get(ext_id)
        return kept.line if kept is not None else self._lines_not_kept.get(ext_id)

    def _claim(self, ext_id: str, line: int) -> bool:
        """True if *ext_id* is new; else False, and the row kept for it so far is voided."""
        if self._first_line(ext_id) is None:
            return True
        earlier = self._kept.pop(ext_id, None)
        if earlier is not None:
            self._lines_not_kept[ext_id] = earlier.line
            message = f"duplicate external id {ext_id!r} (again on line {line})"
            self._bad(earlier.line, self._id_column, message, ext_id)
        return False

    def add(self, row: Row) -> None:
        self.data_rows += 1
        group_ids = tuple(self._group_id(group, value) for group, value in row.groups)
        ext_id = row.external_id
        if not self._claim(ext_id, row.line):
            message = f"duplicate external id {ext_id!r} (first on line {self._first_line(ext_id)})"
            self._bad(row.line, self._id_column, message, ext_id)
            return
        user = SourceUser(
            external_id=ext_id,
            email=row.email,
            name=row.name,
            enabled=row.enabled,
            scheduled=row.scheduled,
            staged=row.scheduled and self._stage,
        )
        self._kept[ext_id] = _Kept(row.line, user, group_ids)
        if self._email_first.setdefault(user.email, ext_id) != ext_id:
            self._email_more.setdefault(user.email, []).append(ext_id)

    def add_bad(self, line: int, bad: BadRow) -> None:
        self.data_rows += 1
        for group, value in bad.groups:
            self._group_id(group, value)
        self._bad(line, bad.column, bad.reason, bad.external_id)
        if bad.external_id is not None and self._claim(bad.external_id, line):
            self._lines_not_kept[bad.external_id] = line

    def _drop_shared_emails(self) -> None:
        """Void rows whose email another kept row also gives; see the module doc of csv.py."""
        dropped: list[str] = []
        for email, later in self._email_more.items():
            ids = [self._email_first[email], *later]
            rows = [self._kept[ext_id] for ext_id in ids if ext_id in self._kept]
            live = [kept for kept in rows if kept.live]
            if len(rows) < 2 or not live:
                continue
            for kept in rows:
                others = ", ".join(str(o.line) for o in rows if o is not kept)
                if len(live) > 1 and kept.live:
                    message = f"email {email!r} is also on active line(s) {others}; not synced"
                    self._bad(kept.line, self._email_column, message, kept.user.external_id)
                elif not kept.live:
                    message = f"inactive row; its email {email!r} belongs to line(s) {others}"
                    self._warn(kept.line, self._email_column, message, kept.user.external_id)
                else:
                    continue
                dropped.append(kept.user.external_id)
        for ext_id in dropped:
            del self._kept[ext_id]

    def _check_bad_share(self) -> None:
        if self.data_rows == 0:
            raise SourceError("the file has a header but no data rows")
        share = 100 * self.bad_rows / self.data_rows
        if share > self._max_bad_percent:
            first = min(self._warnings, key=lambda item: item[0])[1]
            raise SourceError(
                f"{self.bad_rows} of {self.data_rows} data rows ({share:.1f}%) are bad, more than "
                f"csv.max_bad_rows_percent = {self._max_bad_percent:g}; "
                f"first: {first.where}: {first.message}"
            )

    def snapshot(self, group_selected: Callable[[str], bool]) -> DirectorySnapshot:
        """The whole snapshot, or SourceError when the file cannot be trusted."""
        self._drop_shared_emails()
        self._check_bad_share()
        kept = self._kept.values()
        members: defaultdict[str, list[str]] = defaultdict(list)
        for row in kept:
            for group_id in row.group_ids:
                members[group_id].append(row.user.external_id)
        groups = tuple(
            SourceGroup(external_id=group_id, name=name, member_ids=frozenset(members[group_id]))
            for group_id, name in sorted(self._group_names.items())
            if group_selected(name)
        )
        self._warnings.sort(key=lambda item: item[0])
        return DirectorySnapshot(
            source="csv",
            users=tuple(row.user for row in kept),
            groups=groups,
            warnings=tuple(warning for _, warning in self._warnings),
            uncertain_ids=frozenset(self._uncertain),
        )
