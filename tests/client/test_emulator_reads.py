"""Reads, dry-run and credentials against the served emulator (contract §0, §1, §3)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import SecretStr

from dirsync.bitwarden import session
from dirsync.bitwarden.client import BitwardenClient
from dirsync.bitwarden.errors import AuthError, DryRunRefused, InvalidResponse, NotFound
from dirsync.bitwarden.imports import ImportGroup, ImportMember
from dirsync.bitwarden.models import MemberStatus, MemberType
from tests.client.served import api_requests, client_for, member, new_id, organization, owner
from tests.fixtures.emulator import ServedEmulator


def _org_with_groups(groups: int, members_per_group: int) -> dict[str, object]:
    people = [member(f"u{i}@example.com", f"u{i}") for i in range(groups * members_per_group)]
    group_docs = [
        {"name": f"G{g}", "externalId": f"g{g}",
         "memberIds": [p["id"] for p in people[g * members_per_group:(g + 1) * members_per_group]]}
        for g in range(groups)
    ]  # fmt: skip
    return {"organization": organization(), "members": [owner(), *people], "groups": group_docs}


def test_read_org_takes_three_plus_g_calls(emulator: ServedEmulator) -> None:
    """Members, groups, the subscription, and each group's member ids; never more than
    the ceiling in flight."""
    emulator.reset(_org_with_groups(groups=12, members_per_group=3))
    emulator.clear_requests()
    with client_for(emulator, max_concurrency=4) as client:
        org = client.read_org()[0]
        stats = client.stats
    assert len(org.members) == 37
    assert len(org.groups) == 12
    by_name = {g.name: g.id for g in org.groups}
    emails = {m.id: m.email for m in org.members}
    assert {emails[i] for i in org.group_members[by_name["G1"]]} == {
        "u3@example.com", "u4@example.com", "u5@example.com"
    }  # fmt: skip
    reads = [r for r in api_requests(emulator) if r["method"] == "GET"]
    assert len(reads) == 3 + 12
    assert stats.calls["GET /public/groups/{id}/member-ids"] == 12
    assert stats.calls["GET /public/organization/subscription"] == 1
    assert stats.total_calls == 3 + 12 + 1
    assert 1 <= client.concurrency_peak <= 4


def test_member_lifecycle_through_the_client(emulator: ServedEmulator) -> None:
    with client_for(emulator) as client:
        group = client.create_group("Ops", external_id="ops")
        invited = client.invite_member(
            "new@example.com", type=MemberType.USER, external_id="n1", groups=[group.id]
        )
        assert invited.status is MemberStatus.INVITED
        assert client.get_member_group_ids(invited.id) == [group.id]
        client.set_member_groups(invited.id, [])
        assert client.get_group_member_ids(group.id) == []
        client.set_group_members(group.id, [invited.id])
        assert client.get_member_group_ids(invited.id) == [group.id]
        updated = client.update_member(invited.id, type=MemberType.ADMIN, external_id="n1b")
        assert (updated.type, updated.external_id) == (MemberType.ADMIN, "n1b")
        renamed = client.update_group(group.id, name="Operations", external_id="ops")
        assert renamed.name == "Operations"
        client.reinvite_member(invited.id)
        client.revoke_member(invited.id)
        assert client.get_member(invited.id).status is MemberStatus.REVOKED
        client.restore_member(invited.id)
        assert client.get_member(invited.id).status is MemberStatus.INVITED
        assert client.find_member_by_email("NEW@example.com") is not None
        client.delete_member(invited.id)
        client.delete_group(group.id)
        with pytest.raises(NotFound):
            client.get_member(invited.id)
        assert client.list_groups() == []
        types = [event.type for event in client.list_events()]
    assert {1500, 1502, 1511, 1512, 1503, 1400, 1401} <= set(types)


def test_import_in_batches_members_first(emulator: ServedEmulator) -> None:
    members = [ImportMember(email=f"i{i}@example.com", external_id=f"i{i}") for i in range(2500)]
    groups = [ImportGroup(name="All", external_id="all", member_external_ids=["i0", "i2499"])]
    emulator.clear_requests()
    with client_for(emulator) as client:
        client.import_org(members, groups)
        org = client.read_org()[0]
    posts = [r for r in api_requests(emulator) if r["path"] == "/public/organization/import"]
    assert len(posts) == 3
    assert len(org.members) == 2501
    (group,) = org.groups
    emails = {m.id: m.email for m in org.members}
    assert {emails[i] for i in org.group_members[group.id]} == {
        "i0@example.com", "i2499@example.com"
    }  # fmt: skip


def test_dry_run_sends_no_write(emulator: ServedEmulator) -> None:
    emulator.reset(_org_with_groups(groups=2, members_per_group=2))
    emulator.clear_requests()
    with client_for(emulator, dry_run=True) as client:
        org = client.read_org()[0]
        target = org.members[1].id
        attempts = [
            lambda: client.invite_member("x@example.com", type=MemberType.USER, external_id="x"),
            lambda: client.update_member(target, type=MemberType.USER, external_id="y"),
            lambda: client.set_member_groups(target, []),
            lambda: client.set_group_members(org.groups[0].id, []),
            lambda: client.revoke_member(target),
            lambda: client.restore_member(target),
            lambda: client.reinvite_member(target),
            lambda: client.delete_member(target),
            lambda: client.create_group("G", external_id="g"),
            lambda: client.update_group(org.groups[0].id, name="H", external_id=None),
            lambda: client.delete_group(org.groups[0].id),
            lambda: client.import_org([ImportMember(email="z@example.com", external_id="z")], []),
        ]
        for attempt in attempts:
            with pytest.raises(DryRunRefused):
                attempt()
    log = api_requests(emulator)
    writes = [r for r in log if r["method"] != "GET" and not r["path"].endswith("/connect/token")]
    assert writes == []
    assert len([r for r in log if r["method"] == "GET"]) == 5  # 3 lists + 2 x member-ids


def test_a_wrong_secret_gives_one_clear_line_without_the_secret(emulator: ServedEmulator) -> None:
    wrong = "wrong-" + emulator.client_secret[::-1]
    client = BitwardenClient(
        api_url=emulator.api_url,
        identity_url=emulator.identity_url,
        client_id=emulator.client_id,
        client_secret=SecretStr(wrong),
        rate_limit="off",
    )
    with client, pytest.raises(AuthError) as caught:
        client.list_members()
    message = str(caught.value)
    assert "rejected the client id/secret" in message
    assert "\n" not in message
    assert wrong not in message
    assert emulator.client_secret not in message
    tokens = [r for r in api_requests(emulator) if r["path"].endswith("/connect/token")]
    assert [r["status"] for r in tokens] == [400]


@pytest.mark.parametrize("kind", ["html", "truncated", "wrong_types"])
def test_malformed_answers_are_invalid_response(emulator: ServedEmulator, kind: str) -> None:
    emulator.reset(_org_with_groups(groups=1, members_per_group=2))
    with client_for(emulator) as client:
        client.list_groups()
        emulator.set_faults(f"{kind}=1.0,methods=GET")
        with pytest.raises(InvalidResponse) as caught:
            client.list_members()
    message = str(caught.value)
    assert message.startswith("GET /public/members: ")
    assert "status 200" in message
    assert "\n" not in message


def test_unexpected_enum_values_do_not_break_a_read(emulator: ServedEmulator) -> None:
    emulator.reset(_org_with_groups(groups=1, members_per_group=2))
    emulator.set_faults("bad_enum=1.0,methods=GET")
    with client_for(emulator) as client:
        members = client.list_members()
    assert {(m.status, m.type) for m in members} == {(99, 99)}


def test_revoked_tokens_are_replaced_without_failing_a_call(emulator: ServedEmulator) -> None:
    emulator.set_faults("seed=3,revoke_token=0.1,methods=GET")
    with client_for(emulator) as client:
        for _ in range(60):
            client.list_members()
        stats = client.stats
    log = api_requests(emulator)
    unauthorized = len([r for r in log if r["status"] == 401])
    assert unauthorized > 0
    assert stats.token_requests == 1 + unauthorized
    assert len([r for r in log if r["path"] == "/public/members" and r["status"] == 200]) == 60


def test_a_wrong_secret_exits_with_one_line_through_the_cli(
    emulator: ServedEmulator, tmp_path: Path
) -> None:
    wrong = "wrong-secret-" + emulator.client_secret[:4]
    config = tmp_path / "dirsync.toml"
    config.write_text(
        f'[source]\ntype = "csv"\n[csv]\npath = "/dev/null"\n[bitwarden]\n'
        f'api_url = "{emulator.api_url}"\nidentity_url = "{emulator.identity_url}"\n'
        f'client_id = "{emulator.client_id}"\nclient_secret = "{wrong}"\n'
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("DIRSYNC_")}
    done = subprocess.run(
        [sys.executable, "-m", "dirsync", "--config", str(config), "restore", "a@example.com"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1
    assert "rejected the client id/secret" in lines[0]
    assert wrong not in done.stderr
    assert "Traceback" not in done.stderr


def test_collections_policies_and_one_group(emulator: ServedEmulator) -> None:
    group_id, collection_id = new_id(), new_id()
    emulator.reset({
        "organization": organization(),
        "members": [owner()],
        "groups": [{"id": group_id, "name": "Ops", "externalId": "ops"}],
        "collections": [{"id": collection_id, "externalId": "vault-ops",
                         "groups": [{"id": group_id, "readOnly": True}]}],
        "policies": [{"type": 0, "enabled": True, "data": None}],
    })  # fmt: skip
    with client_for(emulator) as client:
        (collection,) = client.list_collections()
        (policy,) = client.list_policies()
        group = client.get_group(group_id)
    assert collection.external_id == "vault-ops"
    assert collection.groups is not None
    assert [(a.id, a.read_only) for a in collection.groups] == [(group_id, True)]
    assert (policy.type, policy.enabled) == (0, True)
    assert group.collections is not None
    assert [a.id for a in group.collections] == [collection_id]


def test_a_large_body_gives_its_parse_memory_back(
    emulator: ServedEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The members list of 5,000 (1.5 MB) is followed by a trim; the small reads are not."""
    people = [member(f"u{i}@example.com", f"u{i}") for i in range(5000)]
    emulator.reset({"organization": organization(), "members": [owner(), *people]})
    trims: list[str] = []
    monkeypatch.setattr(session, "release_freed_memory", lambda: trims.append("trim") or True)
    with client_for(emulator) as client:
        org = client.read_org()[0]
    assert len(org.members) == 5001
    assert trims == ["trim"]
