"""Alerts: a local webhook receiver gets the summary for exits 1, 3 and 4, nothing on
success unless asked; a dead webhook leaves the exit code as it was; no secret in it."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from dirsync.notify import masked
from tests.e2e.harness import Harness, csv_source
from tests.fixtures.emulator import ServedEmulator

HEADER = "Employee ID,First Name,Last Name,Work Email\n"
TOKEN = "T000/B000/hook-secret-token"


class Receiver:
    """An HTTP server on 127.0.0.1 that keeps every JSON body POSTed to it."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        bodies = self.bodies

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                bodies.append(json.loads(self.rfile.read(length)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/{TOKEN}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    served = Receiver()
    yield served
    served.close()


def _harness(emulator: ServedEmulator, tmp_path: Path, count: int) -> tuple[Harness, Path]:
    export = tmp_path / "hr.csv"
    _export(export, count)
    h = Harness(emulator, tmp_path, csv_source(export))
    h.sync.update(max_removals=2)
    return h, export


def _export(path: Path, count: int) -> None:
    rows = [f"E{i},F{i},L{i},p{i}@example.com\n" for i in range(count)]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")


def _sync(h: Harness) -> int:
    return h.run("sync").exit_code


def test_exits_3_4_and_1_are_announced_success_is_not(
    emulator: ServedEmulator, tmp_path: Path, receiver: Receiver
) -> None:
    h, export = _harness(emulator, tmp_path, 10)
    h.sections["notify"] = {"webhook_url": receiver.url}
    assert _sync(h) == 0
    assert receiver.bodies == []

    _export(export, 5)
    assert _sync(h) == 3
    (withheld,) = receiver.bodies
    assert withheld["text"].splitlines()[0].endswith(": exit 3 (withheld by the safety limits)")
    assert "Withheld: 5 removals exceed sync.max_removals = 2." in withheld["text"]

    _export(export, 10)
    full = emulator.state()
    # Room to autoscale on paper, but the plan cannot grow: the server refuses the invite.
    full["organization"].update(
        seats=len(full["members"]), maxAutoScaleSeats=50, planAllowsAdditionalSeats=False
    )
    emulator.reset(full)
    _export(export, 11)
    h.sync.update(max_removals=100, max_removal_percent=100, max_seat_growth=5)
    assert _sync(h) == 4
    failed = receiver.bodies[-1]["text"]
    assert ": exit 4 (some actions failed)" in failed
    assert "Failed invite p10@example.com: " in failed

    h.source = csv_source(tmp_path / "missing.csv")
    assert _sync(h) == 1
    error = receiver.bodies[-1]["text"]
    assert ": exit 1 (error: nothing unsafe was done)" in error
    assert "Error: csv source: " in error
    assert len(receiver.bodies) == 3
    for body in receiver.bodies:
        assert emulator.client_secret not in json.dumps(body)
        assert TOKEN not in json.dumps(body)


@pytest.mark.parametrize("shape", ["teams", "json"])
def test_every_run_is_announced_when_asked_in_each_shape(
    emulator: ServedEmulator, tmp_path: Path, receiver: Receiver, shape: str
) -> None:
    h, _ = _harness(emulator, tmp_path, 3)
    h.sections["notify"] = {"webhook_url": receiver.url, "on": "always", "format": shape}
    assert _sync(h) == 0
    (body,) = receiver.bodies
    if shape == "teams":
        assert body["@type"] == "MessageCard"
        assert body["title"].endswith(": exit 0 (done)")
        assert "Planned 3, applied 3, failed 0, withheld 0." in body["text"]
    else:
        assert (body["source"], body["exit_code"], body["outcome"]) == ("dirsync", 0, "done")
        assert body["counts"]["ok"] == {"invite": 3}
        assert body["failures"] == []


def test_a_dead_webhook_leaves_the_exit_code_and_never_shows_the_url(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/hooks/{TOKEN}"
    h, export = _harness(emulator, tmp_path, 10)
    h.sections["notify"] = {"webhook_url": dead, "on": "always"}
    assert _sync(h) == 0
    _export(export, 5)
    result = h.run("sync")
    assert result.exit_code == 3
    assert "notification to http://127.0.0.1/*** failed: ConnectError" in result.stderr
    assert TOKEN not in result.output + result.stderr


def test_the_url_can_come_from_a_systemd_credential(
    emulator: ServedEmulator, tmp_path: Path, receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    credentials = tmp_path / "credentials"
    credentials.mkdir()
    (credentials / "webhook_url").write_text(receiver.url + "\n", encoding="utf-8")
    (credentials / "webhook_url").chmod(0o600)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(credentials))
    h, _ = _harness(emulator, tmp_path, 2)
    h.sections["notify"] = {"on": "always"}
    assert _sync(h) == 0
    assert len(receiver.bodies) == 1


def test_masked_keeps_only_scheme_and_host() -> None:
    assert masked(f"https://hooks.slack.com/services/{TOKEN}?x=1") == "https://hooks.slack.com/***"
