"""What `dirsync demo` needs besides the sync itself: the example files, a seeded
organization, an emulator served over real HTTP in this process, and the settings that
point config/hr.toml's mapping at it. Nothing here prints.

Importing this module needs the ``emulator`` extra (starlette and uvicorn).
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn
from pydantic import SecretStr

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.models import MemberStatus
from dirsync.config import BitwardenConfig, ConfigError, Settings
from dirsync.config_sources import load_settings
from dirsync.emulator.app import create_app
from dirsync.emulator.runtime import EmulatorOptions
from dirsync.emulator.server import Endpoints, endpoints

START_TIMEOUT_SECONDS = 15.0

OWNER_EMAIL = "owner@example.com"
ADOPTED_EMAIL = "felix.wagner@example.com"
"""In the HR export (E1030, IT) but invited by hand earlier: no externalId yet."""
LEAVER = ("E1032", "thomas.reid@example.com")
"""Terminated in the HR export; still an active member from an earlier sync."""
EARLIER_SYNC = [
    ("E1001", "amelia.hart@example.com"),
    ("E1002", "noah.okafor@example.com"),
    ("E1003", "priya.raman@example.com"),
    ("E1004", "lucas.moreau@example.com"),
    ("E1005", "sofia.conti@example.com"),
    ("E1006", "daniel.kim@example.com"),
    ("E1007", "grace.oneill@example.com"),
    ("E1008", "mateo.fernandez@example.com"),
    ("E1009", "hannah.becker@example.com"),
    LEAVER,
]
"""Members an earlier sync created: enough of them that one leaver stays within the
default removal limit (10 % of the managed members)."""
MANUAL_GROUP = "Auditors"
_MANUAL_GROUP_ID = "0d3c1a52-6f7e-4b43-9a8e-2b1c5d4e6f70"
_COLLECTION_ID = "5e7f9a1b-2c3d-4e5f-8a9b-0c1d2e3f4a5b"
_OWNER, _USER, _CONFIRMED = 0, 2, 2


class DemoError(Exception):
    """The demo cannot run here; the message says why."""


@dataclass(frozen=True)
class Examples:
    config: Path
    """config/hr.toml: the mapping the demo uses."""
    csv: Path
    """config/example-hr.csv: the HR export it syncs."""


def find_examples(cwd: Path | None = None) -> Examples:
    """config/hr.toml and config/example-hr.csv of the source tree this package runs from
    (an editable install), else under the current directory, else the copies the wheel
    carries in dirsync/examples."""
    package = Path(__file__).resolve().parent
    roots = [package.parent / "config", (cwd or Path.cwd()) / "config", package / "examples"]
    for root in roots:
        found = Examples(root / "hr.toml", root / "example-hr.csv")
        if found.config.is_file() and found.csv.is_file():
            return found
    raise DemoError(
        "config/hr.toml and config/example-hr.csv not found next to the package, in the "
        "current directory or in the package's examples: reinstall dirsync"
    )


def demo_seed() -> dict[str, Any]:
    """An organization as people and an earlier sync left it."""
    members: list[dict[str, Any]] = [
        {"email": OWNER_EMAIL, "name": "Olive Owner", "type": _OWNER, "status": _CONFIRMED},
        {"email": ADOPTED_EMAIL, "name": "Felix Wagner", "type": _USER, "status": _CONFIRMED},
    ]
    members += [
        {"email": email, "externalId": ext, "type": _USER, "status": _CONFIRMED}
        for ext, email in EARLIER_SYNC
    ]
    return {
        "organization": {"name": "Demo Corp", "seats": 100, "profile": "cloud"},
        "members": members,
        "groups": [{"id": _MANUAL_GROUP_ID, "name": MANUAL_GROUP, "memberIds": []}],
        "collections": [
            {"id": _COLLECTION_ID, "groups": [{"id": _MANUAL_GROUP_ID, "readOnly": True}]}
        ],
    }


def seed_description() -> list[str]:
    """What :func:`demo_seed` holds and what the sync should do with it, one line each."""
    return [
        f"{OWNER_EMAIL:<28} the owner: never touched",
        f"{ADOPTED_EMAIL:<28} invited by hand, no externalId: in the HR export, so adopted",
        f"{len(EARLIER_SYNC)} members from an earlier sync, among them {LEAVER[1]}, who has "
        "left since",
        f'group "{MANUAL_GROUP}" and a collection, made by hand: left alone',
    ]


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Without NODELAY each response waits for the client's delayed ACK (~40 ms).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.setblocking(False)
    return sock


@contextmanager
def served_emulator(options: EmulatorOptions) -> Iterator[Endpoints]:
    """The emulator on a free 127.0.0.1 port, served by uvicorn in a thread until exit."""
    app = create_app(options)
    sock = _listening_socket()
    config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="demo-emulator", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise DemoError("the in-process emulator did not start")
            time.sleep(0.01)
        yield endpoints(app, "127.0.0.1", sock.getsockname()[1])
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def demo_settings(examples: Examples, emulator: Endpoints, state_dir: Path) -> Settings:
    """config/hr.toml, pointed at the emulator, the example export and a throw-away state."""
    try:
        settings = load_settings(examples.config)
    except ConfigError as exc:
        raise DemoError(str(exc)) from None
    if settings.csv is None:
        raise DemoError(f"{examples.config} has no [csv] section")
    bitwarden = BitwardenConfig(
        api_url=emulator.api_url,
        identity_url=emulator.identity_url,
        client_id=emulator.client_id,
        client_secret=SecretStr(emulator.client_secret),
        rate_limit="cloud",
    )
    return settings.model_copy(
        update={
            "bitwarden": bitwarden,
            "csv": settings.csv.model_copy(update={"path": str(examples.csv)}),
            "sync": settings.sync.model_copy(update={"state_dir": state_dir}),
        }
    )


def organization_summary(settings: Settings) -> str:
    """Members by status and groups by origin, read through the Public API."""
    with BitwardenClient.from_config(settings.bitwarden, dry_run=True) as client:
        members = client.list_members()
        groups = client.list_groups()
    statuses = Counter(MemberStatus(m.status).name.lower() for m in members)
    by_status = ", ".join(f"{n} {status}" for status, n in sorted(statuses.items()))
    manual = sorted(g.name for g in groups if not g.external_id)
    return (
        f"{len(members)} members ({by_status}); {len(groups)} groups, "
        f"{len(groups) - len(manual)} from the HR export and {len(manual)} by hand "
        f"({', '.join(manual)})"
    )
