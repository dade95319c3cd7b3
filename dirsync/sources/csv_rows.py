"""One HR CSV record -> one user: the column mapping, templates and effective dating."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dirsync.config import ConfigError, CsvConfig
from dirsync.sources.emails import normalize_email, valid_email
from dirsync.sources.errors import SourceError

_TEMPLATE_TOKEN = re.compile(r"\{\{|\}\}|\{([^{}]*)\}|[{}]")
GROUP_VALUE_FIELD = "value"


@dataclass(frozen=True, slots=True)
class Template:
    """A ``"{First Name} {Last Name}"`` template; fields are column names, ``{{`` is a brace."""

    parts: tuple[tuple[bool, str], ...]
    """(is_field, text) pairs in order."""

    @classmethod
    def compile(cls, text: str, key: str) -> Template:
        parts: list[tuple[bool, str]] = []
        position = 0
        for match in _TEMPLATE_TOKEN.finditer(text):
            if match.start() > position:
                parts.append((False, text[position : match.start()]))
            token = match.group(0)
            if token in ("{{", "}}"):
                parts.append((False, token[0]))
            elif match.group(1) is None:
                raise ConfigError(f"{key}: unmatched {token!r} in template {text!r}")
            elif not match.group(1).strip():
                raise ConfigError(f"{key}: empty field '{{}}' in template {text!r}")
            else:
                parts.append((True, match.group(1).strip()))
            position = match.end()
        if position < len(text):
            parts.append((False, text[position:]))
        return cls(tuple(parts))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(text for is_field, text in self.parts if is_field)

    def render(self, values: Mapping[str, str]) -> str:
        return "".join(values[text] if is_field else text for is_field, text in self.parts)


class BadRow(Exception):
    """A data row that cannot be used; the rest of the file goes on.

    ``external_id`` and ``groups`` are what could still be read from it, so that neither
    the person nor their groups look gone.
    """

    def __init__(self, column: str | None, reason: str, external_id: str | None = None) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason
        self.external_id = external_id
        self.groups: tuple[tuple[GroupColumn, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Row:
    """What the snapshot needs from one good data row (nothing else is kept)."""

    line: int
    external_id: str
    email: str
    name: str | None
    enabled: bool
    scheduled: bool
    groups: tuple[tuple[GroupColumn, str], ...]


@lru_cache(maxsize=8192)
def parse_date(text: str, date_format: str) -> date:
    """strptime, remembered: an export repeats the same few thousand dates."""
    return datetime.strptime(text, date_format).date()


@dataclass(frozen=True, slots=True)
class Dating:
    """How the dates of a row are read against the clock (csv.end_date_is, lead time)."""

    end_is_last_day: bool = False
    lead_days: int = 0


def effective_state(
    status_active: bool,
    start: date | None,
    end: date | None,
    today: date,
    dating: Dating = Dating(),
) -> tuple[bool, bool]:
    """(enabled, scheduled) for one person on *today*, a day in the row's time zone.

    A termination date that is the last day worked ends access the day after; one that is
    the first day gone ends it that day. A start date after the termination date is a
    rehire: that termination no longer counts. Until *lead_days* before the start date the
    person is scheduled: not enabled yet.
    """
    rehired = start is not None and end is not None and start > end
    gone = end is not None and (end < today if dating.end_is_last_day else end <= today)
    terminated = gone and not rehired
    scheduled = start is not None and start - timedelta(days=dating.lead_days) > today
    return status_active and not terminated and not scheduled, scheduled


@dataclass(frozen=True, slots=True)
class GroupColumn:
    column: str
    index: int
    separator: str
    template: Template

    def external_id(self, value: str) -> str:
        """Stable: derived from the column and the value, never from row order."""
        return f"csv:{self.column}:{value}"

    def values(self, cell: str) -> list[str]:
        pieces = cell.split(self.separator) if self.separator else [cell]
        return [" ".join(piece.split()) for piece in pieces if piece.strip()]


def _index(header: Sequence[str], column: str, key: str) -> int:
    positions = [i for i, name in enumerate(header) if name == column]
    found = ", ".join(repr(name) for name in header if name)
    if not positions:
        raise SourceError(f"required column {column!r} ({key}) is missing; headers found: {found}")
    if len(positions) > 1:
        raise SourceError(f"column {column!r} ({key}) appears {len(positions)} times in the header")
    return positions[0]


def clean_header(raw: Sequence[str]) -> list[str]:
    """Header names without surrounding whitespace or a stray byte-order mark."""
    return [name.replace("\ufeff", "").strip() for name in raw]


class Columns:
    """The configured columns resolved against one file's header."""

    def __init__(self, cfg: CsvConfig, header: Sequence[str]) -> None:
        self.width = len(header)
        self.header = list(header)
        self.name_template = Template.compile(cfg.name, "csv.name") if cfg.name else None
        self.id_column = cfg.external_id
        self.email_column = cfg.email
        self.external_id = _index(header, cfg.external_id, "csv.external_id")
        self.email = _index(header, cfg.email, "csv.email")
        name_fields = self.name_template.fields if self.name_template else ()
        self.name_fields = {field: _index(header, field, "csv.name") for field in name_fields}
        self.status = _index(header, cfg.status, "csv.status") if cfg.status else None
        self.active_values = {value.strip().casefold() for value in cfg.active_values}
        self.start = _index(header, cfg.start_date, "csv.start_date") if cfg.start_date else None
        self.end = _index(header, cfg.end_date, "csv.end_date") if cfg.end_date else None
        formats = cfg.date_format
        self.date_formats = (formats,) if isinstance(formats, str) else tuple(formats)
        self.no_date = {value.strip() for value in cfg.no_date_values}
        self.zone = ZoneInfo(cfg.timezone)
        self.zone_column = (
            _index(header, cfg.timezone_column, "csv.timezone_column")
            if cfg.timezone_column
            else None
        )
        self.dating = Dating(cfg.end_date_is == "last_day", cfg.invite_days_before_start)
        self.include = self._scope(cfg.scope.include, "csv.scope.include")
        self.exclude = self._scope(cfg.scope.exclude, "csv.scope.exclude")
        self.groups = [self._group(cfg, n) for n in range(len(cfg.groups))]

    def _scope(self, rules: Mapping[str, list[str]], key: str) -> list[tuple[int, set[str]]]:
        return [
            (_index(self.header, column, key), {v.strip().casefold() for v in values})
            for column, values in rules.items()
        ]

    def in_scope(self, record: Sequence[str]) -> bool:
        """csv.scope: every include rule matches (when there are any) and no exclude does."""
        included = all(record[i].strip().casefold() in values for i, values in self.include)
        excluded = any(record[i].strip().casefold() in values for i, values in self.exclude)
        return included and not excluded

    def _today(self, record: Sequence[str], when: date) -> date:
        """The day it is in the row's zone (a plain date is taken as that day already)."""
        if not isinstance(when, datetime):
            return when
        zone = self.zone
        if self.zone_column is not None and record[self.zone_column].strip():
            name = record[self.zone_column].strip()
            try:
                zone = ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                column = self.header[self.zone_column]
                raise BadRow(column, f"unknown time zone {name!r}") from None
        return when.astimezone(zone).date()

    def _group(self, cfg: CsvConfig, n: int) -> GroupColumn:
        spec = cfg.groups[n]
        key = f"csv.groups[{n}]"
        template = Template.compile(spec.template, f"{key}.template")
        unknown = [field for field in template.fields if field != GROUP_VALUE_FIELD]
        if unknown:
            raise ConfigError(f"{key}.template: only {{value}} is allowed, not {{{unknown[0]}}}")
        index = _index(self.header, spec.column, f"{key}.column")
        return GroupColumn(spec.column, index, spec.separator, template)

    def _date(self, record: Sequence[str], index: int | None) -> date | None:
        if index is None or not record[index].strip() or record[index].strip() in self.no_date:
            return None
        text = record[index].strip()
        for date_format in self.date_formats:
            try:
                return parse_date(text, date_format)
            except ValueError:
                continue
        expected = " or ".join(repr(f) for f in self.date_formats)
        raise BadRow(self.header[index], f"unparseable date {text!r} (expected {expected})")

    def parse(self, record: Sequence[str], line: int, today: date) -> Row:
        """The row with the group values it names, or BadRow."""
        guess = record[self.external_id].strip() if len(record) > self.external_id else ""
        if len(record) != self.width:
            reason = f"has {len(record)} fields, the header has {self.width}"
            raise BadRow(None, reason, guess or None)
        hits = tuple((g, value) for g in self.groups for value in g.values(record[g.index]))
        try:
            return self._parse(record, line, today, guess, hits)
        except BadRow as bad:
            bad.external_id = guess or None
            bad.groups = hits
            raise

    def _parse(
        self,
        record: Sequence[str],
        line: int,
        today: date,
        ext_id: str,
        hits: tuple[tuple[GroupColumn, str], ...],
    ) -> Row:
        if not ext_id:
            raise BadRow(self.id_column, "missing external id")
        email = normalize_email(record[self.email])
        if not email:
            raise BadRow(self.email_column, "missing email")
        if not valid_email(email):
            raise BadRow(self.email_column, f"invalid email {email!r}")
        start = self._date(record, self.start)
        end = self._date(record, self.end)
        status_active = (
            self.status is None or record[self.status].strip().casefold() in self.active_values
        )
        local_today = self._today(record, today)
        enabled, scheduled = effective_state(status_active, start, end, local_today, self.dating)
        name = None
        if self.name_template is not None:
            values = {field: record[i] for field, i in self.name_fields.items()}
            name = " ".join(self.name_template.render(values).split()) or None
        return Row(line, ext_id, email, name, enabled, scheduled, hits)
