"""The executor: applies a Plan's runnable actions through the client, phase by phase.

Phases follow ``plan.PHASES`` (groups and adoptions, invites, role updates, memberships,
removals); actions inside a phase run in parallel, bounded by ``max_concurrency``.
Invites and group creations the plan routed through the import endpoint go in one
import, after which members and groups are listed once to learn the new ids. A failed
action is recorded with its reason and the rest goes on; an action that needs something
a failed one should have created fails with that reason.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Protocol, assert_never

from dirsync.bitwarden.errors import BitwardenError
from dirsync.bitwarden.imports import ImportGroup, ImportMember
from dirsync.bitwarden.models import Association, Group, Member, MemberType, Permissions
from dirsync.sync.actions import (
    Action,
    Adopt,
    CreateGroup,
    Delete,
    DeleteGroup,
    Invite,
    ReAddress,
    Reinvite,
    Restore,
    Revoke,
    SetGroupMembers,
    SetMemberGroups,
    TakeOverGroup,
    TakeOverMember,
    UpdateGroup,
    UpdateMember,
)
from dirsync.sync.plan import PHASES, Plan, phase_of
from dirsync.sync.stop import StopRequest


class SyncClient(Protocol):
    """The client calls the executor makes (BitwardenClient provides them)."""

    def list_members(self) -> list[Member]: ...
    def get_member(self, member_id: str) -> Member: ...
    def list_groups(self) -> list[Group]: ...
    def invite_member(
        self,
        email: str,
        *,
        type: MemberType,
        external_id: str | None,
        permissions: Permissions | None = None,
        collections: list[Association] | None = None,
        groups: list[str] | None = None,
    ) -> Member: ...
    def update_member(
        self,
        member_id: str,
        *,
        type: MemberType,
        external_id: str | None,
        permissions: Permissions | None = None,
        collections: list[Association] | None = None,
        groups: list[str] | None = None,
    ) -> Member: ...
    def set_member_groups(self, member_id: str, group_ids: list[str]) -> None: ...
    def revoke_member(self, member_id: str) -> None: ...
    def restore_member(self, member_id: str) -> None: ...
    def reinvite_member(self, member_id: str) -> None: ...
    def delete_member(self, member_id: str) -> None: ...
    def create_group(
        self, name: str, *, external_id: str | None, collections: list[Association] | None = None
    ) -> Group: ...
    def update_group(
        self,
        group_id: str,
        *,
        name: str,
        external_id: str | None,
        collections: list[Association] | None = None,
    ) -> Group: ...
    def delete_group(self, group_id: str) -> None: ...
    def set_group_members(self, group_id: str, member_ids: list[str]) -> None: ...
    def import_org(
        self,
        members: list[ImportMember],
        groups: list[ImportGroup],
        *,
        invite: bool = True,
        batch_size: int = ...,
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class Outcome:
    action: Action
    ok: bool
    error: str | None = None
    created_id: str | None = None
    """The id of the member or group the action created."""


class DependencyFailed(Exception):
    """Something this action needs was not created."""


class Executor:
    def __init__(
        self,
        client: SyncClient,
        max_concurrency: int = 8,
        on_outcome: Callable[[Outcome], None] | None = None,
        stop: StopRequest | None = None,
    ) -> None:
        """*on_outcome* hears of each outcome as it happens (the audit trail), from any thread.

        Once *stop* is set no new action starts; those in flight finish and are reported.
        """
        self._client = client
        self._stop = stop
        self._workers = max_concurrency
        self._on_outcome = on_outcome
        self._lock = threading.Lock()
        self._members: dict[str, str] = {}
        self._groups: dict[str, str] = {}

    def apply(self, plan: Plan) -> list[Outcome]:
        """Run every runnable action; withheld ones, and those a stop kept from starting,
        are not touched (not in the result)."""
        outcomes: list[Outcome] = []
        runnable = plan.runnable()
        by_phase: dict[int, list[Action]] = {}
        for action in runnable:
            if not _via_import(action):
                by_phase.setdefault(phase_of(action), []).append(action)
        for phase in sorted(set(PHASES.values())):
            if phase == PHASES["invite"]:
                imported = [a for a in runnable if _via_import(a)]
                outcomes += self._import(imported, plan.writes.import_batch)
            outcomes += self._parallel(by_phase.get(phase, []))
        return outcomes

    def _stopped(self) -> bool:
        return self._stop is not None and self._stop.is_set()

    def _parallel(self, actions: Sequence[Action]) -> list[Outcome]:
        if len(actions) <= 1 or self._workers == 1:
            done = [self._run(a) for a in actions]
        else:
            with ThreadPoolExecutor(self._workers, thread_name_prefix="dirsync-apply") as pool:
                done = list(pool.map(self._run, actions))
        return [o for o in done if o is not None]

    def _run(self, action: Action) -> Outcome | None:
        if self._stopped():
            return None
        try:
            created = self._perform(action)
        except (BitwardenError, DependencyFailed) as exc:
            return self._heard(Outcome(action, ok=False, error=str(exc)))
        return self._heard(Outcome(action, ok=True, created_id=created))

    def _heard(self, outcome: Outcome) -> Outcome:
        if self._on_outcome is not None:
            self._on_outcome(outcome)
        return outcome

    def _import(self, all_imported: Sequence[Action], batch_size: int) -> list[Outcome]:
        """One import for the invites, new groups and group memberships the plan routed
        through it (one more for the members to create Staged: the flag holds for a whole
        request); then the members and groups it created are listed to learn their ids."""
        if not all_imported or self._stopped():
            return []
        invites = [a for a in all_imported if isinstance(a, Invite)]
        creates = [a for a in all_imported if isinstance(a, CreateGroup)]
        staged = [_import_member(a) for a in invites if a.staged]
        invited = [_import_member(a) for a in invites if not a.staged]
        groups = [
            _import_group(a) for a in all_imported if isinstance(a, CreateGroup | SetGroupMembers)
        ]
        try:
            # Staged members first, so that the groups imported next can list them.
            if staged:
                self._client.import_org(staged, [], invite=False, batch_size=batch_size)
            if invited or groups:
                self._client.import_org(invited, groups, batch_size=batch_size)
            found_members, found_groups = self._created_ids(bool(invites), bool(creates))
        except BitwardenError as exc:
            return [self._heard(Outcome(a, ok=False, error=f"import: {exc}")) for a in all_imported]
        outcomes: list[Outcome] = []
        for action in all_imported:
            if isinstance(action, SetGroupMembers):
                outcomes.append(self._heard(Outcome(action, ok=True)))
                continue
            assert isinstance(action, Invite | CreateGroup)
            found = found_members if isinstance(action, Invite) else found_groups
            created = found.get(action.external_id)
            if created is None:
                outcomes.append(
                    self._heard(Outcome(action, ok=False, error="the import did not create it"))
                )
                continue
            self._remember(action, created)
            outcomes.append(self._heard(Outcome(action, ok=True, created_id=created)))
        return outcomes

    def _created_ids(self, members: bool, groups: bool) -> tuple[dict[str, str], dict[str, str]]:
        """External id -> id of the members and the groups (each listed only if asked)."""
        with ThreadPoolExecutor(2, thread_name_prefix="dirsync-verify") as pool:
            listed_groups = pool.submit(self._client.list_groups) if groups else None
            listed_members = self._client.list_members() if members else []
            return (
                {m.external_id: m.id for m in listed_members if m.external_id},
                {
                    g.external_id: g.id
                    for g in (listed_groups.result() if listed_groups else [])
                    if g.external_id
                },
            )

    def _remember(self, action: Invite | ReAddress | CreateGroup, created: str) -> None:
        with self._lock:
            target = self._groups if isinstance(action, CreateGroup) else self._members
            target[action.external_id] = created

    def _member(self, member_id: str | None, external_id: str) -> str:
        if member_id is not None:
            return member_id
        with self._lock:
            found = self._members.get(external_id)
        if found is None:
            raise DependencyFailed(f"member {external_id} was not created")
        return found

    def _group(self, group_id: str | None, external_id: str) -> str:
        if group_id is not None:
            return group_id
        with self._lock:
            found = self._groups.get(external_id)
        if found is None:
            raise DependencyFailed(f"group {external_id} was not created")
        return found

    def _created(self, known: dict[str, str], external_ids: Sequence[str]) -> list[str]:
        """Ids of the new members or groups that exist; a failed creation is left out
        (the failure is reported on its own action, and the next run adds the link)."""
        with self._lock:
            return [known[ext] for ext in external_ids if ext in known]

    def _kept_collections(
        self, member_id: str, kept: tuple[Association, ...] | None
    ) -> list[Association]:
        """The access to send back on a member PUT (null there would remove all of it)."""
        if kept is not None:
            return list(kept)
        return list(self._client.get_member(member_id).collections or ())

    def _perform(self, action: Action) -> str | None:
        c = self._client
        match action:
            case Invite():
                groups = [
                    *action.group_ids,
                    *self._created(self._groups, action.new_group_external_ids),
                ]
                member = c.invite_member(
                    action.email,
                    type=action.type,
                    external_id=action.external_id,
                    permissions=action.permissions,
                    groups=groups or None,
                )
                self._remember(action, member.id)
                return member.id
            case ReAddress():
                c.delete_member(action.member_id)
                member = c.invite_member(
                    action.email,
                    type=action.type,
                    external_id=action.external_id,
                    permissions=action.permissions,
                    collections=list(action.collections) if action.collections else None,
                    groups=list(action.group_ids) or None,
                )
                self._remember(action, member.id)
                return member.id
            case CreateGroup():
                group = c.create_group(
                    action.name,
                    external_id=action.external_id,
                    collections=list(action.collections) if action.collections else None,
                )
                self._remember(action, group.id)
                return group.id
            case Adopt() | TakeOverMember():
                self._put_member(action, action.member_id)
            case TakeOverGroup():
                c.update_group(action.group_id, name=action.name, external_id=action.external_id)
            case UpdateMember():
                self._put_member(action, self._member(action.member_id, action.external_id))
            case UpdateGroup():
                c.update_group(
                    self._group(action.group_id, action.external_id),
                    name=action.name,
                    external_id=action.external_id,
                    collections=list(action.collections)
                    if action.collections is not None
                    else None,
                )
            case SetGroupMembers():
                gid = self._group(action.group_id, action.group_external_id)
                new = self._created(self._members, action.new_member_external_ids)
                c.set_group_members(gid, [*action.member_ids, *new])
            case SetMemberGroups():
                mid = self._member(action.member_id, action.external_id)
                new = self._created(self._groups, action.new_group_external_ids)
                c.set_member_groups(mid, [*action.group_ids, *new])
            case Restore():
                c.restore_member(action.member_id)
            case Reinvite():
                c.reinvite_member(action.member_id)
            case Revoke():
                c.revoke_member(action.member_id)
            case Delete():
                c.delete_member(action.member_id)
            case DeleteGroup():
                c.delete_group(action.group_id)
            case _:
                assert_never(action)
        return None

    def _put_member(self, action: Adopt | TakeOverMember | UpdateMember, member_id: str) -> None:
        self._client.update_member(
            member_id,
            type=action.type,
            external_id=action.external_id,
            permissions=action.permissions,
            collections=self._kept_collections(member_id, action.collections),
        )


def _import_member(invite: Invite) -> ImportMember:
    return ImportMember(email=invite.email, external_id=invite.external_id)


def _import_group(action: CreateGroup | SetGroupMembers) -> ImportGroup:
    """A new group, or an existing one whose whole membership the import replaces."""
    external_id = (
        action.external_id if isinstance(action, CreateGroup) else action.group_external_id
    )
    return ImportGroup(
        name=action.name,
        external_id=external_id,
        member_external_ids=list(action.member_external_ids),
    )


def _via_import(action: Action) -> bool:
    return isinstance(action, Invite | CreateGroup | SetGroupMembers) and action.via_import
