"""Bodies for ``POST /public/organization/import`` (contract §1 Import), split like bwdc does.

One request when everything fits in 2000 members and 2000 groups; otherwise
batches of members first (``groups: []``), then batches of groups
(``members: []``), all with ``largeImport: true``. ``overwriteExisting`` is
always false: dirsync removes members itself, after its safety checks.
"""

from __future__ import annotations

from typing import Any

from dirsync.bitwarden.models import ApiModel

BATCH_SIZE = 2000


class ImportMember(ApiModel):
    email: str | None
    external_id: str
    deleted: bool = False


class ImportGroup(ApiModel):
    name: str
    external_id: str
    member_external_ids: list[str]


def _body(members: list[ImportMember], groups: list[ImportGroup], large: bool) -> dict[str, Any]:
    return {
        "members": [member.wire() for member in members],
        "groups": [group.wire() for group in groups],
        "overwriteExisting": False,
        "largeImport": large,
    }


def import_batches(
    members: list[ImportMember], groups: list[ImportGroup], batch_size: int = BATCH_SIZE
) -> list[dict[str, Any]]:
    """The request bodies, in the order they must be sent."""
    if len(members) <= batch_size and len(groups) <= batch_size:
        return [_body(members, groups, large=False)]
    bodies = [
        _body(members[start : start + batch_size], [], large=True)
        for start in range(0, len(members), batch_size)
    ]
    bodies += [
        _body([], groups[start : start + batch_size], large=True)
        for start in range(0, len(groups), batch_size)
    ]
    return bodies
