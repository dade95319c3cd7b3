"""`dirsync check`: the configuration, then each dependency in turn, as results (no printing).

The checks reuse what a sync uses: ``load_settings``, the LDAP source's ``LdapConnector``
(one URL at a time, so a dead replica shows), the CSV source itself, and the Bitwarden
client's token cache and reads. They stop at the first failure, since later checks would
only fail for the same reason. No secret appears in a result.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from itertools import chain
from pathlib import Path
from typing import Any

from ldap3 import BASE
from ldap3.core.exceptions import LDAPException

from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.endpoints import resolve_endpoints
from dirsync.bitwarden.errors import BitwardenError
from dirsync.bitwarden.models import Member, MemberType, OrgSnapshot
from dirsync.config import ConfigError, LdapConfig, Settings
from dirsync.config_sources import load_settings, read_secret
from dirsync.sources import read_source
from dirsync.sources.ad import dialect_for
from dirsync.sources.csv import read_csv
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap_connect import LdapConnector, describe_result, ldap_reason
from dirsync.sources.ldap_search import SCOPES
from dirsync.sources.ldap_users import filter_and
from dirsync.sync.confirmation import Awaiting, awaiting
from dirsync.sync.errors import StateError, SyncError
from dirsync.sync.run import Run
from dirsync.sync.state_file import load_state

_UNUSABLE = "no LDAP server usable: "
_SUCCESS, _SIZE_LIMIT, _NO_SUCH_OBJECT = 0, 4, 32


@dataclass(frozen=True, slots=True)
class CheckResult:
    ok: bool
    subject: str
    """What was checked: config, ldap, csv or bitwarden."""
    message: str

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'FAIL'} {self.subject} {self.message}"


def _ok(subject: str, message: str) -> CheckResult:
    return CheckResult(True, subject, message)


def _fail(subject: str, message: str) -> CheckResult:
    return CheckResult(False, subject, message)


def run_checks(config_path: Path, now: datetime) -> Iterator[CheckResult]:
    """Every check in order; the last result is the first failure, if any."""
    try:
        settings = load_settings(config_path)
    except ConfigError as exc:
        head, *details = (line.strip() for line in str(exc).splitlines())
        yield _fail("config", " ".join([head, "; ".join(details)]).strip())
        return
    yield _ok("config", f"{config_path} (source {settings.source.type})")
    source = chain(
        ldap_checks(settings) if settings.source.type in ("ldap", "combined") else (),
        csv_checks(settings, now) if settings.source.type in ("csv", "combined") else (),
    )
    for result in chain(source, bitwarden_checks(settings, now), plan_checks(settings, now)):
        yield result
        if not result.ok:
            return


def csv_checks(settings: Settings, today: date) -> Iterator[CheckResult]:
    """The export read as a sync reads it: file, encoding, required columns, bad-row limit."""
    path = settings.csv.path if settings.csv else ""
    try:
        snapshot = read_csv(settings, today)
    except (SourceError, ConfigError) as exc:
        yield _fail("csv", f"{path}: {exc}")
        return
    users = snapshot.users
    enabled = sum(u.enabled and not u.scheduled for u in users)
    scheduled = sum(u.scheduled for u in users)
    yield _ok(
        "csv",
        f"{path} readable with its required columns: {len(users)} people ({enabled} active, "
        f"{len(users) - enabled - scheduled} leavers, {scheduled} scheduled), "
        f"{len(snapshot.groups)} groups, {len(snapshot.warnings)} bad rows",
    )


def ldap_checks(settings: Settings) -> Iterator[CheckResult]:
    """Connect + TLS and bind on every URL, then the search bases and filters on the first."""
    cfg = settings.ldap
    if cfg is None:
        yield _fail("ldap", "source.type is 'ldap' but there is no [ldap] section")
        return
    password = None
    if cfg.bind_dn:
        try:
            password = read_secret("bind_password", cfg.bind_password, cfg.bind_password_file)
        except ConfigError as exc:
            yield _fail("ldap", f"bind password: {exc}")
            return
    who = f"as {cfg.bind_dn}" if cfg.bind_dn else "anonymously"
    for url in cfg.urls:
        try:
            connector = LdapConnector(cfg.model_copy(update={"urls": [url]}), password)
            with connector.session() as conn:
                yield _ok("ldap", f"{url} {_transport(cfg, url)}")
                yield _ok("ldap", f"bind {who}")
                if url != cfg.urls[0]:
                    continue
                bases = [("users", cfg.users.base), ("groups", cfg.groups.base)]
                for kind, base in bases:
                    if base:
                        yield _base_exists(conn, kind, base)
                for search in _filter_searches(cfg):
                    yield _try_filter(conn, search)
        except SourceError as exc:
            yield _connect_failure(url, str(exc))
            return


def _transport(cfg: LdapConfig, url: str) -> str:
    if not (url.lower().startswith("ldaps://") or cfg.start_tls):
        return "connect (no TLS: the bind password crosses the network in clear)"
    how = "connect+TLS" if url.lower().startswith("ldaps://") else "connect+StartTLS"
    return how if cfg.verify_tls else f"{how} (certificate NOT verified: ldap.verify_tls = false)"


def _connect_failure(url: str, message: str) -> CheckResult:
    """Which step failed, told apart by the connector's per-URL reason."""
    reason = message.removeprefix(f"{_UNUSABLE}{url}: ")
    if " does not resolve " in reason:
        return _fail("ldap", f"{url} connect: {reason}")
    if reason.startswith("bind "):
        return _fail("ldap", f"{reason} (check ldap.bind_dn and the bind password)")
    lowered = reason.lower()
    if "certificate verify failed" in lowered:
        return _fail(
            "ldap",
            f"{url} TLS: the server's certificate is not trusted: {reason}; "
            "set ldap.ca_file to the CA that issued it",
        )
    if "ssl" in lowered or "tls" in lowered:
        return _fail("ldap", f"{url} TLS: {reason}")
    return _fail("ldap", f"{url} connect: {reason} (check ldap.urls, DNS and firewalls)")


