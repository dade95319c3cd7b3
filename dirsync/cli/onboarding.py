"""`dirsync invite|offboard|restore`: one person, idempotent, for HR/IT automation.

A second identical call changes nothing and exits 0 (action "none").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.models import MemberType
from dirsync.cli.context import CliContext, format_option, pass_cli
from dirsync.cli.events import member_events, moment_option
from dirsync.cli.output import echo_json
from dirsync.cli.runtime import current_time, one_line_errors, open_client
from dirsync.events.render import readable
from dirsync.sources.emails import normalize_email, valid_email
from dirsync.sync.manual import ManualResult, invite, offboard, restore

FORMAT = format_option("One readable line")
EXTERNAL_ID = click.option("--external-id", metavar="ID", help="Select the member by externalId.")


def _run(
    cli: CliContext,
    output_format: str,
    operation: Callable[[BitwardenClient], ManualResult],
    events: list[dict[str, Any]] | None = None,
) -> None:
    settings = cli.settings()
    with open_client(settings, dry_run=False) as client, one_line_errors(settings):
        result = operation(client)
    member = result.member
    if output_format == "json":
        document: dict[str, Any] = {
            "action": result.action,
            "message": result.message,
            "member": None
            if member is None
            else {
                "id": member.id,
                "email": member.email,
                "external_id": member.external_id,
                "status": int(member.status),
                "type": int(member.type),
            },
        }
        if events is not None:
            document["events"] = events
        echo_json(document)
    else:
        click.echo(f"{result.action}: {result.message}")
        for fields in events or []:
            click.echo(readable(fields))


def _select(email: str | None, external_id: str | None) -> None:
    if (email is None) == (external_id is None):
        raise click.UsageError("give either EMAIL or --external-id ID")


@click.command("invite")
@click.argument("email")
@click.option("--external-id", metavar="ID", help="The externalId to set (the source's id).")
@click.option("--name", help="The person's name, echoed in the output (the API stores none).")
@click.option("--group", "groups", multiple=True, metavar="NAME", help="Add to this group.")
@click.option(
    "--type",
    "member_type",
    type=click.Choice(["user", "admin"]),
    default="user",
    show_default=True,
)
@FORMAT
@pass_cli
def invite_command(
    cli: CliContext,
    email: str,
    external_id: str | None,
    name: str | None,
    groups: tuple[str, ...],
    member_type: str,
    output_format: str,
) -> None:
    """Invite EMAIL to the organization (nothing happens if already a member).

    EMAIL goes through the rule the sources apply: trimmed, lower-cased, and refused
    before any call when the server would refuse it.
    """
    email = normalize_email(email)
    if not valid_email(email):
        raise click.BadParameter(
            f"{email!r} is not an address Bitwarden accepts (an ASCII local part, "
            "one @, a domain whose last label is letters)",
            param_hint="EMAIL",
        )
    kind = MemberType.ADMIN if member_type == "admin" else MemberType.USER

    def operation(client: BitwardenClient) -> ManualResult:
        result = invite(
            client, email, external_id=external_id, member_type=kind, group_names=groups
        )
        if name and result.action == "invited":
            return ManualResult(result.action, result.member, f"{result.message} ({name})")
        return result

    _run(cli, output_format, operation)


@click.command("offboard")
@click.argument("email", required=False)
@EXTERNAL_ID
@click.option("--delete", is_flag=True, help="Delete the member instead of revoking it.")
@click.option(
    "--events",
    "events_age",
    metavar="AGE",
    help="Then show the member's events of the last AGE (e.g. 30d), for the ticket.",
)
@FORMAT
@pass_cli
def offboard_command(
    cli: CliContext,
    email: str | None,
    external_id: str | None,
    delete: bool,
    events_age: str | None,
    output_format: str,
) -> None:
    """Revoke (or --delete) a member. Owners and protected members are refused."""
    _select(email, external_id)
    now = current_time()
    since = moment_option(events_age, "--events", now)
    protected = cli.settings().sync.protected
    events: list[dict[str, Any]] | None = None if since is None else []

    def operation(client: BitwardenClient) -> ManualResult:
        result = offboard(
            client, email=email, external_id=external_id, delete=delete, protected=protected
        )
        if events is not None and since is not None and result.member is not None:
            events.extend(member_events(client, result.member, since, current_time()))
        return result

    _run(cli, output_format, operation, events)


@click.command("restore")
@click.argument("email", required=False)
@EXTERNAL_ID
@FORMAT
@pass_cli
def restore_command(
    cli: CliContext, email: str | None, external_id: str | None, output_format: str
) -> None:
    """Restore a revoked member."""
    _select(email, external_id)
    protected = cli.settings().sync.protected
    _run(
        cli,
        output_format,
        lambda client: restore(client, email=email, external_id=external_id, protected=protected),
    )
