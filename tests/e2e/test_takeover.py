"""Switching from Directory Connector (or from a hand-built org) is a non-event.

Real slapd, the served emulator, the real CLI. The org is first built the way Directory
Connector builds it (its import payload: DN externalIds, cn names, nested groups flattened,
posixGroup memberUid DNs read as DNs, members as User), then edited by hand (Admins, group
collection access). With `sync.takeover`, `plan` shows only takeover actions, `sync`
applies them, the next plan is empty, and ids, access, types and statuses are unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.e2e.directory_connector import build_like_connector, edit_by_hand
from tests.e2e.harness import Harness, kinds, ldap_source
from tests.emulator.helpers import Api
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import PEOPLE_DN, Directory, Group, User

SlapdFactory = Callable[..., SlapdServer]
ADMINS = ["alice@example.org", "erin@example.org"]


def _directory() -> Directory:
    users = [
        User(uid, f"{uid}@example.org", disabled=uid == "dave")
        for uid in ("alice", "bob", "carol", "dave", "erin")
    ]
    groups = [
        Group("engineering", "groupOfNames", users=("alice", "bob"), groups=("platform",)),
        Group("platform", "groupOfNames", users=("carol",)),
        Group("sales", "groupOfUniqueNames", users=("erin",)),
        # As in Directory Connector's own fixtures: memberUid values that are DNs.
        Group(
            "ops",
            "posixGroup",
            extra=(f"memberUid: uid=alice,{PEOPLE_DN}", f"memberUid: uid=erin,{PEOPLE_DN}"),
        ),
    ]
    return Directory(users, groups)


def _seed_collection(emulator: ServedEmulator) -> str:
    emulator.reset({"collections": [{"externalId": "shared"}]})
    return str(emulator.state()["collections"][0]["id"])


def _picture(emulator: ServedEmulator) -> dict[str, Any]:
    """What must not change: ids, types, statuses, collection access, group members."""
    state = emulator.state()
    return {
        "members": sorted(
            (m["id"], m["email"], m["type"], m["status"], str(m["collections"]))
            for m in state["members"]
        ),
        "groups": sorted(
            (g["id"], g["name"], str(g["collections"]), sorted(g["memberIds"]))
            for g in state["groups"]
        ),
    }


def _plan(h: Harness) -> dict[str, Any]:
    result = h.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def test_an_org_built_by_directory_connector_is_taken_over_in_place(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    directory = _directory()
    server = slapd_factory(directory)
    collection = _seed_collection(emulator)
    build_like_connector(emulator, directory)
    edit_by_hand(emulator, ADMINS, {"engineering": collection, "ops": collection})
    before = _picture(emulator)
    assert sum(1 for m in before["members"] if m[2] == 1) == 2

    h = Harness(emulator, tmp_path, ldap_source(server))
    baseline = _plan(h)
    assert "take-over-member" not in baseline["counts"]
    assert sum("already in the org" in w for w in baseline["warnings"]) == 4
    assert "create-group" not in baseline["counts"]

    h.sync["takeover"] = ["dn"]
    plan = _plan(h)
    assert plan["counts"] == {"take-over-member": 4, "take-over-group": 4}, plan["actions"]
    assert plan["warnings"] == []

    emulator.clear_requests()
    code, report = h.sync_json()
    assert code == 0, report
    assert report["counts"]["failed"] == {}
    assert {w.split(" ")[0] for w in h.writes()} == {"PUT"}
    assert _picture(emulator) == before
    uuids = server.entry_uuids()
    members = {m["email"]: m for m in emulator.state()["members"]}
    for uid in ("alice", "bob", "carol", "erin"):
        assert members[f"{uid}@example.org"]["externalId"] == uuids[uid]
    assert {g["name"]: g["externalId"] for g in emulator.state()["groups"]} == {
        name: uuids[name] for name in ("engineering", "platform", "sales", "ops")
    }

    emulator.clear_requests()
    code, again = h.sync_json()
    assert (code, kinds(again)) == (0, [])
    assert h.writes() == []


def test_a_hand_built_org_is_adopted_by_email_and_group_name(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    directory = _directory()
    server = slapd_factory(directory)
    collection = _seed_collection(emulator)
    api = Api(emulator)
    try:
        ids = {u.mail: api.invite(u.mail or "")["id"] for u in directory.users if not u.disabled}
        for group in directory.groups:
            uids = directory.transitive_uids(group.name) or {"alice", "erin"}
            api.create_group(
                group.name,
                collections=[{"id": collection, "readOnly": False}],
                memberIds=None,
            )
            gid = next(
                g["id"] for g in api.get("/public/groups").json()["data"] if g["name"] == group.name
            )
            wanted = [ids[f"{u}@example.org"] for u in uids if f"{u}@example.org" in ids]
            assert (
                api.put(f"/public/groups/{gid}/member-ids", {"memberIds": wanted}).status_code
                == 200
            )
    finally:
        api.close()
    edit_by_hand(emulator, ADMINS, {})
    before = _picture(emulator)

    h = Harness(emulator, tmp_path, ldap_source(server))
    h.sync["takeover"] = ["name"]
    plan = _plan(h)
    assert plan["counts"] == {"adopt": 4, "take-over-group": 4}, plan["actions"]
    code, report = h.sync_json()
    assert code == 0, report
    assert _picture(emulator) == before
    code, again = h.sync_json()
    assert (code, kinds(again)) == (0, [])
