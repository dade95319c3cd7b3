"""The Bitwarden Public API client: every call dirsync makes goes through here.

Synchronous and thread-safe; one token cache, one throttle, one retry policy.

Retries never duplicate a change:

- GET, PUT and DELETE are retried blindly, and so is a GET or PUT answered 200
  with a body that cannot be read. A PUT replaces state, so a repeat changes
  nothing; a DELETE answered 404 after an attempt with an unknown outcome had
  done its work.
- Import is retried blindly too: see :meth:`BitwardenClient.import_org`.
- POST invite, revoke, restore, reinvite and group creation are verified: after
  an attempt whose outcome is unknown (a 5xx, a broken connection, or a 200 whose
  body cannot be read; not a 429),
  the client reads the member or the groups to see whether it took effect before
  sending again, and accepts the server's "already done" answers
  ("This user has already been invited.", "Already revoked.", "Already active.")
  as success once such an attempt has happened.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dirsync.bitwarden.errors import AlreadyExists, BadRequest, NotFound
from dirsync.bitwarden.imports import ImportGroup, ImportMember, import_stages
from dirsync.bitwarden.models import (
    IMPORT_SMALL_LIMIT,
    Association,
    Group,
    Member,
    MemberStatus,
    MemberType,
    Permissions,
)
from dirsync.bitwarden.reads import GROUP, MEMBER, ReadClient
from dirsync.bitwarden.retry import Retryable

log = logging.getLogger(__name__)


def _associations(items: list[Association] | None) -> list[dict[str, Any]] | None:
    return None if items is None else [item.wire() for item in items]


class BitwardenClient(ReadClient):
    """Reads (see :class:`ReadClient`) and every write the sync needs."""

    # Idempotent writes: blind retries.

    def update_member(
        self,
        member_id: str,
        *,
        type: MemberType,
        external_id: str | None,
        permissions: Permissions | None = None,
        collections: list[Association] | None = None,
        groups: list[str] | None = None,
    ) -> Member:
        """PUT semantics (contract §1): ``collections`` None removes all collection access,
        ``groups`` None leaves groups unchanged, ``permissions`` only with type Custom."""
        path = f"/public/members/{member_id}"
        body = {
            "type": int(type),
            "externalId": external_id,
            "permissions": permissions.wire() if permissions is not None else None,
            "collections": _associations(collections),
            "groups": groups,
        }
        return self._session.fetch("PUT", path, MEMBER, json=body)

    def set_member_groups(self, member_id: str, group_ids: list[str]) -> None:
        """Replace the member's groups."""
        body = {"groupIds": group_ids}
        self._session.request("PUT", f"/public/members/{member_id}/group-ids", json=body)

    def update_group(
        self,
        group_id: str,
        *,
        name: str,
        external_id: str | None,
        collections: list[Association] | None = None,
    ) -> Group:
        """``collections`` None keeps the stored collection access (contract §1 Groups)."""
        path = f"/public/groups/{group_id}"
        body = {"name": name, "externalId": external_id, "collections": _associations(collections)}
        return self._session.fetch("PUT", path, GROUP, json=body)

    def set_group_members(self, group_id: str, member_ids: list[str]) -> None:
        """Replace the group's members."""
        body = {"memberIds": member_ids}
        self._session.request("PUT", f"/public/groups/{group_id}/member-ids", json=body)

    def delete_member(self, member_id: str) -> None:
        """Remove the member from the organization (permanent)."""
        self._delete(f"/public/members/{member_id}")

    def delete_group(self, group_id: str) -> None:
        self._delete(f"/public/groups/{group_id}")

    def import_org(
        self,
        members: list[ImportMember],
        groups: list[ImportGroup],
        *,
        invite: bool = True,
        batch_size: int = IMPORT_SMALL_LIMIT,
    ) -> None:
        """Import in bwdc order, *batch_size* members (or groups) a request, a stage's
        batches at once (see :mod:`dirsync.bitwarden.imports`).

        A blind retry is safe: with ``overwriteExisting`` false the server matches
        members and groups by externalId, skips emails already in the org and
        replaces each group's membership with the same set, so a batch that took
        effect before its answer was lost changes nothing the second time.
        """
        for stage in import_stages(members, groups, batch_size, invite=invite):
            self.in_parallel(
                lambda body: self._session.request(
                    "POST", "/public/organization/import", json=body
                ),
                stage,
            )

    def _delete(self, path: str) -> None:
        uncertain = False

        def attempt(previous: Retryable | None) -> None:
            nonlocal uncertain
            uncertain = uncertain or (previous is not None and previous.maybe_applied)
            try:
                self._session.send_once("DELETE", path)
            except NotFound:
                if not uncertain:
                    raise
                log.debug("DELETE %s: 404 after an uncertain attempt, already deleted", path)

        self._session.retrying(attempt, what=f"DELETE {path}")

    # Verified writes.

    def invite_member(
        self,
        email: str,
        *,
        type: MemberType,
        external_id: str | None,
        permissions: Permissions | None = None,
        collections: list[Association] | None = None,
        groups: list[str] | None = None,
    ) -> Member:
        """Invite ``email``; :class:`AlreadyExists` if it is already in the organization."""
        path = "/public/members"
        body = {
            "email": email,
            "type": int(type),
            "externalId": external_id,
            "permissions": permissions.wire() if permissions is not None else None,
            "collections": _associations(collections),
            "groups": groups,
        }
        uncertain = False

        def attempt(previous: Retryable | None) -> Member:
            nonlocal uncertain
            if previous is not None and previous.maybe_applied:
                uncertain = True
                found = self.find_member_by_email(email)
                if found is not None:
                    log.debug("invite: an earlier attempt had taken effect (%s)", found.id)
                    return found
            try:
                answer = self._session.send_once("POST", path, json=body)
                return self._session.decoded(answer, MEMBER, f"POST {path} (invite)")
            except AlreadyExists:
                found = self.find_member_by_email(email) if uncertain else None
                if found is None:
                    raise
                return found

        return self._session.retrying(attempt, what=f"POST {path} (invite)")

    def create_group(
        self, name: str, *, external_id: str | None, collections: list[Association] | None = None
    ) -> Group:
        """Create a group; after an uncertain attempt, an existing group with the same
        externalId (or, without one, the same name) is taken as the one created."""
        path = "/public/groups"
        body = {"name": name, "externalId": external_id, "collections": _associations(collections)}

        def same(group: Group) -> bool:
            return group.external_id == external_id if external_id else group.name == name

        def attempt(previous: Retryable | None) -> Group:
            if previous is not None and previous.maybe_applied:
                for group in self.list_groups():
                    if same(group):
                        return group
            answer = self._session.send_once("POST", path, json=body)
            return self._session.decoded(answer, GROUP, f"POST {path}")

        return self._session.retrying(attempt, what=f"POST {path}")

    def revoke_member(self, member_id: str) -> None:
        self._member_action(
            member_id,
            "revoke",
            settled=lambda m: m.status == MemberStatus.REVOKED,
            already="Already revoked.",
        )

    def restore_member(self, member_id: str) -> None:
        self._member_action(
            member_id,
            "restore",
            settled=lambda m: m.status != MemberStatus.REVOKED,
            already="Already active.",
        )

    def reinvite_member(self, member_id: str) -> None:
        """Resend the invitation. Its only effect is an email, which the API cannot show:
        a retry after an uncertain attempt may send a second one, unless the member has
        meanwhile left the Invited status (then there is nothing left to resend)."""
        self._member_action(
            member_id, "reinvite", settled=lambda m: m.status != MemberStatus.INVITED, already=None
        )

    def _member_action(
        self,
        member_id: str,
        action: str,
        *,
        settled: Callable[[Member], bool],
        already: str | None,
    ) -> None:
        path = f"/public/members/{member_id}/{action}"
        uncertain = False

        def attempt(previous: Retryable | None) -> None:
            nonlocal uncertain
            if previous is not None and previous.maybe_applied:
                uncertain = True
                if settled(self.get_member(member_id)):
                    log.debug("POST %s: an earlier attempt had taken effect", path)
                    return
            try:
                self._session.send_once("POST", path)
            except BadRequest as exc:
                if not (uncertain and already is not None and exc.message == already):
                    raise

        self._session.retrying(attempt, what=f"POST {path}")
