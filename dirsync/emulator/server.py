"""Serving the emulator over real HTTP with uvicorn, until SIGTERM or SIGINT."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from dirsync.emulator import seed
from dirsync.emulator.app import EmulatorApp, create_app
from dirsync.emulator.runtime import EmulatorOptions


class ServeError(Exception):
    """The emulator could not start; the message says why."""


@dataclass(frozen=True)
class Endpoints:
    """What a client needs: the URLs and credentials (the secret is not in the repr)."""

    api_url: str
    identity_url: str
    client_id: str
    client_secret: str

    def __repr__(self) -> str:
        return f"Endpoints(api_url={self.api_url!r}, client_id={self.client_id!r})"


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling, which re-raises the signal after shutdown."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def load_state(path: Path) -> dict[str, object] | None:
    """A saved `--state` document, or None when the file does not exist yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ServeError(f"cannot read state file {path}: {exc.strerror}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise ServeError(f"state file {path} is not JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ServeError(f"state file {path}: expected a JSON object")
    return document


def save_state(app: EmulatorApp, path: Path) -> None:
    """Write the state atomically (a temporary file renamed over the old one), mode 0600."""
    temporary = path.with_name(path.name + ".tmp")
    document = seed.dump(app.emulator.store, with_secret=True)
    # The file holds the client secret: owner-only from the start.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=1)
    os.replace(temporary, path)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # uvicorn writes headers and body separately: without NODELAY (inherited by accepted
    # sockets) Nagle holds the body until the client's delayed ACK, 40 ms per request.
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise ServeError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


def serve(
    options: EmulatorOptions,
    host: str,
    port: int,
    state_path: Path | None,
    on_ready: Callable[[Endpoints], None],
) -> None:
    """Serve until SIGTERM/SIGINT; `on_ready` runs once the socket accepts connections."""
    if state_path is not None:
        saved = load_state(state_path)
        if saved is not None:
            options.seed = saved
    try:
        app = create_app(options)
    except (seed.SeedError, ValueError) as exc:
        raise ServeError(str(exc)) from None
    sock = _bind(host, port)
    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        lifespan="off",
        http="h11",
        proxy_headers=False,
        timeout_graceful_shutdown=2,
    )
    server = _Server(config)
    asyncio.run(_run(server, sock, app, host, on_ready))
    if state_path is not None:
        save_state(app, state_path)


async def _run(
    server: _Server,
    sock: socket.socket,
    app: EmulatorApp,
    host: str,
    on_ready: Callable[[Endpoints], None],
) -> None:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, setattr, server, "should_exit", True)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started and not task.done():
        await asyncio.sleep(0.01)
    if server.started:
        on_ready(endpoints(app, host, sock.getsockname()[1]))
    await task


def endpoints(app: EmulatorApp, host: str, port: int) -> Endpoints:
    """The URLs in the organization profile's layout: cloud (bare) or self-hosted (/api)."""
    base = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    store = app.emulator.store
    self_hosted = store.org.self_hosted
    return Endpoints(
        api_url=base + ("/api" if self_hosted else ""),
        identity_url=base + ("/identity" if self_hosted else ""),
        client_id=f"organization.{store.org.id}",
        client_secret=store.client_secret,
    )
