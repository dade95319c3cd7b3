"""Source snapshot + sync settings -> DesiredState: who should be in the org, with what."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dirsync.bitwarden.models import Association, Collection, MemberType, Permissions
from dirsync.config import CollectionAccess, RoleMapping, SyncConfig
from dirsync.model import DirectorySnapshot, SourceUser
from dirsync.sync.errors import EmptySourceError, MappingError

GROUP_NAME_MAX = 100
_ROLE_RANK = {MemberType.USER: 0, MemberType.CUSTOM: 1, MemberType.ADMIN: 2}
_ROLE_TYPES = {"user": MemberType.USER, "admin": MemberType.ADMIN, "custom": MemberType.CUSTOM}


@dataclass(frozen=True, slots=True)
class DesiredMember:
    """An enabled, current source user as an org member should look."""

    external_id: str
    email: str
    name: str | None
    type: MemberType
    permissions: Permissions | None
    groups: frozenset[str]
    """External ids of the desired groups the member belongs to."""
    dn: str | None = None
    staged: bool = False
    """A pre-hire: wanted as a Staged member until the start date."""


@dataclass(frozen=True, slots=True)
class DesiredGroup:
    external_id: str
    name: str
    collections: tuple[Association, ...] | None
    """None: no collection mapping for this group, so its access is left as it is."""
    member_ids: frozenset[str]
    """External ids of desired members."""
    dn: str | None = None


@dataclass(frozen=True, slots=True)
class DesiredState:
    members: Mapping[str, DesiredMember]
    groups: Mapping[str, DesiredGroup]
    disabled: frozenset[str]
    """Users present in the source but disabled: leavers."""
    held: frozenset[str]
    """Users neither desired nor leavers (scheduled, uncertain, protected): left alone."""
    protected: frozenset[str]
    """Casefolded emails and external ids never touched."""
    warnings: tuple[str, ...] = field(default=())
    manage_types: bool = True
    """False when no role mapping is configured: member types are left as they are."""

    def is_protected(self, email: str | None, external_id: str | None) -> bool:
        if not self.protected:
            return False
        return (email is not None and email.casefold() in self.protected) or (
            external_id is not None and external_id.casefold() in self.protected
        )


def build_desired(
    snapshot: DirectorySnapshot,
    sync: SyncConfig,
    collections: Sequence[Collection] = (),
) -> DesiredState:
    """The desired org; *collections* resolves `sync.collections` ids and externalIds."""
    if not snapshot.users:
        raise EmptySourceError(
            f"the {snapshot.source} source returned no users; refusing to plan "
            "(an empty source would remove everyone)"
        )
    warnings = [f"{snapshot.source} {w.where}: {w.message}" for w in snapshot.warnings]
    protected = frozenset(p.casefold() for p in sync.protected)
    held = set(snapshot.uncertain_ids)
    disabled: set[str] = set()
    enabled: dict[str, SourceUser] = {}
    emails: dict[str, str] = {}
    for user in snapshot.users:
        if user.external_id in held:
            continue
        email = user.email.casefold()
        if (user.scheduled and not user.staged) or (
            protected and (email in protected or user.external_id.casefold() in protected)
        ):
            held.add(user.external_id)
        elif not user.enabled and not user.staged:
            disabled.add(user.external_id)
        elif (other := emails.get(email)) is not None:
            warnings.append(
                f"user {user.external_id}: email {user.email} is also used by {other}; skipped"
            )
            held.add(user.external_id)
        else:
            emails[email] = user.external_id
            enabled[user.external_id] = user
    disabled -= held

    roles = _roles_by_group(sync.roles)
    access = _access_by_group(sync.collections, collections, warnings)
    groups: dict[str, DesiredGroup] = {}
    member_groups: dict[str, set[str]] = {}
    member_roles: dict[str, list[RoleMapping]] = {}
    for group in snapshot.groups:
        if group.external_id in groups:
            warnings.append(f"group {group.name}: external id {group.external_id} repeats; skipped")
            continue
        in_group = frozenset(group.member_ids & enabled.keys())
        folded = group.name.casefold()
        groups[group.external_id] = DesiredGroup(
            external_id=group.external_id,
            name=_group_name(sync.group_name, group.name, group.external_id, warnings),
            collections=access.get(folded),
            member_ids=in_group,
            dn=group.dn,
        )
        for uid in in_group:
            member_groups.setdefault(uid, set()).add(group.external_id)
            if folded in roles:
                member_roles.setdefault(uid, []).append(roles[folded])

    if sync.everyone_group:
        _add_everyone(sync.everyone_group, enabled.keys(), groups, member_groups, access)
    members: dict[str, DesiredMember] = {}
    for uid, user in enabled.items():
        mapped = member_roles.get(uid)
        member_type, permissions = _member_role(mapped) if mapped else (MemberType.USER, None)
        members[uid] = DesiredMember(
            external_id=uid,
            email=user.email,
            name=user.name,
            type=member_type,
            permissions=permissions,
            groups=frozenset(member_groups.get(uid, ())),
            dn=user.dn,
            staged=user.staged,
        )
    return DesiredState(
        members=members,
        groups=groups,
        disabled=frozenset(disabled),
        held=frozenset(held),
        protected=protected,
        warnings=tuple(warnings),
        manage_types=bool(sync.roles),
    )


EVERYONE_ID = "dirsync:everyone"
"""The Everyone group's externalId: no source id can look like it."""


