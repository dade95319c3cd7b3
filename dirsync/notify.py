"""Alerts after a sync: one webhook POST with a short summary, never a secret in it.

Shapes: "text" (``{"text": ...}``, which Slack and Mattermost incoming webhooks accept),
"teams" (a MessageCard for a Teams incoming webhook), "json" (the fields, for anything
else). A notification that cannot be delivered is logged; it never changes the exit code.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from dirsync.config import ConfigError, NotifyConfig
from dirsync.config_sources import read_secret
from dirsync.sync.report import RunReport

log = logging.getLogger(__name__)
CREDENTIAL = "webhook_url"
MAX_FAILURES = 5
_MEANINGS = {
    0: "done",
    1: "error: nothing unsafe was done",
    3: "withheld by the safety limits",
    4: "some actions failed",
    130: "stopped (SIGINT)",
    143: "stopped (SIGTERM)",
}


def webhook_url(config: NotifyConfig, env: Mapping[str, str] | None = None) -> str | None:
    """The configured URL (value, file or systemd credential), or None when there is none."""
    env = os.environ if env is None else env
    credentials = env.get("CREDENTIALS_DIRECTORY")
    has_credential = bool(credentials) and (Path(credentials or "") / CREDENTIAL).exists()
    if config.webhook_url is None and config.webhook_url_file is None and not has_credential:
        return None
    secret = read_secret(CREDENTIAL, config.webhook_url, config.webhook_url_file, env)
    return secret.get_secret_value()


def masked(url: str) -> str:
    """The URL with only its scheme and host: the path and query carry the token."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or '?'}/***"


def summary(report: RunReport, host: str) -> tuple[str, list[str]]:
    """A title and a few lines: outcome, counts, why something was withheld, first failures."""
    meaning = _MEANINGS.get(report.exit_code, "unexpected exit code")
    title = f"dirsync {report.command} on {host}: exit {report.exit_code} ({meaning})"
    lines: list[str] = []
    if report.error:
        lines.append(f"Error: {report.error}")
    if report.plan is not None:
        ok = sum(1 for o in report.outcomes if o.ok)
        lines.append(
            f"Planned {len(report.plan.actions)}, applied {ok}, failed {len(report.failed())}, "
            f"withheld {len(report.plan.withheld())}."
        )
        if report.plan.withheld():
            lines.append(f"Withheld: {report.plan.withheld_reason}.")
    if report.stopped:
        lines.append(f"Stopped by {report.stopped}; {report.not_started()} actions not started.")
    failures = report.failed()
    for outcome in failures[:MAX_FAILURES]:
        lines.append(f"Failed {outcome.action.kind} {outcome.action.target()}: {outcome.error}")
    if len(failures) > MAX_FAILURES:
        lines.append(f"... and {len(failures) - MAX_FAILURES} more failures (see the report).")
    return title, lines


def payload(report: RunReport, shape: str, host: str) -> dict[str, Any]:
    title, lines = summary(report, host)
    if shape == "teams":
        return {
            "@type": "MessageCard",
            "@context": "https://schema.org/extensions",
            "summary": title,
            "themeColor": "2EB67D" if report.exit_code == 0 else "D40E0D",
            "title": title,
            "text": "<br>".join(lines) or "Nothing to report.",
        }
    if shape == "json":
        return {
            "source": "dirsync",
            "command": report.command,
            "host": host,
            "exit_code": report.exit_code,
            "outcome": _MEANINGS.get(report.exit_code, "unexpected exit code"),
            "error": report.error,
            "stopped": report.stopped,
            "counts": report.counts(),
            "withheld_reason": report.plan.withheld_reason if report.plan else None,
            "failures": [
                {"kind": o.action.kind, "target": o.action.target(), "error": o.error}
                for o in report.failed()[:MAX_FAILURES]
            ],
            "summary": [title, *lines],
        }
    return {"text": "\n".join([title, *lines])}


def notify(config: NotifyConfig, report: RunReport, env: Mapping[str, str] | None = None) -> None:
    """Send the summary when the configuration asks for it; log, never raise, on failure."""
    if config.on == "problems" and report.exit_code == 0:
        return
    try:
        url = webhook_url(config, env)
    except ConfigError as exc:
        log.warning("notification not sent: %s", exc)
        return
    if url is None:
        return
    body = payload(report, config.format, socket.gethostname())
    try:
        answer = httpx.post(url, json=body, timeout=config.timeout_seconds)
    except httpx.HTTPError as exc:
        log.warning("notification to %s failed: %s", masked(url), type(exc).__name__)
        return
    if answer.status_code >= 300:
        log.warning("notification to %s answered %d", masked(url), answer.status_code)
