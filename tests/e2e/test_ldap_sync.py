"""End to end: the real CLI, a real slapd, the served emulator over HTTP (contract §1)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import ldap3

from tests.e2e.harness import Harness, by_kind, kinds, ldap_source
from tests.fixtures.emulator import ServedEmulator
from tests.fixtures.slapd import SlapdServer
from tests.fixtures.slapd_data import PEOPLE_DN, generate_directory

SlapdFactory = Callable[..., SlapdServer]

ENABLED = {"alice@example.org", "bob@example.org", "carol@example.org", "erin@example.org"}


def test_initial_sync_into_an_empty_org_then_a_second_run_writes_nothing(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    h.sync["roles"] = [{"group": "ops", "type": "admin"}]
    code, report = h.sync_json()
    assert code == 0, report
    assert report["counts"]["failed"] == {}
    members = h.members()
    assert set(members) >= ENABLED
    assert "dave@example.org" not in members  # disabled in LDAP: never invited
    uuids = slapd.entry_uuids()
    assert members["alice@example.org"]["externalId"] == uuids["alice"]
    assert members["alice@example.org"]["type"] == 1  # ops -> admin (contract §2)
    assert members["bob@example.org"]["type"] == 2
    assert h.group_emails() == {
        "engineering": {"alice@example.org", "bob@example.org", "carol@example.org"},
        "platform": {"carol@example.org"},
        "sales": {"erin@example.org"},
        "ops": {"alice@example.org", "erin@example.org"},
    }
    assert {g["externalId"] for g in h.groups().values()} == {
        uuids[n] for n in ("engineering", "platform", "sales", "ops")
    }

    emulator.clear_requests()
    code, again = h.sync_json()
    assert code == 0
    assert again["plan"]["actions"] == []
    assert h.writes() == []
    assert h.run("plan", "--detailed-exitcode").exit_code == 0


def test_many_joiners_go_through_import_and_converge(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    directory = generate_directory(users=60, groups=3)
    server = slapd_factory(directory)
    h = Harness(emulator, tmp_path, ldap_source(server))
    h.sync["roles"] = [{"group": "group001", "type": "admin"}]
    code, report = h.sync_json()
    assert code == 0, report["counts"]
    invites = by_kind(report, "invite")
    assert len(invites) == sum(not u.disabled for u in directory.users)
    assert all(i["via_import"] for i in invites)
    imports = [w for w in h.writes() if w.endswith("/organization/import")]
    assert len(imports) == 1
    admins = {m["email"] for m in h.members().values() if m["type"] == 1}
    assert len(admins) == len(by_kind(report, "update-member")) > 0
    emulator.clear_requests()
    code, again = h.sync_json()
    assert (code, kinds(again), h.writes()) == (0, [], [])


def test_joiners_leavers_movers_and_a_renamed_entry(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    server = slapd_factory()
    h = Harness(emulator, tmp_path, ldap_source(server))
    assert h.sync_json()[0] == 0
    before = h.members()
    server.modify(
        f"""dn: uid=frank,{PEOPLE_DN}
changetype: add
objectClass: inetOrgPerson
uid: frank
cn: Frank Test
sn: frank
mail: frank@example.org

dn: cn=engineering,ou=groups,dc=example,dc=org
changetype: modify
add: member
member: uid=frank,{PEOPLE_DN}
-
delete: member
member: uid=bob,{PEOPLE_DN}

dn: cn=sales,ou=groups,dc=example,dc=org
changetype: modify
add: uniqueMember
uniqueMember: uid=bob,{PEOPLE_DN}

dn: uid=erin,{PEOPLE_DN}
changetype: delete

dn: uid=carol,{PEOPLE_DN}
changetype: modrdn
newrdn: uid=caroline
deleteoldrdn: 1
"""
    )
    # refint rewrites member DNs in the background: renaming the group before it is done
    # would lose that rewrite.
    _await_refint(server, "cn=platform,ou=groups,dc=example,dc=org", f"uid=caroline,{PEOPLE_DN}")
    server.modify(
        """dn: cn=platform,ou=groups,dc=example,dc=org
changetype: modrdn
newrdn: cn=platform-team
deleteoldrdn: 1

