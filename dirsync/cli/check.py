"""`dirsync check`: is this machine ready to sync? One status line per dependency."""

from __future__ import annotations

import click

from dirsync.cli import exitcodes
from dirsync.cli.context import CliContext, pass_cli
from dirsync.cli.runtime import current_time

EXAMPLES = """\b
Examples:
  dirsync check
  dirsync --config /etc/dirsync/acme.toml check
  DIRSYNC_LDAP__URLS='["ldaps://dc2.example.org"]' dirsync check

\b
Output, one line per step (stops at the first FAIL, then exits 1):
  ok   config /etc/dirsync/dirsync.toml (source ldap)
  ok   ldap ldaps://dc1.example.org connect+TLS
  ok   ldap bind as cn=dirsync,ou=services,dc=example,dc=org
  ok   ldap users base ou=people,dc=example,dc=org exists
  ok   ldap ldap.users.filter (objectClass=inetOrgPerson) matches entries under ou=people,...
  ok   bitwarden token obtained from https://identity.bitwarden.com/connect/token ...
  ok   bitwarden organization readable: 42 members (1 owners, 40 with an externalId), 7 groups
"""


@click.command("check", epilog=EXAMPLES)
@pass_cli
def check_command(cli: CliContext) -> None:
    """Check the configuration, the source (LDAP or CSV) and the Bitwarden API key.

    Changes nothing: the Bitwarden client runs in dry-run mode and LDAP is only read. A CSV
    export is judged as of today ($DIRSYNC_NOW, as for sync, replaces the clock).
    """
    # Imported here: loading ldap3 is for `check`, not for every dirsync command.
    from dirsync.checks import run_checks

    failed = False
    for result in run_checks(cli.config_path, current_time()):
        click.echo(result.line())
        failed = not result.ok
    raise SystemExit(exitcodes.ERROR if failed else exitcodes.OK)
