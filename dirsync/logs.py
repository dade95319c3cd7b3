"""Logging: readable lines on a terminal, one JSON object per line otherwise, secrets masked.

Every secret dirsync reads is registered with :func:`register_secret`; the handler that
:func:`setup_logging` installs masks those values in every record it emits, whichever
logger (dirsync's or a library's) produced it. This is defence in depth: secrets are
``SecretStr`` and are not meant to reach a log call in the first place.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import sys
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal, TextIO
from urllib.parse import quote, quote_plus

LogFormat = Literal["auto", "text", "json"]
MASK = "***"
MIN_SECRET_LENGTH = 6
"""Shorter values are not masked: replacing every "s" or "pw" would garble all output
(JSON included) while hiding nothing an attacker could not guess."""

_RECORD_ATTRIBUTES = frozenset(
    logging.LogRecord("", logging.INFO, "", 0, "", None, None).__dict__
) | {"message", "asctime", "taskName"}
_LIBRARY_LOGGERS = ("httpx", "httpcore", "ldap3", "uvicorn", "asyncio")

_lock = threading.Lock()
_secrets: set[str] = set()
_pattern: re.Pattern[str] | None = None
_handler: logging.Handler | None = None


def register_secret(value: str | None) -> None:
    """Mask *value* (and its URL- and JSON-escaped spellings) in every log record from now on."""
    global _pattern
    if not value or len(value) < MIN_SECRET_LENGTH:
        return
    spellings = {value, quote(value, safe=""), quote_plus(value), json.dumps(value)[1:-1]}
    with _lock:
        _secrets.update(spellings)
        ordered = sorted(_secrets, key=len, reverse=True)
        _pattern = re.compile("|".join(re.escape(s) for s in ordered))


def redact(text: str) -> str:
    """*text* with every registered secret replaced by ``***``."""
    pattern = _pattern
    if pattern is None:
        return text
    return pattern.sub(MASK, text)


def _redact_value(value: object) -> object:
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value))


class RedactingFilter(logging.Filter):
    """Masks registered secrets in the message, the arguments, extras and tracebacks."""

    def filter(self, record: logging.LogRecord) -> bool:
        if _pattern is None:
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            message = f"{record.msg} {record.args!r}"
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for key in extra_keys(record):
            setattr(record, key, _redact_value(record.__dict__[key]))
        return True


def extra_keys(record: logging.LogRecord) -> list[str]:
    """The names of the ``extra=`` fields a log call attached to *record*."""
    return [key for key in record.__dict__ if key not in _RECORD_ATTRIBUTES]


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, the extras, and exc if any.

    With *syslog_prefix*, each line starts with ``<N>``, its syslog priority: journald
    strips it and files the line under that priority (``journalctl -p warning`` works).
    """

    def __init__(self, syslog_prefix: bool = False) -> None:
        super().__init__()
        self.syslog_prefix = syslog_prefix

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key in extra_keys(record):
            entry.setdefault(key, record.__dict__[key])
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        if record.stack_info:
            entry["stack"] = record.stack_info
        line = json.dumps(entry, default=str, ensure_ascii=False)
        return f"<{syslog_priority(record.levelno)}>{line}" if self.syslog_prefix else line


def syslog_priority(level: int) -> int:
    """The syslog priority of a logging level: error 3, warning 4, info 6, debug 7."""
    if level >= logging.CRITICAL:
        return 2
    if level >= logging.ERROR:
        return 3
    if level >= logging.WARNING:
        return 4
    if level >= logging.INFO:
        return 6
    return 7


def writes_to_journal(stream: TextIO, env: Mapping[str, str] | None = None) -> bool:
    """True when *stream* is the journald stream systemd names in $JOURNAL_STREAM."""
    expected = (os.environ if env is None else env).get("JOURNAL_STREAM", "")
    try:
        info = os.fstat(stream.fileno())
    except (OSError, ValueError, io.UnsupportedOperation):
        return False
    return expected == f"{info.st_dev}:{info.st_ino}"


class TextFormatter(logging.Formatter):
    """``HH:MM:SS level   logger: message key=value ...`` for people at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        extras = " ".join(f"{key}={record.__dict__[key]}" for key in extra_keys(record))
        return f"{line} {extras}" if extras else line


def level_for(verbosity: int) -> int:
    """0: info; each -v one step more detail (down to debug), each -q one step less."""
    return min(max(logging.INFO - 10 * verbosity, logging.DEBUG), logging.CRITICAL)


def shows(level: int) -> bool:
    """Whether the -v/-q setting lets messages of *level* through (for output not logged)."""
    return logging.getLogger("dirsync").isEnabledFor(level)


def setup_logging(fmt: LogFormat, verbosity: int, stream: TextIO | None = None) -> logging.Handler:
    """Send log records to *stream* (standard error) in *fmt*; replaces an earlier setup.

    "auto" is text on a terminal and JSON lines otherwise (a pipe, a file, journald; on
    journald's stream each line carries its priority).
    *verbosity* is the count of -v minus the count of -q. Libraries (httpx, ldap3, ...) log
    warnings only, unless -vv asks for everything.
    """
    global _handler
    out = sys.stderr if stream is None else stream
    use_json = fmt == "json" or (fmt == "auto" and not out.isatty())
    handler = logging.StreamHandler(out)
    formatter = JsonFormatter(writes_to_journal(out)) if use_json else TextFormatter()
    handler.setFormatter(formatter)
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    with _lock:
        if _handler is not None:
            root.removeHandler(_handler)
        root.addHandler(handler)
        _handler = handler
    level = level_for(verbosity)
    root.setLevel(level)
    library_level = level if verbosity >= 2 else max(level, logging.WARNING)
    for name in _LIBRARY_LOGGERS:
        logging.getLogger(name).setLevel(library_level)
    logging.captureWarnings(True)
    return handler