dn: cn=ops,ou=groups,dc=example,dc=org
changetype: delete
"""
    )
    code, report = h.sync_json()
    assert code == 0, report["counts"]
    targets = {(a["kind"], a.get("email") or a.get("name")) for a in report["plan"]["actions"]}
    assert ("invite", "frank@example.org") in targets
    assert ("revoke", "erin@example.org") in targets
    assert not any(email == "carol@example.org" for _, email in targets)
    after = h.members()
    assert after["erin@example.org"]["status"] == -1
    assert after["carol@example.org"]["id"] == before["carol@example.org"]["id"]
    groups = h.group_emails()
    assert "bob@example.org" not in groups["engineering"]
    assert "bob@example.org" in groups["sales"]
    assert "frank@example.org" in groups["engineering"]
    assert "carol@example.org" in groups["platform-team"]
    assert "ops" not in groups
    assert ("update-group", "platform-team") in targets
    assert ("delete-group", "ops") in targets
    assert h.run("plan", "--detailed-exitcode").exit_code == 0


def _await_refint(server: SlapdServer, group_dn: str, member_dn: str) -> None:
    """slapd's refint overlay rewrites member DNs after a rename in the background."""
    connection = ldap3.Connection(
        ldap3.Server(server.ldap_url), server.root_dn, server.root_password, auto_bind=True
    )
    with connection:
        for _ in range(100):
            connection.search(group_dn, "(objectClass=*)", ldap3.BASE, attributes=["member"])
            if member_dn in connection.entries[0].member.values:
                return
            time.sleep(0.05)
    raise AssertionError(f"refint did not update {group_dn} within 5 s")


def _disable(server: SlapdServer, uid: str, disabled: bool) -> None:
    change = "add: employeeType\nemployeeType: disabled" if disabled else "delete: employeeType"
    server.modify(f"dn: uid={uid},{PEOPLE_DN}\nchangetype: modify\n{change}\n")


