"""The emulator relies on uvicorn internals: a uvicorn without them is named, not obeyed."""

from __future__ import annotations

from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from dirsync.cli.main import main
from dirsync.emulator.runtime import EmulatorOptions
from dirsync.emulator.server import Endpoints, ServeError, serve

UNSUPPORTED = r"^unsupported uvicorn version 0\.99\.0 \(the emulator needs uvicorn >= 0\.30"


async def _serve_without_sockets(self: uvicorn.Server, config: Any = None) -> None:
    raise AssertionError("an unsupported uvicorn must not be started")


def _stop(endpoints: Endpoints) -> None:
    raise AssertionError(f"served on {endpoints.api_url} with an unsupported uvicorn")


@pytest.fixture(params=["capture_signals", "serve", "started", "config"])
def other_uvicorn(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The running uvicorn, changed the way another release could differ."""
    monkeypatch.setattr(uvicorn, "__version__", "0.99.0")
    change: str = request.param
    if change == "capture_signals":
        monkeypatch.delattr(uvicorn.Server, "capture_signals")
    elif change == "serve":
        monkeypatch.setattr(uvicorn.Server, "serve", _serve_without_sockets)
    elif change == "started":
        original = uvicorn.Server.__init__

        def init(self: uvicorn.Server, config: uvicorn.Config) -> None:
            original(self, config)
            del self.started

        monkeypatch.setattr(uvicorn.Server, "__init__", init)
    else:
        original_config = uvicorn.Config.__init__

        def config_init(self: uvicorn.Config, app: Any, **options: Any) -> None:
            if "timeout_graceful_shutdown" in options:
                raise TypeError("unexpected keyword argument 'timeout_graceful_shutdown'")
            original_config(self, app, **options)

        monkeypatch.setattr(uvicorn.Config, "__init__", config_init)
    return change


def test_serve_refuses_it_by_name(other_uvicorn: str) -> None:
    with pytest.raises(ServeError, match=UNSUPPORTED):
        serve(EmulatorOptions(rate_limit="off"), "127.0.0.1", 0, None, _stop)


def test_the_command_says_it_in_one_line(other_uvicorn: str) -> None:
    result = CliRunner().invoke(main, ["emulator", "serve", "--port", "0"])
    assert result.exit_code == 1
    (line,) = result.stderr.splitlines()
    assert line.startswith("dirsync: error: unsupported uvicorn version 0.99.0 ")
