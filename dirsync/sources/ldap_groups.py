"""Groups from LDAP: membership by member / uniqueMember / memberUid, nesting resolved here.

Nested groups are expanded on the client over every group the groups search returned
(selected or not), with a visited set so cycles end. Only selected groups are returned.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from dirsync.config import LdapConfig
from dirsync.dn import normalize_dn
from dirsync.model import SourceGroup, SourceWarning
from dirsync.sources.ad import dialect_for, read_ranged_values
from dirsync.sources.errors import SourceError
from dirsync.sources.ldap_connect import LdapConnector
from dirsync.sources.ldap_search import Entry, paged_search
from dirsync.sources.ldap_users import UserRead, external_id, warning
from dirsync.sources.selection import group_selected

_UNIQUE_MEMBER_UID = re.compile(r"#'[01]*'B$")
_RANGE_KEY = "member;range="


@dataclass
class _Group:
    dn: str
    external_id: str | None
    name: str | None
    member_dns: list[str]
    member_uids: list[str]
    user_ids: set[str] = field(default_factory=set)
    subgroups: list[str] = field(default_factory=list)


def _member_values(entry: Entry) -> tuple[list[str], bool]:
    """The member DNs the entry carried, and whether a range is still to be read."""
    unique = [_UNIQUE_MEMBER_UID.sub("", value) for value in entry.texts("uniqueMember")]
    values = entry.texts("member") + unique
    incomplete = False
    for key in entry.attributes:
        if key.startswith(_RANGE_KEY):
            values += entry.texts(key)
            incomplete = not key.endswith("-*")
    return values, incomplete


def _read_entries(connector: LdapConnector, cfg: LdapConfig, id_attribute: str) -> list[Entry]:
    groups, dialect = cfg.groups, dialect_for(cfg)
    search_filter = dialect.groups_filter(groups)
    wanted = [id_attribute, groups.name, dialect.member, "uniqueMember", "memberUid"]
    attributes = list(dict.fromkeys(wanted))
    entries = paged_search(
        connector, groups.base, groups.scope, search_filter, attributes, cfg.page_size
    )
    if not entries:
        raise SourceError(
            f"no groups found under {groups.base} with {search_filter}"
            " (leave ldap.groups.base empty to read no groups)"
        )
    return entries


def _parse(connector: LdapConnector, entries: list[Entry], cfg: LdapConfig) -> list[_Group]:
    id_attribute = _id_attribute(cfg)
    parsed: list[_Group] = []
    ranged: list[_Group] = []
    for entry in entries:
        members, incomplete = _member_values(entry)
        try:
            ident = external_id(entry, id_attribute)
        except ValueError:
            ident = None
        name = entry.text(cfg.groups.name)
        group = _Group(entry.dn, ident, name, members, entry.texts("memberUid"))
        parsed.append(group)
        if incomplete:
            ranged.append(group)
    if ranged:
        # After the paged search, on a connection of its own: never interleave with paging.
        with connector.session() as conn:
            for group in ranged:
                group.member_dns = read_ranged_values(conn, group.dn, "member")
    return parsed


def _id_attribute(cfg: LdapConfig) -> str:
    return cfg.groups.external_id or dialect_for(cfg).external_id


def _link(
    groups: list[_Group], users: UserRead, nested: bool
) -> tuple[dict[str, _Group], dict[str, list[SourceWarning]]]:
    """Direct members of every group; warnings kept per group, reported if it is used."""
    by_dn = {normalize_dn(group.dn): group for group in groups}
    notes: dict[str, list[SourceWarning]] = {}
    for key, group in by_dn.items():
        problems: list[str] = []
        for dn in group.member_dns:
            member = normalize_dn(dn)
            user = users.ids_by_dn.get(member)
            if user is not None:
                group.user_ids.add(user)
            elif member in by_dn:
                if nested:
                    group.subgroups.append(member)
            else:
                problems.append(f"member {dn} matches no user or group")
        for uid in group.member_uids:
            # Directory Connector's fixtures hold DNs in memberUid; they name users too.
            user = users.ids_by_uid.get(uid.lower()) or (
                users.ids_by_dn.get(normalize_dn(uid)) if _looks_like_dn(uid) else None
            )
            if user is None:
                problems.append(f"memberUid {uid} matches no user")
            else:
                group.user_ids.add(user)
        notes[key] = [warning(group.dn, problem) for problem in problems]
    return by_dn, notes


def _looks_like_dn(value: str) -> bool:
    first, _, rest = value.partition(",")
    return "=" in first and "=" in rest


def _closure(start: str, by_dn: dict[str, _Group], visited_all: set[str]) -> set[str]:
    """User ids of group *start* and every group nested in it; stops at cycles."""
    seen = {start}
    pending = [start]
    ids: set[str] = set()
    while pending:
        group = by_dn[pending.pop()]
        ids |= group.user_ids
        for sub in group.subgroups:
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
    visited_all |= seen
    return ids


def _selected(
    groups: Iterable[_Group], include: list[str], exclude: list[str]
) -> tuple[list[tuple[str, str, _Group]], list[SourceWarning]]:
    """(external id, name, group) of the selected groups that can be synced."""
    warnings: list[SourceWarning] = []
    chosen: list[tuple[str, str, _Group]] = []
    for group in groups:
        if group.name is None:
            warnings.append(warning(group.dn, "no group name; the group is skipped"))
        elif not group_selected(group.name, include, exclude):
            continue
        elif group.external_id is None:
            warnings.append(warning(group.dn, "no external id; the group is skipped"))
        else:
            chosen.append((group.external_id, group.name, group))
    counts = Counter(ident for ident, _, _ in chosen)
    for ident, _, group in chosen:
        if counts[ident] > 1:
            message = f"external id {ident} is shared by several groups; the group is skipped"
            warnings.append(warning(group.dn, message))
    return [item for item in chosen if counts[item[0]] == 1], warnings


def read_groups(
    connector: LdapConnector,
    cfg: LdapConfig,
    users: UserRead,
    include: list[str],
    exclude: list[str],
) -> tuple[list[SourceGroup], list[SourceWarning], set[str] | None]:
    """The selected groups with their transitive user members, the problems found, and
    the user ids ldap.users.entitlement_group allows (None: no such group configured)."""
    entitlement = cfg.users.entitlement_group.strip()
    if not cfg.groups.base:
        if entitlement:
            raise SourceError("ldap.users.entitlement_group needs ldap.groups.base to read it")
        return [], [], None
    entries = _read_entries(connector, cfg, _id_attribute(cfg))
    groups = _parse(connector, entries, cfg)
    by_dn, notes = _link(groups, users, cfg.groups.nested)
    entitled = _entitled(entitlement, by_dn) if entitlement else None
    chosen, warnings = _selected(groups, include, exclude)
    used: set[str] = set()
    result = [
        SourceGroup(
            external_id=ident,
            name=name,
            member_ids=frozenset(_closure(normalize_dn(group.dn), by_dn, used)),
            dn=group.dn,
        )
        for ident, name, group in chosen
    ]
    for key in sorted(used):
        warnings += notes[key]
    return result, warnings, entitled


def _entitled(dn: str, by_dn: dict[str, _Group]) -> set[str]:
    """Users in the entitlement group, nested groups included; a group not found is an
    error (an empty set would make everyone a leaver)."""
    key = normalize_dn(dn)
    if key not in by_dn:
        raise SourceError(
            f"ldap.users.entitlement_group {dn!r} is not among the groups read under "
            "ldap.groups.base (check its DN and the groups filter); nothing was changed"
        )
    return _closure(key, by_dn, set())
