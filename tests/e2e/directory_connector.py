"""An organization as Bitwarden's Directory Connector (v2026.6.1) leaves it after syncing
an OpenLDAP directory: what its import sends, then what admins typically do by hand.

From its source: a user's and a group's externalId is the entry's DN as the server returned
it (no objectGUID on OpenLDAP); group names come from ``name``, else ``cn``; nested groups
are flattened; posixGroup ``memberUid`` values that look like DNs are read as DNs; members
are invited as User; member names are never set.
"""

from __future__ import annotations

from typing import Any

from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd_data import Directory, Group

MEMBER_UID_DN = "memberUid: uid="


def _member_uid_dns(group: Group) -> set[str]:
    """uids named by DN in a posixGroup's memberUid lines (Directory Connector's fixtures)."""
    return {
        line.removeprefix(MEMBER_UID_DN).split(",", 1)[0]
        for line in group.extra
        if line.startswith(MEMBER_UID_DN)
    }


def connector_import(directory: Directory) -> dict[str, Any]:
    """The import body Directory Connector sends for *directory* (enabled users only)."""
    enabled = {u.uid: u for u in directory.users if not u.disabled and u.mail}
    by_name = {g.name: g for g in directory.groups}
    groups = []
    for group in directory.groups:
        uids = directory.transitive_uids(group.name) | _member_uid_dns(group)
        for nested in group.groups:
            uids |= _member_uid_dns(by_name[nested])
        groups.append(
            {
                "name": group.name,
                "externalId": group.dn,
                "memberExternalIds": sorted(enabled[u].dn for u in uids if u in enabled),
            }
        )
    members = [{"email": u.mail, "externalId": u.dn, "deleted": False} for u in enabled.values()]
    return {
        "groups": groups,
        "members": members,
        "overwriteExisting": False,
        "largeImport": False,
    }


def build_like_connector(emulator: ServedEmulator, directory: Directory) -> None:
    """Sync *directory* into the emulator's org the way Directory Connector does."""
    api = Api(emulator)
    try:
        answer = api.post("/public/organization/import", connector_import(directory))
        assert answer.status_code == 200, answer.text
    finally:
        api.close()


def edit_by_hand(emulator: ServedEmulator, admins: list[str], group_access: dict[str, str]) -> None:
    """What admins do afterwards in the web vault: make members Admin (by email) and give
    groups access to collections (group name -> collection id)."""
    api = Api(emulator)
    try:
        members = api.get("/public/members").json()["data"]
        for member in members:
            if member["email"] in admins:
                body = {
                    "type": 1,
                    "externalId": member["externalId"],
                    "collections": member.get("collections") or [],
                }
                answer = api.put(f"/public/members/{member['id']}", body)
                assert answer.status_code == 200, answer.text
        for group in api.get("/public/groups").json()["data"]:
            collection = group_access.get(group["name"])
            if collection is not None:
                body = {
                    "name": group["name"],
                    "externalId": group["externalId"],
                    "collections": [{"id": collection, "readOnly": True}],
                }
                answer = api.put(f"/public/groups/{group['id']}", body)
                assert answer.status_code == 200, answer.text
    finally:
        api.close()
