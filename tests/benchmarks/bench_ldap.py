"""Benchmark: read_ldap on 10,000 users + 200 groups vs ldapsearch of the same entries.

Run from the repository root: ``.venv/bin/python tests/benchmarks/bench_ldap.py [--runs N]``.
Starts a throw-away slapd (size limit 500 for the service account), then times, on the
same server and transport, (a) ``read_ldap`` in this process, (b) ``read_ldap`` with
ldap3's own message decoding instead of the entry reader of ``sources/ldap_ber.py`` (what
that reader buys), and (c) the same three searches (users, disabled users, groups; same
attributes) with ``ldapsearch -E pr=500/noprompt``, output discarded. Prints min and median
of each and the ratio of (a) to (c) (goal: read_ldap <= 1.5x ldapsearch), and read_ldap's
StartTLS time over its plain time (goal: <= 1.3x).
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dirsync.config import Settings
from dirsync.sources import ldap_search
from dirsync.sources.ldap import read_ldap
from tests.fixtures.slapd import SlapdServer, start_slapd
from tests.fixtures.slapd_data import DISABLED_FILTER, generate_directory
from tests.fixtures.slapd_tls import make_tls_files

USERS_FILTER = "(objectClass=inetOrgPerson)"
GROUPS_FILTER = (
    "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))"
)


def ldapsearch_all(server: SlapdServer, url: str, start_tls: bool) -> None:
    """The searches read_ldap makes, with ldapsearch's simple paging."""
    searches = [
        (server.people_dn, USERS_FILTER, ["entryUUID", "mail", "cn", "uid"]),
        (server.people_dn, f"(&{USERS_FILTER}{DISABLED_FILTER})", ["1.1"]),
        (
            server.groups_dn,
            GROUPS_FILTER,
            ["entryUUID", "cn", "member", "uniqueMember", "memberUid"],
        ),
    ]
    # libldap matches the certificate against the reverse-resolved peer name ("vm" on
    # some machines, not localhost): tolerate that mismatch; the handshake is the same.
    env = {**os.environ, "LDAPTLS_CACERT": str(server.ca_file), "LDAPTLS_REQCERT": "allow"}
    for base, search_filter, attributes in searches:
        command = ["ldapsearch", "-LLL", "-x", "-H", url, "-D", server.bind_dn,
                   "-w", server.bind_password, "-E", "pr=500/noprompt", "-b", base,
                   search_filter, *attributes]  # fmt: skip
        if start_tls:
            command.insert(1, "-ZZ")
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)


class Ldap3Decoding:
    """Stands in for ldap_ber.EntryTap: entries as ldap3 decodes them, from conn.response."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    @property
    def entries(self) -> list[tuple[str, dict[str, list[bytes]]]]:
        return [
            (item["dn"], {k.lower(): list(v) for k, v in item["raw_attributes"].items()})
            for item in self.conn.response or ()
            if item["type"] == "searchResEntry"
        ]


@contextmanager
def without_entry_reader() -> Iterator[None]:
    original = ldap_search.EntryTap
    ldap_search.EntryTap = Ldap3Decoding  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        ldap_search.EntryTap = original  # type: ignore[misc]


def read_plain(settings: Settings) -> None:
    with without_entry_reader():
        read_ldap(settings)


def timed(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm-up: server caches, imports
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def check(settings: Settings) -> None:
    snapshot = read_ldap(settings)
    if len(snapshot.users) != 10_000 or len(snapshot.groups) != 200 or snapshot.warnings:
        raise SystemExit("read_ldap did not read the whole directory")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the plain-LDAP rows warn about cleartext binds
    with tempfile.TemporaryDirectory(prefix="bench-ldap-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        server = start_slapd(workdir / "slapd", generate_directory(), make_tls_files(workdir))
        print(
            f"slapd with 10,000 users / 200 groups ready in {time.perf_counter() - started:.2f} s"
        )
        medians: list[float] = []
        try:
            for label, start_tls in (("plain ldap://", False), ("StartTLS", True)):
                settings = server.settings(start_tls=start_tls, page_size=500)
                check(settings)
                with without_entry_reader():
                    check(settings)
                ours = timed(lambda s=settings: read_ldap(s), args.runs)  # type: ignore[misc]
                plain = timed(lambda s=settings: read_plain(s), args.runs)  # type: ignore[misc]
                theirs = timed(
                    lambda t=start_tls: ldapsearch_all(server, server.ldap_url, t),  # type: ignore[misc]
                    args.runs,
                )
                print(f"\n{label} (page size 500, {args.runs} runs)")
                rows = (
                    ("read_ldap", ours),
                    ("  without ldap_ber", plain),
                    ("ldapsearch x3", theirs),
                )
                for name, times in rows:
                    median = statistics.median(times)
                    print(f"  {name:18} min {min(times):.3f} s  median {median:.3f} s")
                ratio_min = min(ours) / min(theirs)
                ratio_median = statistics.median(ours) / statistics.median(theirs)
                print(f"  ratio              min {ratio_min:.2f}x  median {ratio_median:.2f}x")
                gain = statistics.median(plain) / statistics.median(ours)
                print(f"  ldap_ber speed-up  median {gain:.2f}x")
                medians.append(statistics.median(ours))
            print(f"\nread_ldap StartTLS / plain (medians): {medians[1] / medians[0]:.2f}x")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
