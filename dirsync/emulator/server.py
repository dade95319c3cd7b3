"""Serving the emulator over real HTTP with uvicorn, until SIGTERM or SIGINT.

This uses uvicorn internals (``Server.capture_signals``, ``serve(sockets=...)``,
``started``, ``should_exit``); :func:`require_supported_uvicorn` names a uvicorn that lacks
them instead of letting its own signal handling take over unnoticed.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
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


MIN_UVICORN = "0.30"


def require_supported_uvicorn(server: uvicorn.Server) -> None:
    """Raise ServeError unless uvicorn (and *server*) has the internals this module uses."""
    methods = vars(uvicorn.Server)
    capture = methods.get("capture_signals")
    serve_method = methods.get("serve")
    problem = None
    if not inspect.isfunction(capture):
        problem = "uvicorn.Server has no capture_signals() to replace"
    elif list(inspect.signature(capture).parameters) != ["self"]:
        problem = f"uvicorn.Server.capture_signals{inspect.signature(capture)} is not (self)"
    elif not inspect.iscoroutinefunction(serve_method):
        problem = "uvicorn.Server.serve is not a coroutine"
    elif "sockets" not in inspect.signature(serve_method).parameters:
        problem = "uvicorn.Server.serve() takes no sockets"
    else:
        missing = [name for name in ("started", "should_exit") if not hasattr(server, name)]
        if missing:
            problem = f"uvicorn.Server has no {' or '.join(missing)} attribute"
    if problem is not None:
        raise ServeError(_unsupported(problem))


def _unsupported(problem: str) -> str:
    version = getattr(uvicorn, "__version__", "unknown")
    return (
        f"unsupported uvicorn version {version} (the emulator needs uvicorn >= {MIN_UVICORN}"
        f" with the same Server internals): {problem}"
    )


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
    server = _Server(_config(app))
    require_supported_uvicorn(server)
    sock = _bind(host, port)
    asyncio.run(_run(server, sock, app, host, on_ready))
    if state_path is not None:
        save_state(app, state_path)


def _config(app: EmulatorApp) -> uvicorn.Config:
    try:
        return uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="h11",
            proxy_headers=False,
            timeout_graceful_shutdown=2,
        )
    except TypeError as exc:
        raise ServeError(_unsupported(f"uvicorn.Config: {exc}")) from None


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
