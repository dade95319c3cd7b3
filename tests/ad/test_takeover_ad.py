"""An org that Directory Connector synced from Active Directory needs no change at all.

Directory Connector's externalId on AD is the entry's objectGUID as a lowercase GUID string,
which is dirsync's AD id too. The org is built here from the fixture's layout and the GUIDs
read raw from the real Samba AD DC (not through dirsync's source), imported the way
Directory Connector imports; then `dirsync plan` (real CLI, served emulator) is empty.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from tests.e2e.harness import Harness
from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.samba import SambaDirectory


def _guids(samba_ad: SambaDirectory) -> dict[str, str]:
    """sAMAccountName or group name -> objectGUID, decoded here with the uuid module."""
    conn = samba_ad.connect()
    try:
        entries = conn.extend.standard.paged_search(
            samba_ad.layout.root,
            "(|(objectClass=user)(objectClass=group))",
            attributes=["objectGUID", "sAMAccountName", "name"],
            paged_size=500,
            generator=False,
        )
    finally:
        conn.unbind()
    guids: dict[str, str] = {}
    for entry in entries:
        if entry.get("type") != "searchResEntry":
            continue
        raw = entry["raw_attributes"]
        key = raw["sAMAccountName"][0].decode()
        guids[key] = str(uuid.UUID(bytes_le=raw["objectGUID"][0]))
        guids.setdefault(raw["name"][0].decode(), guids[key])
    return guids


def _connector_import(samba_ad: SambaDirectory, guids: dict[str, str]) -> dict[str, Any]:
    layout = samba_ad.layout
    synced = {
        sam: (layout.mail(sam) or "").lower()
        for sam in [*layout.people, *layout.bulk]
        if sam != layout.disabled_sam and layout.mail(sam)
    }
    return {
        "members": [
            {"email": email, "externalId": guids[sam], "deleted": False}
            for sam, email in synced.items()
        ],
        "groups": [
            {
                "name": name,
                "externalId": guids[name],
                "memberExternalIds": sorted(
                    guids[sam] for sam in layout.transitive_users(name) if sam in synced
                ),
            }
            for name in layout.groups
        ],
        "overwriteExisting": False,
        "largeImport": False,
    }


def test_an_org_synced_from_ad_by_directory_connector_needs_no_action(
    samba_ad: SambaDirectory, emulator: ServedEmulator, tmp_path: Path
) -> None:
    guids = _guids(samba_ad)
    api = Api(emulator)
    try:
        answer = api.post("/public/organization/import", _connector_import(samba_ad, guids))
        assert answer.status_code == 200, answer.text
    finally:
        api.close()
    settings = samba_ad.settings()
    assert settings.ldap is not None
    ldap = {
        "urls": settings.ldap.urls,
        "ca_file": str(samba_ad.ca_file),
        "bind_dn": samba_ad.bind_dn,
        "bind_password": samba_ad.bind_password,
        "active_directory": True,
        "timeout_seconds": 30,
        "users": {"base": samba_ad.layout.users_base},
        "groups": {"base": samba_ad.layout.groups_base},
    }
    h = Harness(emulator, tmp_path, {"source": {"type": "ldap"}, "ldap": ldap})
    result = h.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["actions"] == []
    layout = samba_ad.layout
    assert plan["managed_members"] == layout.people_count + layout.bulk_count
    assert plan["managed_groups"] == len(samba_ad.layout.groups)