def test_disabled_revoked_reenabled_restored_then_deleted_after_grace(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    server = slapd_factory()
    h = Harness(emulator, tmp_path, ldap_source(server))
    h.sync["delete_after_days"] = 30
    assert h.sync_json(now="2026-11-01T00:00:00+00:00")[0] == 0
    alice = h.members()["alice@example.org"]["id"]

    _disable(server, "alice", True)
    code, report = h.sync_json(now="2026-11-02T00:00:00+00:00")
    assert (code, kinds(report)) == (0, ["revoke"])
    assert h.members()["alice@example.org"]["status"] == -1

    _disable(server, "alice", False)
    code, report = h.sync_json(now="2026-11-03T00:00:00+00:00")
    assert (code, kinds(report)) == (0, ["restore"])
    assert h.members()["alice@example.org"]["status"] != -1
    assert h.members()["alice@example.org"]["id"] == alice

    _disable(server, "alice", True)
    assert kinds(h.sync_json(now="2026-11-04T00:00:00+00:00")[1]) == ["revoke"]
    assert kinds(h.sync_json(now="2026-12-03T23:00:00+00:00")[1]) == []
    code, report = h.sync_json(now="2026-12-04T00:00:00+00:00")
    assert (code, kinds(report)) == (0, ["delete"])
    assert "alice@example.org" not in h.members()


def test_a_member_revoked_by_a_person_stays_revoked(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    assert h.sync_json()[0] == 0
    result = h.run("offboard", "bob@example.org")
    assert result.exit_code == 0, result.output
    emulator.clear_requests()
    result = h.run("sync")
    assert result.exit_code == 0, result.output
    assert "bob@example.org: revoked by a person; left revoked" in result.stderr
    assert h.writes() == []
    assert h.members()["bob@example.org"]["status"] == -1


def test_owners_protected_and_foreign_untouched_and_adopted_by_email(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    emulator.reset(
        {
            "members": [
                {"email": "owner@example.com", "type": 0, "status": 2},
                {"email": "Bob@Example.org", "type": 1, "status": 2},
                {"email": "erin@example.org", "type": 0, "status": 2},
                {"email": "hr@example.org", "type": 2, "status": 2, "externalId": "hr-1"},
                {"email": "alice@example.org", "type": 2, "status": 2, "externalId": "legacy-7"},
            ]
        }
    )
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    h.sync["protected"] = ["carol@example.org"]
    before = h.members()
    code, report = h.sync_json()
    assert code == 0, report
    after = h.members()
    uuids = slapd.entry_uuids()
    assert after["bob@example.org"]["externalId"] == uuids["bob"]
    assert after["bob@example.org"]["id"] == before["bob@example.org"]["id"]
    assert after["bob@example.org"]["type"] == 1  # no sync.roles: the type a person gave stays
    for email in ("owner@example.com", "erin@example.org", "hr@example.org", "alice@example.org"):
        assert after[email] == before[email]
    assert "carol@example.org" not in after
    untouched = {
        before[e]["id"] for e in ("erin@example.org", "hr@example.org", "alice@example.org")
    }
    groups = h.group_emails()
    assert not any(
        e in members
        for members in groups.values()
        for e in ("erin@example.org", "alice@example.org")
    )
    assert all(mid not in path for mid in untouched for path in h.writes())
    warnings = report["plan"]["warnings"]
    assert any("alice@example.org" in w and "legacy-7" in w for w in warnings)


def test_ldap_down_exits_1_with_zero_writes(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    server = slapd_factory()
    h = Harness(emulator, tmp_path, ldap_source(server))
    assert h.sync_json()[0] == 0
    server.stop()
    emulator.clear_requests()
    result = h.run("sync")
    assert result.exit_code == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("dirsync: error: ldap source:")
    assert "Traceback" not in result.stderr
    assert h.writes() == []


def test_empty_ou_aborts_before_planning(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    assert h.sync_json()[0] == 0
    emulator.clear_requests()
    h.source = ldap_source(slapd, base="ou=services,dc=example,dc=org")
    result = h.run("sync")
    assert result.exit_code == 1
    assert "no users" in result.stderr
    assert h.writes() == []
    assert all(m["status"] != -1 for m in h.members().values())


def test_sixty_percent_leavers_are_withheld_while_joiners_are_invited(
    emulator: ServedEmulator, slapd_factory: SlapdFactory, tmp_path: Path
) -> None:
    directory = generate_directory(users=10, groups=1)
    directory.users = [u for u in directory.users if not u.disabled]
    server = slapd_factory(directory)
    h = Harness(emulator, tmp_path, ldap_source(server))
    assert h.sync_json()[0] == 0
    managed = len(h.members()) - 1
    leavers = [u.uid for u in directory.users[:6]]
    server.modify("\n".join(f"dn: uid={uid},{PEOPLE_DN}\nchangetype: delete\n" for uid in leavers))
    server.modify(
        f"dn: uid=newbie,{PEOPLE_DN}\nchangetype: add\nobjectClass: inetOrgPerson\n"
        "uid: newbie\ncn: New\nsn: newbie\nmail: newbie@example.org\n"
    )
    h.sync = {"max_removals": 25, "max_removal_percent": 10}
    result = h.run("sync")
    assert result.exit_code == 3, result.output
    assert "WITHHELD 6 removals" in result.stdout
    assert f"6 removals are {600 / managed:.1f}% of {managed} managed" in result.stdout
    members = h.members()
    assert "newbie@example.org" in members
    assert all(m["status"] != -1 for m in members.values())

    code, report = h.sync_json("--allow-removals", "6")
    assert (code, kinds(report)) == (0, ["revoke"] * 6)
    assert sum(m["status"] == -1 for m in h.members().values()) == 6


def test_plan_shows_exactly_what_sync_then_does(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    emulator.reset({"members": [{"email": "owner@example.com", "type": 0, "status": 2},
                                {"email": "bob@example.org", "type": 2, "status": 2}]})  # fmt: skip
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    planned = h.run("plan", "--format", "json", "--detailed-exitcode")
    assert planned.exit_code == 5
    assert h.writes() == []
    code, report = h.sync_json()
    assert code == 0
    assert json.loads(planned.stdout)["actions"] == report["plan"]["actions"]
    assert [r["result"] for r in report["results"]] == ["ok"] * len(report["plan"]["actions"])


def test_collection_access_of_synced_groups_converges(
    emulator: ServedEmulator, slapd: SlapdServer, tmp_path: Path
) -> None:
    secrets, wiki = "3f8e4c1a-0000-4000-8000-000000000001", "3f8e4c1a-0000-4000-8000-000000000002"
    emulator.reset(
        {
            "members": [{"email": "owner@example.com", "type": 0, "status": 2}],
            "collections": [{"id": secrets, "externalId": "eng-secrets"}, {"id": wiki}],
        }
    )
    h = Harness(emulator, tmp_path, ldap_source(slapd))
    h.sync["collections"] = [
        {"group": "engineering", "collection": "eng-secrets", "read_only": True},
        {"group": "Engineering", "collection": wiki, "manage": True},
    ]
    code, report = h.sync_json()
    assert code == 0, report
    access = {a["id"]: a for a in h.groups()["engineering"]["collections"]}
    assert access[secrets]["readOnly"] is True
    assert access[wiki]["manage"] is True
    assert h.groups()["sales"]["collections"] == []
    emulator.clear_requests()
    assert (h.sync_json()[0], h.writes()) == (0, [])

    h.sync["collections"] = [{"group": "engineering", "collection": "no-such"}]
    result = h.run("plan")
    assert result.exit_code == 1
    assert "collection 'no-such' (group 'engineering') matches no collection" in result.stderr
