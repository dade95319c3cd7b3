"""`dirsync source` with an LDAP configuration file: the password from a file, JSON out."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from dirsync.cli.exitcodes import ERROR, OK
from dirsync.cli.main import main
from tests.fixtures.slapd import SlapdServer


def _config(tmp_path: Path, slapd: SlapdServer, password: str) -> Path:
    secret = tmp_path / "bind_password"
    secret.write_text(password + "\n")
    secret.chmod(0o600)
    config = tmp_path / "dirsync.toml"
    config.write_text(
        f"""
[source]
type = "ldap"

[ldap]
urls = ["{slapd.ldaps_url}"]
ca_file = "{slapd.ca_file}"
bind_dn = "{slapd.bind_dn}"
bind_password_file = "{secret}"

[ldap.users]
base = "{slapd.people_dn}"
disabled_filter = "(employeeType=disabled)"

[ldap.groups]
base = "{slapd.groups_dn}"
"""
    )
    return config


def test_source_json(tmp_path: Path, slapd: SlapdServer) -> None:
    config = _config(tmp_path, slapd, slapd.bind_password)

    result = CliRunner().invoke(main, ["--config", str(config), "source", "--format", "json"])

    assert result.exit_code == OK, result.output
    document = json.loads(result.stdout)
    assert document["source"] == "ldap"
    assert sorted(u["username"] for u in document["users"]) == [
        "alice", "bob", "carol", "dave", "erin",
    ]  # fmt: skip
    assert [u["username"] for u in document["users"] if not u["enabled"]] == ["dave"]
    assert sorted(g["name"] for g in document["groups"]) == [
        "engineering",
        "ops",
        "platform",
        "sales",
    ]


def test_source_failure_exits_with_error_and_hides_the_password(
    tmp_path: Path, slapd: SlapdServer
) -> None:
    config = _config(tmp_path, slapd, "wrong-password-123")

    result = CliRunner().invoke(main, ["--config", str(config), "source"])

    assert result.exit_code == ERROR
    assert "invalidCredentials" in result.output
    assert "wrong-password-123" not in result.output
