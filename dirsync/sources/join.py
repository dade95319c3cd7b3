"""HR decides, the directory supplies: one snapshot from an HR export and an LDAP read.

Pure. People are joined on the employee id (the HR row's csv.external_id, the directory's
join.ldap_attribute). A joined person's externalId is the employee id, so it stays the
same whether they came from HR alone or from both. HR decides whether and when someone
works here (enabled, scheduled); the directory account must be enabled too. Email and
name come from the source [join] names; groups from the directory, HR, or both.

A join problem (two directory entries with one employee id; an HR row with no account when
join.hr_only = "hold") is a warning naming both sides, and the person is uncertain: never
a leaver.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, replace

from dirsync.config import JoinConfig
from dirsync.model import DirectorySnapshot, SourceGroup, SourceUser, SourceWarning


@dataclass
class _Joined:
    users: list[SourceUser] = field(default_factory=list)
    warnings: list[SourceWarning] = field(default_factory=list)
    uncertain: set[str] = field(default_factory=set)
    ids: dict[str, str] = field(default_factory=dict)
    """Directory externalId -> the person's externalId in the joined snapshot."""


def _where(user: SourceUser) -> str:
    return user.dn or user.external_id


def _index_directory(
    ldap: DirectorySnapshot, out: _Joined
) -> tuple[dict[str, SourceUser], list[SourceUser]]:
    """Directory users by employee id; the ones with none; duplicates made uncertain."""
    by_id: dict[str, list[SourceUser]] = defaultdict(list)
    without: list[SourceUser] = []
    for user in ldap.users:
        key = (user.employee_id or "").strip()
        if key:
            by_id[key].append(user)
        else:
            without.append(user)
    single: dict[str, SourceUser] = {}
    for key, users in by_id.items():
        if len(users) == 1:
            single[key] = users[0]
            continue
        entries = " and ".join(_where(u) for u in users)
        out.warnings.append(
            SourceWarning(
                where=f"employee id {key}",
                message=f"{entries} carry the same employee id; not synced until one does",
                external_id=key,
            )
        )
        out.uncertain.add(key)
        out.uncertain.update(u.external_id for u in users)
    return single, without


def join(hr: DirectorySnapshot, ldap: DirectorySnapshot, cfg: JoinConfig) -> DirectorySnapshot:
    """The combined snapshot (see the module doc)."""
    out = _Joined(
        warnings=[*hr.warnings, *ldap.warnings],
        uncertain=set(hr.uncertain_ids),
    )
    accounts, without = _index_directory(ldap, out)
    for person in hr.users:
        key = person.external_id
        account = accounts.pop(key, None)
        if account is not None:
            out.ids[account.external_id] = key
            out.users.append(_merge(person, account, cfg))
        elif key in out.uncertain:
            continue
        elif cfg.hr_only == "sync":
            out.users.append(person)
        elif person.enabled or person.scheduled:
            out.warnings.append(
                SourceWarning(
                    where=f"employee id {key}",
                    message=(
                        f"HR row for {person.email} has no directory account with that "
                        "employee id; held until it exists (join.hr_only = 'hold')"
                    ),
                    external_id=key,
                )
            )
            out.uncertain.add(key)
    for key in [k for k in accounts if k in hr.uncertain_ids]:
        # The HR row is there but unreadable: neither a directory-only person nor gone.
        out.uncertain.add(key)
        del accounts[key]
    if cfg.ldap_only == "sync":
        for account in [*accounts.values(), *without]:
            out.ids[account.external_id] = account.external_id
            out.users.append(replace(account, employee_id=None))
    for ldap_id in ldap.uncertain_ids:
        out.uncertain.add(out.ids.get(ldap_id, ldap_id))
    return DirectorySnapshot(
        source="combined",
        users=tuple(out.users),
        groups=_groups(hr, ldap, out.ids, cfg),
        warnings=tuple(out.warnings),
        uncertain_ids=frozenset(out.uncertain),
    )


def _merge(person: SourceUser, account: SourceUser, cfg: JoinConfig) -> SourceUser:
    """HR's dates and status, the account's state, and each attribute from its source."""
    return SourceUser(
        external_id=person.external_id,
        email=account.email if cfg.email == "ldap" else person.email,
        name=(account.name if cfg.name == "ldap" else person.name) or person.name,
        username=account.username,
        enabled=person.enabled and account.enabled,
        scheduled=person.scheduled,
        staged=person.staged and account.enabled,
        dn=account.dn,
    )


def _groups(
    hr: DirectorySnapshot, ldap: DirectorySnapshot, ids: dict[str, str], cfg: JoinConfig
) -> tuple[SourceGroup, ...]:
    groups: list[SourceGroup] = []
    if cfg.groups in ("ldap", "both"):
        for group in ldap.groups:
            members = frozenset(ids[m] for m in group.member_ids if m in ids)
            groups.append(replace(group, member_ids=members))
    if cfg.groups in ("hr", "both"):
        groups += hr.groups
    return tuple(groups)
