"""Users from LDAP: attribute mapping, disabled accounts, and the per-user checks."""

from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from string import Formatter

from dirsync.config import LdapConfig
from dirsync.dn import normalize_dn
from dirsync.model import SourceUser, SourceWarning
from dirsync.sources.ad import Dialect, dialect_for, id_text
from dirsync.sources.emails import normalize_email, valid_email
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap_connect import LdapConnector
from dirsync.sources.ldap_search import Entry, paged_search, search_pages


def warning(where: str, message: str, ident: str | None = None) -> SourceWarning:
    return SourceWarning(where=where, message=message, external_id=ident)


def filter_and(*filters: str) -> str:
    """AND of LDAP filters (each wrapped in parentheses if it lacks them)."""
    wrapped = [f if f.startswith("(") else f"({f})" for f in filters if f]
    return wrapped[0] if len(wrapped) == 1 else "(&" + "".join(wrapped) + ")"


def external_id(entry: Entry, attribute: str) -> str | None:
    """The entry's external id (see :func:`id_text`), or None when it has none."""
    values = entry.raw(attribute)
    return id_text(attribute, values[0]) if values and values[0] else None


@dataclass
class UserRead:
    """What the users search yielded, plus the lookups group resolution needs."""

    users: list[SourceUser] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)
    uncertain: set[str] = field(default_factory=set)
    ids_by_dn: dict[str, str] = field(default_factory=dict)
    """Normalized DN -> external id, for every user that has one (also skipped users)."""
    ids_by_uid: dict[str, str] = field(default_factory=dict)
    """uid (lower-cased) -> external id, for posixGroup memberUid."""


@dataclass(frozen=True)
class UserMapping:
    """The configured attribute names, with the dialect's defaults."""

    dialect: Dialect
    filter: str
    external_id: str
    email: str
    template: str
    template_fields: tuple[str, ...]
    name: str
    username: str
    disabled_filter: str
    employee_id: str | None = None
    """The attribute joined to the HR rows (source.type = "combined"), if any."""

    @classmethod
    def from_config(cls, cfg: LdapConfig, employee_id: str | None = None) -> UserMapping:
        users, dialect = cfg.users, dialect_for(cfg)
        fields = tuple(f for _, f, _, _ in Formatter().parse(users.email_template) if f)
        for name in fields:
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9;-]*", name):
                raise SourceError(f"ldap.users.email_template: {{{name}}} is not an attribute")
        return cls(
            dialect=dialect,
            filter=dialect.users_filter(users),
            external_id=users.external_id or dialect.external_id,
            email=users.email,
            template=users.email_template,
            template_fields=fields,
            name=users.name,
            username=users.username or dialect.username,
            disabled_filter=dialect.disabled_filter(users),
            employee_id=employee_id,
        )

    def attributes(self) -> list[str]:
        wanted = [self.external_id, self.email, self.name, self.username, "uid"]
        wanted += [self.employee_id] if self.employee_id else []
        wanted += [*self.template_fields, *self.dialect.user_attributes]
        return list(dict.fromkeys(wanted))

    def email_of(self, entry: Entry) -> str | None:
        """The email attribute, else the template filled from the entry, else None."""
        raw = entry.text(self.email)
        if raw and raw.strip():
            return raw
        if not self.template:
            return None
        values = {name: entry.text(name) for name in self.template_fields}
        if any(value is None for value in values.values()):
            return None
        return self.template.format_map(values)


def _disabled_dns(connector: LdapConnector, cfg: LdapConfig, mapping: UserMapping) -> set[str]:
    """DNs matching the users filter AND the disabled filter, evaluated by the server."""
    if not mapping.disabled_filter:
        return set()
    search_filter = filter_and(mapping.filter, mapping.disabled_filter)
    entries = paged_search(
        connector, cfg.users.base, cfg.users.scope, search_filter, ["1.1"], cfg.page_size
    )
    return {normalize_dn(entry.dn) for entry in entries}


