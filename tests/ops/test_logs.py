"""Logging: formats, levels, the -v/-q/--log-format options, and masking of secrets."""

from __future__ import annotations

import io
import json
import logging
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote_plus

import click
import pytest
from click.testing import CliRunner

from dirsync.cli.main import main
from dirsync.config_sources import read_secret
from dirsync.logs import MASK, MIN_SECRET_LENGTH, redact, register_secret, setup_logging
from tests.e2e.harness import Harness, csv_source
from tests.fixtures.emulator import ServedEmulator

log = logging.getLogger("dirsync.test")


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.fixture(autouse=True)
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    libraries = {name: logging.getLogger(name).level for name in ("httpx", "ldap3")}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, library_level in libraries.items():
        logging.getLogger(name).setLevel(library_level)
    logging.captureWarnings(False)


def fresh_secret() -> str:
    return "s3cr/et+" + secrets.token_urlsafe(12) + '"&='


def json_lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_json_lines_when_not_a_terminal() -> None:
    out = io.StringIO()
    setup_logging("auto", 0, out)
    log.info("invited %s", "ann@example.org", extra={"action": "invite", "count": 2})
    (entry,) = json_lines(out)
    assert entry["level"] == "info"
    assert entry["logger"] == "dirsync.test"
    assert entry["message"] == "invited ann@example.org"
    assert entry["action"] == "invite"
    assert entry["count"] == 2
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00", str(entry["ts"]))


def test_json_line_carries_the_traceback_on_one_line() -> None:
    out = io.StringIO()
    setup_logging("json", 0, out)
    try:
        raise ValueError("bad row\nsecond line")
    except ValueError:
        log.exception("reading failed")
    (entry,) = json_lines(out)
    assert entry["message"] == "reading failed"
    assert "ValueError: bad row" in str(entry["exc"])
    assert len(out.getvalue().splitlines()) == 1


def test_text_on_a_terminal() -> None:
    out = Terminal()
    setup_logging("auto", 0, out)
    log.warning("withheld %d removals", 30, extra={"limit": 25})
    line = out.getvalue().rstrip("\n")
    assert re.fullmatch(
        r"\d\d:\d\d:\d\d WARNING dirsync\.test: withheld 30 removals limit=25", line
    ), line


def test_text_format_forced_off_a_terminal() -> None:
    out = io.StringIO()
    setup_logging("text", 0, out)
    log.info("hello")
    assert out.getvalue().endswith("INFO    dirsync.test: hello\n")


@pytest.mark.parametrize(
    ("verbosity", "shown"),
    [
        (-2, ["error"]),
        (-1, ["warning", "error"]),
        (0, ["info", "warning", "error"]),
        (1, ["debug", "info", "warning", "error"]),
    ],
)
def test_verbosity_picks_the_levels(verbosity: int, shown: list[str]) -> None:
    out = io.StringIO()
    setup_logging("json", verbosity, out)
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    assert [entry["level"] for entry in json_lines(out)] == shown


@pytest.mark.parametrize(("verbosity", "shown"), [(0, False), (1, False), (2, True)])
def test_library_chatter_needs_double_verbose(verbosity: int, shown: bool) -> None:
    out = io.StringIO()
    setup_logging("json", verbosity, out)
    logging.getLogger("httpx").info("HTTP Request: GET https://api.example/public/members")
    assert bool(out.getvalue()) is shown


def test_setup_again_replaces_the_handler() -> None:
    first, second = io.StringIO(), io.StringIO()
    setup_logging("json", 0, first)
    setup_logging("json", 0, second)
    log.info("once")
    assert first.getvalue() == ""
    assert len(json_lines(second)) == 1


def test_registered_secret_is_masked_everywhere() -> None:
    secret = fresh_secret()
    register_secret(secret)
    out = io.StringIO()
    setup_logging("json", 0, out)
    log.info("token request body: client_secret=%s", quote_plus(secret))
    log.info("config dump %s", {"client_secret": secret}, extra={"detail": secret})
    log.info(json.dumps({"password": secret}))
    try:
        raise RuntimeError(f"server said: {secret}")
    except RuntimeError:
        log.exception("failed")
    logging.getLogger("httpx").warning("bind with %s", secret)
    text = out.getvalue()
    assert secret not in text
    assert quote_plus(secret) not in text
    assert json.dumps(secret)[1:-1] not in text
    assert text.count(MASK) >= 6


def test_secret_masked_in_text_format_too() -> None:
    secret = fresh_secret()
    register_secret(secret)
    out = Terminal()
    setup_logging("auto", 0, out)
    log.error("bind failed for password %s", secret, extra={"echo": secret})
    assert secret not in out.getvalue()
    assert out.getvalue().count(MASK) == 2


