"""Run the real `dirsync` CLI against a served emulator and a real source.

The CLI runs in-process through click's CliRunner (same code path as the console script;
one test also runs it as a subprocess). The configuration is a real TOML file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from dirsync.cli.main import main
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import DISABLED_FILTER, GROUPS_DN, PEOPLE_DN

OPEN_LIMITS = {"max_removals": 1000, "max_removal_percent": 100}


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {value!r} as TOML")


def toml(document: Mapping[str, Mapping[str, Any]]) -> str:
    """A small TOML writer: one table per section, nested values inline."""
    lines: list[str] = []
    for section, values in document.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_value(value)}" for key, value in values.items()]
        lines.append("")
    return "\n".join(lines)


def ldap_source(server: SlapdServer, **users: Any) -> dict[str, Any]:
    return {
        "source": {"type": "ldap"},
        "ldap": {
            "urls": [server.ldap_url],
            "start_tls": True,
            "ca_file": str(server.ca_file),
            "bind_dn": server.bind_dn,
            "bind_password": server.bind_password,
            "timeout_seconds": 5,
            "users": {"base": PEOPLE_DN, "disabled_filter": DISABLED_FILTER, **users},
            "groups": {"base": GROUPS_DN},
        },
    }


def csv_source(path: Path, **csv: Any) -> dict[str, Any]:
    return {"source": {"type": "csv"}, "csv": {"path": str(path), **csv}}


@dataclass
class Harness:
    emulator: ServedEmulator
    workdir: Path
    source: dict[str, Any]
    sync: dict[str, Any] = field(default_factory=lambda: dict(OPEN_LIMITS))
    report: dict[str, Any] = field(default_factory=dict)
    sections: dict[str, dict[str, Any]] = field(default_factory=dict)
    """More sections of the configuration, e.g. notify."""
    bitwarden: dict[str, Any] = field(default_factory=dict)
    """Options of [bitwarden] over the harness's (no throttle, 4 at once)."""

    @property
    def state_dir(self) -> Path:
        return self.workdir / "state"

    def config(self) -> Path:
        e = self.emulator
        document: dict[str, dict[str, Any]] = {
            "bitwarden": {
                "api_url": e.api_url,
                "identity_url": e.identity_url,
                "client_id": e.client_id,
                "client_secret": e.client_secret,
                "rate_limit": "off",
                "max_concurrency": 4,
                **self.bitwarden,
            },
            **self.source,
            "sync": {"state_dir": str(self.state_dir), **self.sync},
            "report": self.report,
            **self.sections,
        }
        path = self.workdir / "dirsync.toml"
        path.write_text(toml(document), encoding="utf-8")
        return path

    def run(self, *args: str, now: str | None = None) -> Result:
        env = {"DIRSYNC_NOW": now} if now else {}
        return CliRunner().invoke(main, ["--config", str(self.config()), *args], env=env)

    def sync_json(self, *args: str, now: str | None = None) -> tuple[int, dict[str, Any]]:
        result = self.run("sync", "--format", "json", *args, now=now)
        assert result.exit_code in (0, 3, 4), result.output
        return result.exit_code, json.loads(result.stdout)

    def members(self) -> dict[str, dict[str, Any]]:
        """Emulator members by lowercased email."""
        return {m["email"].lower(): m for m in self.emulator.state()["members"]}

    def groups(self) -> dict[str, dict[str, Any]]:
        return {g["name"]: g for g in self.emulator.state()["groups"]}

    def group_emails(self) -> dict[str, set[str]]:
        """Group name -> member emails."""
        state = self.emulator.state()
        email = {m["id"]: m["email"].lower() for m in state["members"]}
        return {g["name"]: {email[i] for i in g["memberIds"]} for g in state["groups"]}

    def writes(self) -> list[str]:
        """Write requests to the Public API since the log was last cleared."""
        return [
            f"{r['method']} {r['path']}"
            for r in self.emulator.requests()
            if r["method"] != "GET" and "/public/" in r["path"]
        ]


def kinds(report: dict[str, Any]) -> list[str]:
    return [a["kind"] for a in report["plan"]["actions"]]


def by_kind(report: dict[str, Any], kind: str) -> Sequence[dict[str, Any]]:
    return [a for a in report["plan"]["actions"] if a["kind"] == kind]
