"""Source failures: each stops `dirsync sync` with exit 1, one clear line, and zero writes.

An outage must never look like "everyone left" (Keycloak #20177, authentik #12722).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import ldap3
import pytest
from click.testing import CliRunner

from dirsync.cli.main import main
from tests.fixtures import slapd as slapd_module
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import generate_directory
from tests.fixtures.slapd_tls import TlsFiles
from tests.reliability.campaign import writes
from tests.reliability.checks import tracebacks
from tests.reliability.runner import Finished, Workspace, ldap_section
from tests.reliability.scenario import build, csv_people, write_csv


def _seeded(emulator: ServedEmulator, users: int = 50) -> None:
    """A populated org, so that a short read would plan removals."""
    people, group_ids = csv_people(users, 4)
    emulator.reset(build(people, group_ids, random.Random(3)).seed)
    emulator.clear_requests()


def _ldap_workspace(
    tmp_path: Path, emulator: ServedEmulator, server: SlapdServer, **ldap: Any
) -> Workspace:
    password = tmp_path / "secrets" / "bind_password"
    password.parent.mkdir(parents=True, exist_ok=True)
    password.write_text(ldap.pop("password", server.bind_password), encoding="utf-8")
    password.chmod(0o600)
    source = ldap_section(server, password)
    source["ldap"] |= ldap  # type: ignore[operator]
    return Workspace(tmp_path, emulator, source, sync_options={"max_removal_percent": 100})


def assert_refused(finished: Finished, emulator: ServedEmulator, expected: str) -> None:
    """Exit 1, the last stderr line is one clear error naming the cause, nothing written."""
    last = finished.stderr.strip().splitlines()[-1]
    assert finished.code == 1, finished.stderr[-2000:]
    assert last.startswith("dirsync: error:"), last
    assert expected in last, last
    assert not tracebacks(finished.texts("sync"))
    assert writes(emulator.requests()) == []


@pytest.fixture
def small(slapd_factory: Callable[..., SlapdServer]) -> SlapdServer:
    return slapd_factory(generate_directory(users=300, groups=3))


@pytest.fixture
def paused(small: SlapdServer) -> Iterator[SlapdServer]:
    small.pause()
    yield small
    small.resume()


def test_ldap_stopped_mid_paged_search(
    emulator: ServedEmulator, small: SlapdServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """In-process CLI: the server is killed right after the users search's first page
    arrived (the disabled accounts' search, DNs only, comes before it)."""
    _seeded(emulator)
    original = ldap3.Connection.search
    pages: list[bool] = []

    def search(self: ldap3.Connection, *args: Any, **kwargs: Any) -> Any:
        answer = original(self, *args, **kwargs)
        if kwargs.get("paged_size") and kwargs.get("attributes") != ["1.1"] and not pages:
            pages.append(True)
            small.kill()
        return answer

    monkeypatch.setattr(ldap3.Connection, "search", search)
    workspace = _ldap_workspace(tmp_path, emulator, small, page_size=50)
    result = CliRunner().invoke(main, ["--config", str(workspace.config()), "sync"])
    assert pages == [True]
    assert_refused(Finished(result.exit_code, result.stdout, result.stderr), emulator, "ldap")
    assert "page 2" in result.stderr


def test_ldap_server_slower_than_the_timeout(
    emulator: ServedEmulator, paused: SlapdServer, tmp_path: Path
) -> None:
    _seeded(emulator)
    workspace = _ldap_workspace(tmp_path, emulator, paused, timeout_seconds=1)
    assert_refused(workspace.run("sync", timeout=60), emulator, "ldap source")


def test_ldap_tls_failure_wrong_ca(
    emulator: ServedEmulator, slapd: SlapdServer, tls_files: TlsFiles, tmp_path: Path
) -> None:
    _seeded(emulator)
    workspace = _ldap_workspace(tmp_path, emulator, slapd, ca_file=str(tls_files.wrong_ca_file))
    assert_refused(workspace.run("sync"), emulator, "ldap source")


def test_ldap_wrong_password(emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path) -> None:
    _seeded(emulator)
    workspace = _ldap_workspace(tmp_path, emulator, slapd, password="not-the-password-42")
    finished = workspace.run("sync")
    assert_refused(finished, emulator, "invalidCredentials")
    assert "not-the-password-42" not in finished.stdout + finished.stderr


def test_ldap_size_limit_hit(
    emulator: ServedEmulator,
    slapd_factory: Callable[..., SlapdServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The service account may read 300 entries in all through paging (slapd
    size.prtotal, like a capped AD MaxPageSize); the directory holds 600."""
    limited = slapd_module.CONFIG_LDIF.replace("size.prtotal=unlimited", "size.prtotal=300")
    monkeypatch.setattr(slapd_module, "CONFIG_LDIF", limited)
    server = slapd_factory(generate_directory(users=600, groups=3))
    _seeded(emulator)
    workspace = _ldap_workspace(tmp_path, emulator, server, page_size=100)
    assert_refused(workspace.run("sync"), emulator, "size limit")


def _csv_workspace(tmp_path: Path, emulator: ServedEmulator, data: bytes) -> Workspace:
    export = tmp_path / "hr.csv"
    export.write_bytes(data)
    source = {"source": {"type": "csv"}, "csv": {"path": str(export), "status": "Status"}}
    return Workspace(tmp_path, emulator, source, sync_options={"max_removal_percent": 100})


def _export(tmp_path: Path, quoted_names: bool = False) -> bytes:
    people, _ = csv_people(200, 4)
    full = tmp_path / "full.csv"
    write_csv(full, people)
    data = full.read_bytes()
    return data.replace(b",User,", b',"User, Jr.",') if quoted_names else data


def test_csv_cut_inside_a_quoted_field(emulator: ServedEmulator, tmp_path: Path) -> None:
    _seeded(emulator, 200)
    data = _export(tmp_path, quoted_names=True)
    cut = data.index(b'"User, Jr.', len(data) // 2) + 3
    workspace = _csv_workspace(tmp_path, emulator, data[:cut])
    assert_refused(workspace.run("sync"), emulator, "csv source")


def test_csv_cut_in_half_mid_row(emulator: ServedEmulator, tmp_path: Path) -> None:
    _seeded(emulator, 200)
    data = _export(tmp_path)
    workspace = _csv_workspace(tmp_path, emulator, data[: len(data) // 2])
    assert_refused(workspace.run("sync"), emulator, "csv source")
