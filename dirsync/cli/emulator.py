"""`dirsync emulator serve`: the Bitwarden Public API emulator for tests, demos, benchmarks."""

from __future__ import annotations

import json
import sys
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import click

from dirsync.cli.context import fail
from dirsync.emulator.faults import FaultSpec, FaultSpecError
from dirsync.emulator.faults import __doc__ as FAULTS_DOC
from dirsync.emulator.latency import LatencyModel

if TYPE_CHECKING:
    from dirsync.emulator.server import Endpoints

SERVE_HELP = f"""Serve the emulated Bitwarden Public API until SIGTERM or SIGINT.

Once listening, prints api_url=, identity_url=, client_id= and client_secret=, one per
line. Without --seed or --state the organization has one confirmed Owner and nothing else.
Every endpoint also answers under /api/public; the token endpoint is /connect/token and
/identity/connect/token; a test-only control surface lives under /_emulator/.

\b
{(FAULTS_DOC or "").split(chr(10), 1)[1].strip()}"""


@click.group("emulator")
def emulator() -> None:
    """The Bitwarden Public API emulator."""


def _print_endpoints(info: Endpoints) -> None:
    for key, value in (
        ("api_url", info.api_url),
        ("identity_url", info.identity_url),
        ("client_id", info.client_id),
        ("client_secret", info.client_secret),
    ):
        click.echo(f"{key}={value}")
    sys.stdout.flush()


@emulator.command("serve", help=SERVE_HELP)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=0, show_default=True, help="Port; 0 picks a free one.")
@click.option(
    "--seed",
    "seed_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Seed JSON: organization, clientSecret, members, groups, collections, policies.",
)
@click.option(
    "--state",
    "state_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Load the state from FILE if it exists; save it there on exit.",
)
@click.option(
    "--rate-limit",
    type=click.Choice(["cloud", "off"]),
    default="cloud",
    show_default=True,
    help="cloud: Bitwarden's published limits; off: self-hosted.",
)
@click.option(
    "--time-scale",
    type=float,
    default=1.0,
    show_default=True,
    help="Shrink the rate-limit windows by this factor (60: a minute lasts 1 s); limits "
    "stay the same. Retry-After stays whole seconds >= 1.",
)
@click.option(
    "--faults",
    "faults_spec",
    metavar="SPEC",
    default="",
    help="Fault injection, e.g. seed=7,5xx=0.2,429=0.05,reset_before=0.02 (see above).",
)
@click.option(
    "--rtt",
    metavar="SECONDS[:JITTER]",
    default="0",
    show_default=True,
    help="A round trip per request, half before the server handles it and half after "
    "(a write is applied even if the client has gone); JITTER varies it.",
)
@click.option(
    "--import-item-cost",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Seconds of server work per imported member and group: an assumption (the real "
    "server's cost is unknown).",
)
@click.option(
    "--token-lifetime",
    type=click.IntRange(min=1),
    default=3600,
    show_default=True,
    help="Access token lifetime in seconds.",
)
@click.option(
    "--clock-skew",
    type=click.FloatRange(min=0),
    default=1.0,
    show_default=True,
    help="Seconds a token is still accepted after it expires (the server uses 300).",
)
@click.option("--org-id", metavar="UUID", help="Organization id (otherwise generated).")
@click.option("--client-secret", metavar="S", help="API key secret (otherwise generated).")
def serve_command(
    host: str,
    port: int,
    seed_file: Path | None,
    state_file: Path | None,
    rate_limit: str,
    time_scale: float,
    faults_spec: str,
    rtt: str,
    import_item_cost: float,
    token_lifetime: int,
    clock_skew: float,
    org_id: str | None,
    client_secret: str | None,
) -> None:
    # Imported here: every other command must work without the `emulator` extra.
    try:
        from dirsync.emulator.runtime import EmulatorOptions
        from dirsync.emulator.server import ServeError, serve
    except ImportError as exc:
        fail(f"the emulator needs the 'emulator' extra (pip install 'dirsync[emulator]'): {exc}")

    if time_scale <= 0:
        fail(f"--time-scale must be > 0, not {time_scale}")
    try:
        FaultSpec.parse(faults_spec)
    except FaultSpecError as exc:
        fail(f"--faults: {exc}")
    try:
        trip, _, jitter = rtt.partition(":")
        latency = LatencyModel(float(trip), float(jitter or 0), import_item_cost)
    except ValueError as exc:
        fail(f"--rtt {rtt!r}: {exc} (SECONDS[:JITTER], jitter at most the round trip)")
    if org_id is not None:
        try:
            org_id = str(uuid.UUID(org_id))
        except ValueError:
            fail(f"--org-id: {org_id!r} is not a UUID")
    seed_document = None
    if seed_file is not None:
        try:
            seed_document = json.loads(seed_file.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            fail(f"--seed {seed_file}: {exc}")
    options = EmulatorOptions(
        org_id=org_id,
        client_secret=client_secret,
        seed=seed_document,
        rate_limit=rate_limit,
        time_scale=time_scale,
        faults=faults_spec,
        token_lifetime=token_lifetime,
        clock_skew=clock_skew,
        latency=latency,
    )
    try:
        serve(options, host, port, state_file, _print_endpoints)
    except ServeError as exc:
        fail(str(exc))