def test_read_secret_registers_what_it_reads(tmp_path: Path) -> None:
    secret = fresh_secret()
    path = tmp_path / "client_secret"
    path.write_text(secret + "\n", encoding="utf-8")
    path.chmod(0o600)
    assert read_secret("client_secret", None, path, env={}).get_secret_value() == secret
    out = io.StringIO()
    setup_logging("json", 0, out)
    log.info("oops %s", secret)
    assert secret not in out.getvalue()
    assert MASK in out.getvalue()


def test_a_malformed_log_call_does_not_raise() -> None:
    register_secret(fresh_secret())
    # pytest's own capture handler fails the test on a malformed call; only ours is under test.
    logging.getLogger().handlers.clear()
    out = io.StringIO()
    setup_logging("json", 0, out)
    log.info("count %d", "not a number")
    (entry,) = json_lines(out)
    assert "count %d" in str(entry["message"])


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> str:
    """A throwaway subcommand that logs at each level and logs a registered secret."""
    secret = fresh_secret()

    @click.command()
    def log_probe() -> None:
        register_secret(secret)
        for level in (logging.DEBUG, logging.INFO, logging.WARNING):
            log.log(level, "level %s secret %s", logging.getLevelName(level), secret)
        click.echo("done")

    monkeypatch.setitem(main.commands, "log-probe", log_probe)
    return secret


@pytest.mark.parametrize(
    ("options", "levels"),
    [
        ([], ["info", "warning"]),
        (["-v"], ["debug", "info", "warning"]),
        (["--verbose", "-q"], ["info", "warning"]),
        (["--quiet"], ["warning"]),
    ],
)
def test_cli_options_reach_every_subcommand(
    probe: str, options: list[str], levels: list[str]
) -> None:
    result = CliRunner().invoke(main, ["--log-format", "json", *options, "log-probe"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "done\n"
    entries = [json.loads(line) for line in result.stderr.splitlines()]
    assert [entry["level"] for entry in entries] == levels
    assert probe not in result.stderr
    assert all(MASK in str(entry["message"]) for entry in entries)


def test_cli_text_format(probe: str) -> None:
    result = CliRunner().invoke(main, ["--log-format", "text", "-q", "log-probe"])
    assert result.exit_code == 0, result.output
    assert result.stderr.rstrip("\n").endswith(f"WARNING dirsync.test: level WARNING secret {MASK}")


def test_cli_rejects_an_unknown_log_format(probe: str) -> None:
    result = CliRunner().invoke(main, ["--log-format", "xml", "log-probe"])
    assert result.exit_code == 2
    assert "xml" in result.stderr


def test_on_the_journal_stream_each_line_carries_its_priority(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with (tmp_path / "journal").open("w+", encoding="utf-8") as stream:
        info = os.fstat(stream.fileno())
        monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
        setup_logging("auto", 1, stream)
        log.debug("d")
        log.info("i")
        log.warning("w")
        log.error("e")
        log.critical("c")
        stream.seek(0)
        lines = stream.read().splitlines()
    assert [line[:3] for line in lines] == ["<7>", "<6>", "<4>", "<3>", "<2>"]
    assert [json.loads(line[3:])["message"] for line in lines] == ["d", "i", "w", "e", "c"]


def test_another_stream_gets_plain_json_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    journal = tmp_path / "journal"
    journal.write_text("")
    info = journal.stat()
    monkeypatch.setenv("JOURNAL_STREAM", f"{info.st_dev}:{info.st_ino}")
    with (tmp_path / "other").open("w+", encoding="utf-8") as stream:
        setup_logging("auto", 0, stream)
        log.warning("w")
        stream.seek(0)
        assert json.loads(stream.read())["message"] == "w"


def test_short_values_are_not_masked(capsys: pytest.CaptureFixture[str]) -> None:
    """A one-letter 'secret' must not garble every later line (JSON included)."""
    short = "s" * (MIN_SECRET_LENGTH - 1)
    register_secret(short)
    assert redact(f'{{"status": "{short}"}}') == f'{{"status": "{short}"}}'


@pytest.mark.parametrize(("options", "warned"), [([], True), (["-q"], True), (["-qq"], False)])
def test_plan_warnings_follow_the_quiet_options(
    emulator: ServedEmulator, tmp_path: Path, options: list[str], warned: bool
) -> None:
    export = tmp_path / "hr.csv"
    export.write_text(
        "Employee ID,First Name,Last Name,Work Email\n"
        "E1,Ann,Lee,ann@example.org\nE2,Bo,Ng,not-an-address\n",
        encoding="utf-8",
    )
    emulator.reset()
    harness = Harness(emulator, tmp_path, csv_source(export, max_bad_rows_percent=100))
    result = CliRunner().invoke(
        main, ["--log-format", "text", *options, "--config", str(harness.config()), "plan"]
    )
    assert result.exit_code == 0, result.output
    assert "ann@example.org" in result.stdout
    assert ("dirsync: warning:" in result.stderr) is warned, result.stderr
