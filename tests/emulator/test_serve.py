"""`dirsync emulator serve` as a process: output, signals, --seed, --state, errors."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from click.testing import CliRunner, Result

from dirsync.cli.main import main
from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator, _read_endpoints, start_emulator

ORG = "5e000000-0000-0000-0000-000000000001"


def _serve(*args: str) -> Result:
    """The command in-process: these cases fail before serving anything."""
    return CliRunner().invoke(main, ["emulator", "serve", *args])


def test_prints_endpoints_and_exits_0_on_sigterm() -> None:
    """serve prints api_url, identity_url, client_id, client_secret; SIGTERM exits 0."""
    command = [
        sys.executable,
        "-m",
        "dirsync",
        "emulator",
        "serve",
        "--org-id",
        ORG,
        "--client-secret",
        "sekret",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    info = _read_endpoints(process, 20)
    assert info is not None
    assert list(info) == ["api_url", "identity_url", "client_id", "client_secret"]
    assert info["api_url"].startswith("http://127.0.0.1:")
    assert info["client_id"] == f"organization.{ORG}"
    assert info["client_secret"] == "sekret"
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=10)
    assert process.returncode == 0
    assert (stdout, stderr) == ("", "")


def test_seed_file_and_self_hosted_layout(
    emulator_factory: Callable[..., ServedEmulator],
) -> None:
    """--seed loads the document; a self-hosted org prints the /api and /identity layout."""
    served = emulator_factory(
        seed={
            "organization": {"id": ORG, "profile": "self-hosted"},
            "clientSecret": "from-seed",
            "members": [{"email": "a@example.com", "type": 0}, {"email": "b@example.com"}],
        }
    )
    assert served.api_url.endswith("/api")
    assert served.identity_url.endswith("/identity")
    assert (served.org_id, served.client_secret) == (ORG, "from-seed")
    api = Api(served)
    assert len(api.get("/public/members").json()["data"]) == 2
    api.close()


def test_state_saved_on_exit_and_loaded(tmp_path: Path) -> None:
    """--state FILE: saved on SIGINT (exit 0), loaded on the next start (same org, members)."""
    state = tmp_path / "state.json"
    first = start_emulator(extra_args=("--state", str(state)))
    api = Api(first)
    member = api.invite("kept@example.com")
    api.close()
    first.process.send_signal(signal.SIGINT)
    assert first.process.wait(timeout=10) == 0
    first.stop()
    assert state.stat().st_mode & 0o777 == 0o600
    saved = json.loads(state.read_text())
    assert any(m["id"] == member["id"] for m in saved["members"])
    second = start_emulator(extra_args=("--state", str(state)))
    try:
        assert (second.org_id, second.client_secret) == (first.org_id, first.client_secret)
        api = Api(second)
        assert api.get(f"/public/members/{member['id']}").json()["email"] == "kept@example.com"
        api.close()
    finally:
        second.stop()


def test_bad_options_fail_clearly(tmp_path: Path) -> None:
    """Bad --faults, --org-id, --seed: exit 1 with one clear line naming the option."""
    result = _serve("--faults", "5xx=7")
    assert result.exit_code == 1
    assert "--faults" in result.stderr
    assert "5xx" in result.stderr
    assert "--org-id" in _serve("--org-id", "nope").stderr
    bad_seed = tmp_path / "seed.json"
    bad_seed.write_text("{not json")
    result = _serve("--seed", str(bad_seed))
    assert (result.exit_code, "--seed" in result.stderr) == (1, True)


def test_port_in_use(emulator: ServedEmulator) -> None:
    """--port of a port in use: exit 1 naming the address."""
    port = emulator.api_url.rsplit(":", 1)[1]
    result = _serve("--port", port)
    assert result.exit_code == 1
    assert f"127.0.0.1:{port}" in result.stderr