def _base_exists(conn: Any, kind: str, base: str) -> CheckResult:
    try:
        conn.search(base, "(objectClass=*)", search_scope=BASE, attributes=["1.1"])
    except (LDAPException, OSError) as exc:
        return _fail("ldap", f"{kind} base {base}: search failed: {exc}")
    result = conn.result
    code = result.get("result") if result else None
    if code == _SUCCESS:
        return _ok("ldap", f"{kind} base {base} exists")
    reason = describe_result(result)
    if code == _NO_SUCH_OBJECT:
        reason += (
            f": it does not exist, or the bind may lack read rights on it (check ldap.{kind}.base"
            " and the bind's access rights)"
        )
    return _fail("ldap", f"{kind} base {base} not readable: {reason}")


@dataclass(frozen=True, slots=True)
class _FilterSearch:
    key: str
    """The configuration key of the filter."""
    value: str
    """The filter as configured (or the dialect's default)."""
    base: str
    scope: str
    search_filter: str
    must_match: bool
    """A sync stops when this search finds nothing (users, groups)."""


def _filter_searches(cfg: LdapConfig) -> list[_FilterSearch]:
    """The searches a sync makes, with the filters it sends (dialect defaults included)."""
    dialect = dialect_for(cfg)
    users, groups = cfg.users, cfg.groups
    users_filter = dialect.users_filter(users)
    searches = [
        _FilterSearch(
            "ldap.users.filter", users_filter, users.base, users.scope, users_filter, True
        )
    ]
    disabled = dialect.disabled_filter(users)
    if disabled:
        combined = filter_and(users_filter, disabled)
        key = "ldap.users.disabled_filter"
        searches.append(_FilterSearch(key, disabled, users.base, users.scope, combined, False))
    if groups.base:
        value = dialect.groups_filter(groups)
        key = "ldap.groups.filter"
        searches.append(_FilterSearch(key, value, groups.base, groups.scope, value, True))
    return searches


def _try_filter(conn: Any, search: _FilterSearch) -> CheckResult:
    """One search with the real filter, at most one entry back: does the server take it?"""
    where = f"{search.key} {search.value}"
    try:
        conn.search(
            search.base,
            search.search_filter,
            search_scope=SCOPES[search.scope],
            attributes=["1.1"],
            size_limit=1,
        )
    except (LDAPException, OSError) as exc:
        return _fail("ldap", f"{where}: not a usable filter: {ldap_reason(exc)}")
    result = conn.result
    code = result.get("result") if result else None
    if code not in (_SUCCESS, _SIZE_LIMIT):
        return _fail("ldap", f"{where}: the server refused the search: {describe_result(result)}")
    found = any(item.get("type") == "searchResEntry" for item in conn.response or ())
    if found:
        return _ok("ldap", f"{where} matches entries under {search.base}")
    if search.must_match:
        return _fail("ldap", f"{where} matches nothing under {search.base}")
    return _ok("ldap", f"{where} is accepted (it matches nobody now)")


def bitwarden_checks(settings: Settings, now: datetime) -> Iterator[CheckResult]:
    """A token from the identity server, then the organization's members and groups."""
    config = settings.bitwarden
    try:
        client = BitwardenClient.from_config(config, dry_run=True)
        token_url = resolve_endpoints(config.server, config.api_url, config.identity_url).token_url
    except ConfigError as exc:
        yield _fail("bitwarden", str(exc))
        return
    with client:
        try:
            client.authenticate()
        except BitwardenError as exc:
            yield _fail("bitwarden", f"token: {exc}")
            return
        yield _ok("bitwarden", f"token obtained from {token_url} for {config.client_id}")
        try:
            members = client.list_members()
            groups = client.list_groups()
        except BitwardenError as exc:
            yield _fail("bitwarden", f"organization not readable: {exc}")
            return
    owners = sum(m.type == MemberType.OWNER for m in members)
    managed = sum(bool(m.external_id) for m in members)
    yield _ok(
        "bitwarden",
        f"organization readable: {len(members)} members ({owners} owners, {managed} with an "
        f"externalId), {len(groups)} groups",
    )
    waiting = _awaiting(settings, members, now)
    if waiting is not None:
        yield _ok("bitwarden", waiting.line())


def plan_checks(settings: Settings, now: datetime) -> Iterator[CheckResult]:
    """What `plan` would do (read only), and the email changes an admin must handle."""
    try:
        with BitwardenClient.from_config(settings.bitwarden, dry_run=True) as client:
            plan = Run(settings, client, now).plan(read_source)
    except (ConfigError, SourceError, SyncError, BitwardenError) as exc:
        yield _fail("plan", str(exc))
        return
    counts = ", ".join(f"{n} {kind}" for kind, n in sorted(plan.counts().items()))
    yield _ok("plan", f"{len(plan.actions)} actions" + (f" ({counts})" if counts else ""))
    for change in plan.email_changes:
        yield _ok("plan", f"email change: {change}")


def _awaiting(settings: Settings, members: list[Member], now: datetime) -> Awaiting | None:
    """Accepted members; the wait counts from the state file's dates when it is readable."""
    try:
        seen = load_state(settings.sync.state_dir).accepted
    except StateError:
        seen = {}
    return awaiting(OrgSnapshot(members=tuple(members)), seen, now)