def _user(
    entry: Entry, ident: str, mapping: UserMapping, matches_disabled_filter: bool
) -> SourceUser | str:
    """A SourceUser, or the reason the entry cannot be one."""
    email = mapping.email_of(entry)
    if email is None:
        return f"no email ({mapping.email} is empty and the template cannot be filled)"
    email = normalize_email(email)
    if not valid_email(email):
        return f"invalid email {email!r}"
    enabled = mapping.dialect.enabled(entry, matches_disabled_filter)
    if isinstance(enabled, str):
        return enabled
    return SourceUser(
        external_id=ident,
        email=email,
        name=entry.text(mapping.name),
        username=entry.text(mapping.username),
        enabled=enabled,
        dn=entry.dn,
        employee_id=entry.text(mapping.employee_id) if mapping.employee_id else None,
    )


def _drop_duplicates(read: UserRead, dns: dict[str, str]) -> None:
    """Two users behind one email cannot both be synced: keep a sole enabled one, else none."""
    counts = Counter(user.email for user in read.users)
    by_email: dict[str, list[SourceUser]] = defaultdict(list)
    for user in read.users:
        if counts[user.email] > 1:
            by_email[user.email].append(user)
    dropped: set[str] = set()
    for email, users in by_email.items():
        enabled = [u for u in users if u.enabled]
        keep = enabled[0].external_id if len(enabled) == 1 else None
        for user in users:
            if user.external_id == keep:
                continue
            dropped.add(user.external_id)
            read.uncertain.add(user.external_id)
            others = sorted(dns[u.external_id] for u in users if u is not user)
            message = f"email {email} is shared with {', '.join(others)}; not synced"
            read.warnings.append(warning(dns[user.external_id], message, user.external_id))
    read.users = [u for u in read.users if u.external_id not in dropped]


def read_users(
    connector: LdapConnector, cfg: LdapConfig, employee_id: str | None = None
) -> UserRead:
    """Every user under the users base matching the filter, checked one by one;
    *employee_id* names an attribute to read too (the join key of a combined source).

    Each page becomes users as it arrives, so the raw entries of only one page are held.
    """
    mapping = UserMapping.from_config(cfg, employee_id)
    disabled = _disabled_dns(connector, cfg, mapping)
    read = UserRead()
    no_id: list[SourceWarning] = []
    first: dict[str, tuple[str, SourceUser | str]] = {}  # id -> its first entry's DN, outcome
    shared: dict[str, list[str]] = {}  # id -> the DNs of every entry holding it, if several
    pages = search_pages(
        connector,
        cfg.users.base,
        cfg.users.scope,
        mapping.filter,
        mapping.attributes(),
        cfg.page_size,
    )
    for entry in itertools.chain.from_iterable(pages):
        try:
            ident = external_id(entry, mapping.external_id)
        except ValueError as exc:
            no_id.append(warning(entry.dn, f"{mapping.external_id}: {exc}"))
            continue
        if ident is None:
            no_id.append(warning(entry.dn, f"no {mapping.external_id}; the user cannot be synced"))
            continue
        key = normalize_dn(entry.dn)
        read.ids_by_dn[key] = ident
        for uid in entry.texts("uid"):
            read.ids_by_uid[uid.lower()] = ident
        if ident in first:
            shared.setdefault(ident, [first[ident][0]]).append(entry.dn)
            continue
        try:
            outcome: SourceUser | str = _user(entry, ident, mapping, key in disabled)
        except ValueError as exc:
            outcome = str(exc)
        first[ident] = (entry.dn, outcome)
    if not first and not no_id:
        raise SourceError(f"no users found under {cfg.users.base} with {mapping.filter}")
    read.warnings = no_id
    dns: dict[str, str] = {}
    for ident, (dn, outcome) in first.items():
        if ident in shared:
            read.uncertain.add(ident)
            names = ", ".join(sorted(shared[ident]))
            message = f"{mapping.external_id} {ident} is shared by {names}; not synced"
            read.warnings += [warning(other, message, ident) for other in shared[ident]]
        elif isinstance(outcome, str):
            read.uncertain.add(ident)
            read.warnings.append(warning(dn, outcome, ident))
        else:
            dns[ident] = dn
            read.users.append(outcome)
    _drop_duplicates(read, dns)
    return read
