"""Bodies for ``POST /public/organization/import`` (contract §1 Import), split like bwdc does.

One request when everything fits in one batch (the planner chooses the size, 2,000 or
more); otherwise batches of members first (``groups: []``), then batches of groups
(``members: []``), as bwdc does. ``largeImport`` is set on any request past the cloud's
2,000 limit, and on every batch. Batches of one kind do not depend on each other and go
together; the groups wait for the members they name.
``overwriteExisting`` is always false: dirsync removes members itself, after its safety
checks.
"""

from __future__ import annotations

from typing import Any

from dirsync.bitwarden.models import IMPORT_SMALL_LIMIT, ApiModel


class ImportMember(ApiModel):
    email: str | None
    external_id: str
    deleted: bool = False


class ImportGroup(ApiModel):
    name: str
    external_id: str
    member_external_ids: list[str]


def _body(
    members: list[ImportMember], groups: list[ImportGroup], large: bool, invite: bool
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "members": [member.wire() for member in members],
        "groups": [group.wire() for group in groups],
        "overwriteExisting": False,
        "largeImport": large,
    }
    if not invite:
        # v2026.7.0 and later (with its staged-status flag): new members are Staged.
        body["inviteUsersAfterProvisioning"] = False
    return body


def import_stages(
    members: list[ImportMember],
    groups: list[ImportGroup],
    batch_size: int = IMPORT_SMALL_LIMIT,
    *,
    invite: bool = True,
) -> list[list[dict[str, Any]]]:
    """The request bodies in stages: those of one stage may be sent at once, a stage
    starts when the one before has ended. *invite* False: new members are created Staged
    (contract §1 Import, ``inviteUsersAfterProvisioning``)."""
    if len(members) <= batch_size and len(groups) <= batch_size:
        large = max(len(members), len(groups)) > IMPORT_SMALL_LIMIT
        return [[_body(members, groups, large=large, invite=invite)]]
    stages = [
        [
            _body(members[start : start + batch_size], [], large=True, invite=invite)
            for start in range(0, len(members), batch_size)
        ],
        [
            _body([], groups[start : start + batch_size], large=True, invite=invite)
            for start in range(0, len(groups), batch_size)
        ],
    ]
    return [stage for stage in stages if stage]