def _add_everyone(
    name: str,
    member_ids: Iterable[str],
    groups: dict[str, DesiredGroup],
    member_groups: dict[str, set[str]],
    access: Mapping[str, tuple[Association, ...]],
) -> None:
    """`sync.everyone_group`: a managed group of every synced member."""
    everyone = frozenset(member_ids)
    groups[EVERYONE_ID] = DesiredGroup(
        external_id=EVERYONE_ID,
        name=name[:GROUP_NAME_MAX],
        collections=access.get(name.casefold()),
        member_ids=everyone,
    )
    for uid in everyone:
        member_groups.setdefault(uid, set()).add(EVERYONE_ID)


def _group_name(template: str, name: str, external_id: str, warnings: list[str]) -> str:
    try:
        rendered = template.format(name=name, external_id=external_id)
    except (KeyError, IndexError, ValueError) as exc:
        raise MappingError(
            f"sync.group_name {template!r} is not a valid template "
            f"(fields: {{name}}, {{external_id}}): {exc}"
        ) from None
    if len(rendered) > GROUP_NAME_MAX:
        warnings.append(f"group {name}: name cut to {GROUP_NAME_MAX} characters")
        rendered = rendered[:GROUP_NAME_MAX]
    return rendered


def _roles_by_group(roles: Sequence[RoleMapping]) -> dict[str, RoleMapping]:
    by_group: dict[str, RoleMapping] = {}
    for role in roles:
        by_group.setdefault(role.group.casefold(), role)
    return by_group


def _member_role(roles: Sequence[RoleMapping]) -> tuple[MemberType, Permissions | None]:
    """The strongest mapped type (admin > custom > user); custom permissions are merged."""
    best = MemberType.USER
    granted: set[str] = set()
    for role in roles:
        member_type = _ROLE_TYPES[role.type]
        if _ROLE_RANK[member_type] > _ROLE_RANK[best]:
            best = member_type
        if role.type == "custom" and role.permissions is not None:
            granted |= {k for k, v in role.permissions.model_dump().items() if v}
    if best is not MemberType.CUSTOM:
        return best, None
    return best, Permissions(**dict.fromkeys(granted, True))


def _access_by_group(
    mappings: Sequence[CollectionAccess],
    collections: Sequence[Collection],
    warnings: list[str],
) -> dict[str, tuple[Association, ...]]:
    by_key: dict[str, str] = {}
    for collection in collections:
        if collection.external_id:
            by_key.setdefault(collection.external_id, collection.id)
    for collection in collections:
        by_key[collection.id] = collection.id
    access: dict[str, dict[str, Association]] = {}
    for mapping in mappings:
        grants = access.setdefault(mapping.group.casefold(), {})
        collection_id = by_key.get(mapping.collection)
        if collection_id is None:
            raise MappingError(
                f"sync.collections: collection {mapping.collection!r} (group {mapping.group!r}) "
                "matches no collection id or externalId in the organization"
            )
        grants[collection_id] = Association(
            id=collection_id,
            read_only=mapping.read_only,
            hide_passwords=mapping.hide_passwords,
            manage=mapping.manage,
        )
    return {
        group: tuple(sorted(grants.values(), key=lambda a: a.id))
        for group, grants in access.items()
    }
